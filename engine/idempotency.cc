#include "engine/idempotency.h"

#include "engine/hash.h"

namespace cm::engine {

std::size_t IdempotencyTable::KeyHash::operator()(const Key& k) const {
  return Mix64(k.user ^ Mix64(k.key.hi ^ Mix64(k.key.lo)));
}

const IdemEntry* IdempotencyTable::Find(UserId user, const IdemKey& key, TimeMs now) const {
  auto it = map_.find(Key{user, key});
  if (it == map_.end() || it->second.recorded_at + ttl_ms_ <= now) return nullptr;
  return &it->second;
}

void IdempotencyTable::Insert(UserId user, const IdemKey& key, const IdemEntry& entry) {
  auto [it, inserted] = map_.try_emplace(Key{user, key}, entry);
  if (inserted) fifo_.push_back(Key{user, key});
  if (map_.size() > capacity_) Evict(entry.recorded_at);
}

void IdempotencyTable::Evict(TimeMs now) {
  while (!fifo_.empty()) {
    auto it = map_.find(fifo_.front());
    if (map_.size() <= capacity_ && it->second.recorded_at + ttl_ms_ > now) break;
    map_.erase(it);
    fifo_.pop_front();
  }
}

}  // namespace cm::engine
