#include "api/edge_limits.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace cm::api {

ClientKeys::ClientKeys() {
  static_assert(sizeof(key_) == crypto_shorthash_KEYBYTES);
  crypto_shorthash_keygen(key_.data());
}

uint64_t ClientKeys::Of(std::string_view text) const {
  unsigned char out[crypto_shorthash_BYTES];
  crypto_shorthash(out, reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                   key_.data());
  uint64_t v;
  std::memcpy(&v, out, sizeof v);
  return v;
}

AttemptBackoff::AttemptBackoff(int free_attempts, int64_t base_ms, int64_t cap_ms,
                               int64_t forget_after_ms)
    : free_attempts_(static_cast<uint32_t>(std::max(0, free_attempts))),
      base_ms_(std::max<int64_t>(1, base_ms)),
      cap_ms_(std::max(base_ms_, cap_ms)),
      forget_after_ms_(std::max(cap_ms_, forget_after_ms)) {}

bool AttemptBackoff::TryStart(uint64_t account, int64_t now_ms, int* retry_after_s) {
  Shard& s = shards_[account % kShards];
  std::lock_guard lock(s.mu);
  if (s.entries.size() >= kMaxPerShard) Prune(s, now_ms);
  Entry& e = s.entries[account];
  if (e.attempts > 0 && now_ms - e.last_ms >= forget_after_ms_) e = Entry{};
  if (now_ms < e.next_ms) {
    *retry_after_s = static_cast<int>((e.next_ms - now_ms + 999) / 1000);
    return false;
  }
  ++e.attempts;
  e.last_ms = now_ms;
  if (e.attempts >= free_attempts_) {
    const uint32_t over = std::min<uint32_t>(e.attempts - free_attempts_, 40);
    const int64_t delay = over >= 40 ? cap_ms_ : std::min(cap_ms_, base_ms_ << std::min(over, 30u));
    e.next_ms = now_ms + delay;
  }
  return true;
}

void AttemptBackoff::Undo(uint64_t account) {
  Shard& s = shards_[account % kShards];
  std::lock_guard lock(s.mu);
  auto it = s.entries.find(account);
  if (it == s.entries.end()) return;
  if (it->second.attempts > 0) --it->second.attempts;
  it->second.next_ms = 0;
}

void AttemptBackoff::Succeeded(uint64_t account) {
  Shard& s = shards_[account % kShards];
  std::lock_guard lock(s.mu);
  s.entries.erase(account);
}

std::size_t AttemptBackoff::tracked() const {
  std::size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.entries.size();
  }
  return n;
}

// Forgets quiet accounts; if the shard is still full (a flood of distinct emails), drops the
// half tried longest ago - they are the ones an attacker gains least from.
void AttemptBackoff::Prune(Shard& s, int64_t now_ms) {
  std::erase_if(s.entries, [&](const auto& kv) {
    return now_ms - kv.second.last_ms >= forget_after_ms_ && now_ms >= kv.second.next_ms;
  });
  if (s.entries.size() < kMaxPerShard) return;
  std::vector<int64_t> times;
  times.reserve(s.entries.size());
  for (const auto& [k, e] : s.entries) times.push_back(e.last_ms);
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  const int64_t median = times[times.size() / 2];
  std::erase_if(s.entries, [&](const auto& kv) { return kv.second.last_ms < median; });
}

}  // namespace cm::api
