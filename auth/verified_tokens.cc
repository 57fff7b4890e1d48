#include "auth/verified_tokens.h"

#include <bit>
#include <functional>

namespace cm::auth {

VerifiedTokens::VerifiedTokens(const JwtCodec& codec, std::size_t slots)
    : codec_(codec),
      mask_(std::bit_ceil(std::max<std::size_t>(slots, 1)) - 1),
      slots_(std::make_unique<Slot[]>(mask_ + 1)) {}

JwtCodec::Verified VerifiedTokens::Verify(std::string_view token, int64_t now_s, int64_t leeway_s) {
  Slot& slot = slots_[std::hash<std::string_view>{}(token) & mask_];
  {
    std::lock_guard lock(slot.mutex);
    if (!token.empty() && slot.token == token) {
      JwtCodec::Verified v = JwtCodec::CheckTimes(slot.claims, now_s, leeway_s);
      if (v.error == JwtError::kExpired) slot.token.clear();  // it will never pass again
      hits_.fetch_add(1, std::memory_order_relaxed);
      return v;
    }
  }
  JwtCodec::Verified v = codec_.Verify(token, now_s, leeway_s);
  if (v.claims) {
    std::lock_guard lock(slot.mutex);
    slot.token.assign(token);
    slot.claims = *v.claims;
  }
  return v;
}

}  // namespace cm::auth
