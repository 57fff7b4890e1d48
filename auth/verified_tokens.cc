#include "auth/verified_tokens.h"

#include <sodium.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

namespace cm::auth {

VerifiedTokens::VerifiedTokens(const JwtCodec& codec, std::size_t entries)
    : codec_(codec),
      mask_(std::bit_ceil(std::max(entries, kWays)) / kWays - 1),
      sets_(std::make_unique<Set[]>(mask_ + 1)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialize");
  randombytes_buf(key_.data(), key_.size());
}

VerifiedTokens::Digest VerifiedTokens::DigestOf(std::string_view token) const {
  Digest d;
  crypto_shorthash_siphashx24(d.data(), reinterpret_cast<const unsigned char*>(token.data()),
                              token.size(), key_.data());
  return d;
}

JwtCodec::Verified VerifiedTokens::Verify(std::string_view token, int64_t now_s, int64_t leeway_s) {
  const Digest digest = DigestOf(token);
  uint64_t pick;
  std::memcpy(&pick, digest.data(), sizeof pick);
  Set& set = sets_[pick & mask_];
  {
    std::lock_guard lock(set.mutex);
    for (Entry& e : set.ways) {
      if (!e.used || sodium_memcmp(e.digest.data(), digest.data(), digest.size()) != 0) continue;
      JwtCodec::Verified v = JwtCodec::CheckTimes(e.claims, now_s, leeway_s);
      if (v.error == JwtError::kExpired) e.used = false;  // it will never pass again
      e.last_use = ++set.uses;
      hits_.fetch_add(1, std::memory_order_relaxed);
      return v;
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  JwtCodec::Verified v = codec_.Verify(token, now_s, leeway_s);
  if (v.claims) {
    std::lock_guard lock(set.mutex);
    // A free place, else the least recently used (counted in the set's wrapping use counter).
    Entry* victim = &set.ways[0];
    for (Entry& e : set.ways) {
      if (!e.used) {
        victim = &e;
        break;
      }
      if (static_cast<int32_t>(e.last_use - victim->last_use) < 0) victim = &e;
    }
    victim->used = true;
    victim->last_use = ++set.uses;
    victim->digest = digest;
    victim->claims = *v.claims;
  }
  return v;
}

}  // namespace cm::auth
