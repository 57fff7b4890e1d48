#pragma once
// Access tokens whose signature already checked out, so that a fan's next request with the same
// token costs a keyed hash and a compare instead of an HMAC, two base64 decodes and a JSON parse.
// At an on-sale every fan sends the same token dozens of times a minute.
//
// Only what the signature vouches for is kept: the token's digest and its claims. The digest is
// SipHash-2-4's 128-bit MAC (crypto_shorthash_siphashx24, a fifth of BLAKE2b's cost on a token)
// under a key drawn when the cache is made, so neither the set a token lands in nor its digest
// can be aimed at from outside, and a forged token matches a kept one with odds of 2^-128; no
// token is kept in memory. Digests are compared in constant time. The clock is checked at every
// use exactly as JwtCodec::Verify checks it, so an expired token is refused as before and its
// place is freed. Whether the user and the login session still stand is not a property of the
// token and is asked of the read model at every request, as before. Bounded: a fixed number of
// places in sets of four (the digest picks the set); a new token takes the place of its set's
// least recently used one, so a few colliding tokens do not evict each other on every request.
// Thread-safe: a lock per set, so I/O threads seldom meet. 65,536 places take 5.5 MB.

#include <sodium.h>

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
  // `entries`: how many tokens are kept at most (rounded up to a power of two, at least a set).
  explicit VerifiedTokens(const JwtCodec& codec, std::size_t entries = 65536);

  // What codec.Verify(token, now_s, leeway_s) answers.
  JwtCodec::Verified Verify(std::string_view token, int64_t now_s, int64_t leeway_s = 5);

  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  // Tokens answered from the cache, and tokens whose signature was checked (for the metrics).
  const std::atomic<uint64_t>& hit_count() const { return hits_; }
  const std::atomic<uint64_t>& miss_count() const { return misses_; }

 private:
  using Digest = std::array<unsigned char, crypto_shorthash_siphashx24_BYTES>;
  static constexpr std::size_t kWays = 4;
  struct Entry {
    bool used = false;
    uint32_t last_use = 0;  // the set's use counter at its last hit: the oldest is replaced
    Digest digest{};
    AccessClaims claims;
  };
  struct Set {
    std::mutex mutex;
    uint32_t uses = 0;
    std::array<Entry, kWays> ways;
  };
  Digest DigestOf(std::string_view token) const;

  const JwtCodec& codec_;
  const std::size_t mask_;
  std::array<unsigned char, crypto_shorthash_siphashx24_KEYBYTES> key_{};
  std::unique_ptr<Set[]> sets_;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace cm::auth
