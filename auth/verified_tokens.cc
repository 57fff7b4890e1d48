#include "auth/verified_tokens.h"

#include <sodium.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

namespace cm::auth {

VerifiedTokens::VerifiedTokens(const JwtCodec& codec, std::size_t slots)
    : codec_(codec),
      mask_(std::bit_ceil(std::max<std::size_t>(slots, 1)) - 1),
      slots_(std::make_unique<Slot[]>(mask_ + 1)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialize");
  randombytes_buf(key_.data(), key_.size());
}

VerifiedTokens::Digest VerifiedTokens::DigestOf(std::string_view token) const {
  Digest d;
  crypto_generichash(d.data(), d.size(), reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), key_.data(), key_.size());
  return d;
}

JwtCodec::Verified VerifiedTokens::Verify(std::string_view token, int64_t now_s, int64_t leeway_s) {
  const Digest digest = DigestOf(token);
  uint64_t pick;
  std::memcpy(&pick, digest.data(), sizeof pick);
  Slot& slot = slots_[pick & mask_];
  {
    std::lock_guard lock(slot.mutex);
    if (slot.used && sodium_memcmp(slot.digest.data(), digest.data(), digest.size()) == 0) {
      JwtCodec::Verified v = JwtCodec::CheckTimes(slot.claims, now_s, leeway_s);
      if (v.error == JwtError::kExpired) slot.used = false;  // it will never pass again
      hits_.fetch_add(1, std::memory_order_relaxed);
      return v;
    }
  }
  JwtCodec::Verified v = codec_.Verify(token, now_s, leeway_s);
  if (v.claims) {
    std::lock_guard lock(slot.mutex);
    slot.used = true;
    slot.digest = digest;
    slot.claims = *v.claims;
  }
  return v;
}

}  // namespace cm::auth
