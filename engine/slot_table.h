#pragma once
// Records whose id names their slot (docs/architecture.md, "Ids as slots"): a find is one
// array index and one compare of the id the record keeps, with no hash and no probe.
// - New ids come from SlotIds: the lowest free slot, at its generation, above the timeline's
//   base. The caller makes sure a new id is the one NextId gave (EngineState::Apply checks it
//   against NextId before the event's retention drop), so a replay builds the same table.
// - Ids made by seq, before slots (state format 13 and older, and their journals), live in a
//   DenseTable beside the slots until retention erases them.
// - Records sit in fixed blocks and never move while they stay (hold timers point at them).
//   An empty slot's record has id 0, which no find asks for.
// T has a `uint64_t id`. Iterates as (id, record) pairs: the old ids first, then by slot.
// Not thread-safe (the applying thread).

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "engine/dense_table.h"
#include "engine/slot_ids.h"
#include "engine/types.h"

namespace cm::engine {

template <class T>
class SlotTable {
 public:
  static constexpr uint64_t kLocalMask = kTimelineIdStride - 1;
  static constexpr uint32_t kBlockBits = 10;
  static constexpr uint32_t kBlock = uint32_t{1} << kBlockBits;

  std::size_t size() const { return legacy_.size() + ids_.in_use(); }
  bool empty() const { return size() == 0; }
  bool contains(uint64_t id) const { return Find(id) != nullptr; }
  static bool IsSlotId(uint64_t id) { return SlotIds::IsSlotId(id & kLocalMask); }

  T* Find(uint64_t id) {
    if (!IsSlotId(id)) return legacy_.Find(id);
    const uint32_t slot = SlotIds::SlotOf(id & kLocalMask);
    if (slot >= slot_capacity()) return nullptr;
    T& r = At(slot);
    return r.id == id ? &r : nullptr;
  }
  const T* Find(uint64_t id) const { return const_cast<SlotTable*>(this)->Find(id); }
  // Asks the cache for the record `id` names ahead of a write; nothing for an old id (its
  // table is probed when found).
  void Prefetch(uint64_t id) const {
    if (!IsSlotId(id)) return;
    const uint32_t slot = SlotIds::SlotOf(id & kLocalMask);
    if (slot < slot_capacity()) __builtin_prefetch(&At(slot), 1);
  }
  const T& at(uint64_t id) const { return *Find(id); }  // REQUIRES: contains(id)

  // The id the next record takes, above `id_base` (the timeline's); nullopt when every slot
  // is in use or retired.
  std::optional<uint64_t> NextId(uint64_t id_base) const {
    const std::optional<uint64_t> local = ids_.Next();
    if (!local) return std::nullopt;
    return id_base + *local;
  }
  // A fresh default record under `id`, or null (and nothing changes) if `id` names a slot
  // that is not free at that generation, or is an old id already in the table.
  T* Insert(uint64_t id) {
    if (!IsSlotId(id)) {
      auto [r, fresh] = legacy_.Emplace(id);
      if (!fresh) return nullptr;
      r->id = id;
      return r;
    }
    if (!ids_.TakeFree(id & kLocalMask)) return nullptr;
    return Place(id);
  }
  bool Erase(uint64_t id) {
    if (!IsSlotId(id)) return legacy_.Erase(id);
    T* r = Find(id);
    if (r == nullptr) return false;
    *r = T{};
    ids_.Release(SlotIds::SlotOf(id & kLocalMask));
    return true;
  }

  // A snapshot's restore (state format 14): the generations first, then each record by id.
  bool RestoreGenerations(std::vector<uint16_t> generations) {
    return ids_.RestoreGenerations(std::move(generations));
  }
  // Only into a slot the restored generations list (one ever taken): a corrupt id cannot
  // grow the table past them.
  T* Restore(uint64_t id) {
    if (IsSlotId(id) && SlotIds::SlotOf(id & kLocalMask) >= ids_.generations().size())
      return nullptr;
    return Insert(id);
  }
  const SlotIds& slot_ids() const { return ids_; }
  std::size_t legacy_size() const { return legacy_.size(); }

  // How many records fit before another block is added.
  std::size_t slot_capacity() const { return blocks_.size() * std::size_t{kBlock}; }
  std::size_t bytes() const {
    return slot_capacity() * sizeof(T) + blocks_.capacity() * sizeof(blocks_[0]) + ids_.bytes() +
           legacy_.bytes();
  }

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::pair<uint64_t, const T&>;
    using difference_type = std::ptrdiff_t;
    using reference = value_type;

    const_iterator(const SlotTable* t, typename DenseTable<uint64_t, T>::const_iterator old,
                   std::size_t slot)
        : t_(t), old_(old), slot_(slot) {
      Skip();
    }
    value_type operator*() const {
      if (old_ != t_->legacy_.end()) return *old_;
      const T& r = t_->At(static_cast<uint32_t>(slot_));
      return {r.id, r};
    }
    const_iterator& operator++() {
      if (old_ != t_->legacy_.end()) {
        ++old_;
      } else {
        ++slot_;
      }
      Skip();
      return *this;
    }
    bool operator==(const const_iterator& o) const { return old_ == o.old_ && slot_ == o.slot_; }

   private:
    // Past the old ids, moves to the next slot in use, or to the end (slot_capacity()).
    void Skip() {
      if (old_ != t_->legacy_.end()) return;
      while (slot_ < t_->slot_capacity() && t_->At(static_cast<uint32_t>(slot_)).id == 0) ++slot_;
    }
    const SlotTable* t_;
    typename DenseTable<uint64_t, T>::const_iterator old_;
    std::size_t slot_;
  };
  const_iterator begin() const { return const_iterator(this, legacy_.begin(), 0); }
  const_iterator end() const { return const_iterator(this, legacy_.end(), slot_capacity()); }

 private:
  T& At(uint32_t slot) { return blocks_[slot >> kBlockBits][slot & (kBlock - 1)]; }
  const T& At(uint32_t slot) const { return blocks_[slot >> kBlockBits][slot & (kBlock - 1)]; }
  // The slot `id` names was just taken: its record, blocks added up to it.
  T* Place(uint64_t id) {
    const uint32_t slot = SlotIds::SlotOf(id & kLocalMask);
    while (slot >= slot_capacity()) blocks_.push_back(std::make_unique<T[]>(kBlock));
    T& r = At(slot);  // a free slot's record is a default one (fresh block, or Erase reset it)
    r.id = id;
    return &r;
  }

  SlotIds ids_;
  std::vector<std::unique_ptr<T[]>> blocks_;
  DenseTable<uint64_t, T> legacy_;
};

}  // namespace cm::engine
