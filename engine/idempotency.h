#pragma once
// Remembers the first answer to each (user, idempotency key), so a retried command gets that
// answer again instead of acting twice. Bounded two ways, both deterministic because time is
// data: entries older than the TTL are dropped, and past `capacity` the oldest go first.
// An open-addressing table, with a FIFO of keys in insertion order (which is time order) so
// expiry pops from the front instead of scanning. Not thread-safe (sequencer thread).

#include <cstddef>
#include <cstdint>

#include "engine/event.h"
#include "engine/fifo.h"
#include "engine/sharded_flat_map.h"
#include "engine/types.h"

namespace cm::engine {

struct IdemEntry {
  uint64_t fingerprint = 0;  // of the first command; another command under the key is refused
  Seq seq = 0;               // the event that answered it
  Outcome outcome;
  TimeMs recorded_at = 0;
};

class IdempotencyTable {
 public:
  IdempotencyTable(TimeMs ttl_ms, std::size_t capacity) : ttl_ms_(ttl_ms), capacity_(capacity) {}

  // The live entry for the key at time `now`, or nullptr.
  const IdemEntry* Find(UserId user, const IdemKey& key, TimeMs now) const;
  // Records the first answer; a key already present keeps its first answer.
  void Insert(UserId user, const IdemKey& key, const IdemEntry& entry);
  // Drops entries whose TTL has passed at `now`, and the oldest beyond capacity. Every event
  // asks (EngineState::AdvanceClock), and nearly always nothing is due: that answer is two
  // compares, inline.
  void Evict(TimeMs now) {
    if (now < next_expiry_ && map_.size() <= capacity_) return;
    EvictDue(now);
  }

  std::size_t size() const { return map_.size(); }
  // Visits entries oldest first (the order Insert must see them in to rebuild the table).
  template <class F>
  void ForEachOldestFirst(F&& f) const {
    fifo_.ForEach([&](const Queued& q) { f(q.key.user, q.key.key, *map_.Find(q.key)); });
  }

 private:
  struct Key {
    UserId user;
    IdemKey key;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };
  // A key in the FIFO with its entry's time, so checking the oldest costs no table probe.
  struct Queued {
    Key key;
    TimeMs recorded_at;
  };

  void EvictDue(TimeMs now);

  static constexpr TimeMs kNever = INT64_MAX;
  TimeMs ttl_ms_;
  std::size_t capacity_;
  TimeMs next_expiry_ = kNever;  // when the oldest entry expires (kNever: there is none)
  ShardedFlatMap<Key, IdemEntry, KeyHash> map_;
  Fifo<Queued> fifo_;  // insertion order is time order: the clock never goes back
};

}  // namespace cm::engine
