#include "engine/idempotency.h"

#include "engine/hash.h"

namespace cm::engine {

std::size_t IdempotencyTable::KeyHash::operator()(const Key& k) const {
  return Mix64(k.user ^ Mix64(k.key.hi ^ Mix64(k.key.lo)));
}

const IdemEntry* IdempotencyTable::Find(UserId user, const IdemKey& key, TimeMs now) const {
  const IdemEntry* e = map_.Find(Key{user, key});
  if (e == nullptr || e->recorded_at + ttl_ms_ <= now) return nullptr;
  return e;
}

void IdempotencyTable::Insert(UserId user, const IdemKey& key, const IdemEntry& entry) {
  if (map_.Insert(Key{user, key}, entry).second) {
    if (fifo_.empty()) next_expiry_ = entry.recorded_at + ttl_ms_;
    fifo_.push_back(Queued{Key{user, key}, entry.recorded_at});
  }
  if (map_.size() > capacity_) Evict(entry.recorded_at);
}

void IdempotencyTable::EvictDue(TimeMs now) {
  while (!fifo_.empty()) {
    const Queued& oldest = fifo_.front();
    if (map_.size() <= capacity_ && oldest.recorded_at + ttl_ms_ > now) break;
    map_.Erase(oldest.key);
    fifo_.pop_front();
  }
  next_expiry_ = fifo_.empty() ? kNever : fifo_.front().recorded_at + ttl_ms_;
}

}  // namespace cm::engine
