#include "api/request_guards.h"

#include <algorithm>
#include <cmath>

namespace cm::api {

bool RateLimiter::Allow(engine::UserId user, int64_t now_ms, int* retry_after_s) {
  if (rate_ <= 0) return true;
  Shard& s = shards_[user % kShards];
  std::lock_guard lock(s.mu);
  // Idle buckets are full buckets: forget them so the map stays bounded by active users.
  if (s.buckets.size() > 100'000) {
    std::erase_if(s.buckets, [&](const auto& kv) {
      return (now_ms - kv.second.at_ms) / 1000.0 * rate_ >= burst_;
    });
  }
  auto [it, fresh] = s.buckets.try_emplace(user, Bucket{burst_, now_ms});
  Bucket& b = it->second;
  if (!fresh && now_ms > b.at_ms) {
    b.tokens = std::min(burst_, b.tokens + (now_ms - b.at_ms) / 1000.0 * rate_);
    b.at_ms = now_ms;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  *retry_after_s = std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / rate_)));
  return false;
}

bool InflightKeys::TryBegin(engine::UserId user, const engine::IdemKey& key) {
  std::lock_guard lock(mu_);
  return keys_.insert(Entry{user, key}).second;
}

void InflightKeys::End(engine::UserId user, const engine::IdemKey& key) {
  std::lock_guard lock(mu_);
  keys_.erase(Entry{user, key});
}

}  // namespace cm::api
