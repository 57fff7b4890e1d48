#include "readmodel/queue_presence.h"

#include <algorithm>
#include <map>

namespace cm::readmodel {

void QueuePresence::Seen(engine::ConcertId concert, engine::UserId user, int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = last_seen_.try_emplace(Key{concert, user}, now_ms);
  if (fresh) {
    checks_.emplace_back(now_ms, Key{concert, user});
    return;
  }
  it->second = std::max(it->second, now_ms);
}

std::vector<QueuePresence::Silent> QueuePresence::Sweep(int64_t now_ms, const Policy& policy,
                                                        std::size_t limit) {
  // Candidates are taken under the lock, judged outside it (the policy reads the read model),
  // and put back if still alive.
  std::vector<std::pair<Key, int64_t>> due;
  {
    std::lock_guard lock(mu_);
    while (!checks_.empty() && due.size() < limit &&
           checks_.front().first + kMinSilenceMs <= now_ms) {
      const Key key = checks_.front().second;
      checks_.pop_front();
      auto it = last_seen_.find(key);
      if (it != last_seen_.end()) due.emplace_back(key, it->second);
    }
  }
  std::vector<std::pair<Key, int64_t>> silent;  // (key, the sighting judged)
  std::vector<std::pair<int64_t, Key>> recheck;
  std::vector<Key> gone;  // no longer waiting
  for (const auto& [key, seen] : due) {
    const std::optional<int64_t> allowed = policy(key.concert, key.user);
    if (!allowed) gone.push_back(key);
    else if (seen + *allowed <= now_ms) silent.emplace_back(key, seen);
    else recheck.emplace_back(seen + *allowed - kMinSilenceMs, key);
  }
  std::map<engine::ConcertId, std::vector<engine::UserId>> by_concert;
  {
    std::lock_guard lock(mu_);
    for (const Key& key : gone) last_seen_.erase(key);
    for (const auto& [key, seen] : silent) {
      auto it = last_seen_.find(key);
      if (it == last_seen_.end()) continue;
      if (it->second != seen) {  // a sign of life since the sweep looked: check again later
        checks_.emplace_back(it->second, key);
        continue;
      }
      last_seen_.erase(it);
      by_concert[key.concert].push_back(key.user);
    }
    for (const auto& [at, key] : recheck)
      if (last_seen_.contains(key)) checks_.emplace_back(at, key);
  }
  std::vector<Silent> out;
  for (auto& [concert, users] : by_concert) out.push_back(Silent{concert, std::move(users)});
  return out;
}

std::size_t QueuePresence::tracked() const {
  std::lock_guard lock(mu_);
  return last_seen_.size();
}

}  // namespace cm::readmodel
