#pragma once
// Records of one kind by id: the records in a Slab (fixed blocks, free list), the ids in an
// open-addressing ShardedFlatMap to their slots. Lookups cost one probe into a flat array and one
// load from a block; no node per record, no rehash of the records themselves, and a pointer to
// a record stays valid until that record is erased.
// Iterates like a map, as (id, record) pairs, in no particular order.
// Not thread-safe (sequencer thread).

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <utility>

#include "engine/sharded_flat_map.h"
#include "engine/slab.h"

namespace cm::engine {

template <class Id, class T>
class DenseTable {
 public:
  std::size_t size() const { return slots_.size(); }
  bool empty() const { return slots_.empty(); }
  bool contains(Id id) const { return slots_.Contains(id); }

  T* Find(Id id) {
    const uint32_t* slot = slots_.Find(id);
    return slot == nullptr ? nullptr : &records_[*slot];
  }
  const T* Find(Id id) const { return const_cast<DenseTable*>(this)->Find(id); }
  // Find that keeps the last record found: one command's decision, its event's apply and the
  // ledger after it name the same record, and a hit costs no probe. It writes that cache, so
  // it is for the one thread that changes the table, never for readers sharing it.
  T* FindHot(Id id) { return Hot(id) ? hot_ : nullptr; }
  // SlotOf, through the same cache.
  uint32_t SlotOfHot(Id id) { return Hot(id) ? hot_slot_ : kNoSlot; }
  // REQUIRES: contains(id).
  const T& at(Id id) const { return *Find(id); }
  // Where `id`'s record is in the slab (kNoSlot if there is none). A table whose records are
  // never erased has its slots dense from 0, so an array indexed by them is dense too.
  static constexpr uint32_t kNoSlot = UINT32_MAX;
  uint32_t SlotOf(Id id) const {
    const uint32_t* slot = slots_.Find(id);
    return slot == nullptr ? kNoSlot : *slot;
  }
  // REQUIRES: `slot` holds a record (SlotOf gave it).
  const T& AtSlot(uint32_t slot) const { return records_[slot]; }

  // The record under `id`, a fresh default one if there was none; and whether it is fresh.
  std::pair<T*, bool> Emplace(Id id) {
    auto [slot, fresh] = slots_.Insert(id, 0);  // one probe; the slab does not move it
    if (fresh) *slot = records_.Allocate();
    return {&records_[*slot], fresh};
  }
  bool Erase(Id id) {
    const uint32_t* slot = slots_.Find(id);
    if (slot == nullptr) return false;
    if (hot_id_ == id) hot_ = nullptr;
    records_.Free(*slot);
    slots_.Erase(id);
    return true;
  }
  void Reserve(std::size_t n) { slots_.Reserve(n); }
  // How many records fit before the slab adds a block.
  std::size_t slot_capacity() const { return records_.slot_capacity(); }
  std::size_t bytes() const { return slots_.bytes() + records_.bytes(); }

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::pair<Id, const T&>;
    using difference_type = std::ptrdiff_t;
    using reference = value_type;

    const_iterator(const DenseTable* t, std::size_t shard) : t_(t), shard_(shard) { Skip(); }
    value_type operator*() const {
      const auto& s = t_->slots_.shard(shard_);
      return {s.key_at(i_), t_->records_[s.value_at(i_)]};
    }
    const_iterator& operator++() {
      ++i_;
      Skip();
      return *this;
    }
    bool operator==(const const_iterator& o) const { return shard_ == o.shard_ && i_ == o.i_; }

   private:
    // Moves to the next used slot at or after (shard_, i_), or to the end (kShards, 0).
    void Skip() {
      while (shard_ < Slots::kShards) {
        const auto& s = t_->slots_.shard(shard_);
        while (i_ < s.capacity() && !s.used(i_)) ++i_;
        if (i_ < s.capacity()) return;
        ++shard_;
        i_ = 0;
      }
    }
    const DenseTable* t_;
    std::size_t shard_;
    std::size_t i_ = 0;
  };
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, Slots::kShards); }

 private:
  using Slots = ShardedFlatMap<Id, uint32_t>;
  Slots slots_;
  Slab<T> records_;
  // Makes `id` the hot record if it is in the table; false if it is not.
  bool Hot(Id id) {
    if (hot_ != nullptr && hot_id_ == id) return true;
    const uint32_t* slot = slots_.Find(id);
    if (slot == nullptr) return false;
    hot_id_ = id;
    hot_slot_ = *slot;
    hot_ = &records_[*slot];
    return true;
  }

  Id hot_id_{};
  uint32_t hot_slot_ = 0;
  T* hot_ = nullptr;  // the last record found hot (records never move while they stay)
};

}  // namespace cm::engine
