#pragma once
// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), written here from the standards because the
// engine depends on the standard library alone. The engine uses them for what outsiders must be
// able to check with any SHA-256 of their own: the waiting room's committed draw
// (engine/opening_draw.h). Not constant-time; nothing here compares secrets.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cm::engine {

using Sha256Digest = std::array<uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, std::size_t n);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  Sha256Digest Final();  // the object is spent afterwards

 private:
  void Compress(const uint8_t* block);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> block_{};
  std::size_t used_ = 0;
  uint64_t total_ = 0;
};

Sha256Digest Sha256Of(std::string_view data);

// HMAC-SHA256 under one key, its padded key hashed once so each message costs two compressions
// for a short message instead of four.
class HmacSha256 {
 public:
  explicit HmacSha256(std::string_view key);
  Sha256Digest Mac(std::string_view message) const;

 private:
  Sha256 inner_, outer_;  // after the key's ipad and opad blocks
};

}  // namespace cm::engine
