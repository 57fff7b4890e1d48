#pragma once
// Access tokens whose signature already checked out, so that a fan's next request with the same
// token costs a keyed hash and a compare instead of an HMAC, two base64 decodes and a JSON parse.
// At an on-sale every fan sends the same token dozens of times a minute.
//
// Only what the signature vouches for is kept: the token's digest (BLAKE2b under a key drawn
// when the cache is made, so neither the slot a token lands in nor its digest can be aimed at
// from outside, and no token is kept in memory) and its claims. Digests are compared in
// constant time. The clock is checked at every use exactly as JwtCodec::Verify checks it, so an
// expired token is refused as before and its slot is freed. Whether the user and the login
// session still stand is not a property of the token and is asked of the read model at every
// request, as before. Bounded: a fixed number of slots (the digest picks one); a new token takes
// its slot from the token before. Thread-safe: a lock per slot, so I/O threads seldom meet.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>

#include "auth/jwt.h"

namespace cm::auth {

class VerifiedTokens {
 public:
  explicit VerifiedTokens(const JwtCodec& codec, std::size_t slots = 16384);

  // What codec.Verify(token, now_s, leeway_s) answers.
  JwtCodec::Verified Verify(std::string_view token, int64_t now_s, int64_t leeway_s = 5);

  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }

 private:
  using Digest = std::array<unsigned char, 32>;
  struct Slot {
    std::mutex mutex;
    bool used = false;
    Digest digest{};
    AccessClaims claims;
  };
  Digest DigestOf(std::string_view token) const;

  const JwtCodec& codec_;
  const std::size_t mask_;
  std::array<unsigned char, 32> key_{};
  std::unique_ptr<Slot[]> slots_;
  std::atomic<uint64_t> hits_{0};
};

}  // namespace cm::auth
