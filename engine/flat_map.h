#pragma once
// An open-addressing hash map for the sequencer's hot state: one flat array of slots, linear
// probing, deletion by backward shift (no tombstones, so lookups never slow down as keys come
// and go). No node per entry and no allocation once grown to its working size.
// Values are small and trivially movable (ids, slot numbers, counters); pointers returned by
// Find are valid until the next Insert or Erase.
// Not thread-safe (sequencer thread).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/hash.h"

namespace cm::engine {

struct U64Hash {
  std::size_t operator()(uint64_t k) const { return Mix64(k); }
};

// kMinSlots: the table's first size (a power of two).
template <class Key, class Value, class Hash = U64Hash, std::size_t kMinSlots = 16>
class FlatMap {
  static_assert((kMinSlots & (kMinSlots - 1)) == 0);

 public:
  FlatMap() = default;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  Value* Find(const Key& k) {
    if (size_ == 0) return nullptr;
    for (std::size_t i = Home(k);; i = Next(i)) {
      if (!used_[i]) return nullptr;
      if (slots_[i].first == k) return &slots_[i].second;
    }
  }
  const Value* Find(const Key& k) const { return const_cast<FlatMap*>(this)->Find(k); }
  bool Contains(const Key& k) const { return Find(k) != nullptr; }

  // The value under `k`, inserted as `v` if absent. Returns it and whether it was inserted.
  std::pair<Value*, bool> Insert(const Key& k, const Value& v) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
    for (std::size_t i = Home(k);; i = Next(i)) {
      if (!used_[i]) {
        used_[i] = 1;
        slots_[i] = {k, v};
        ++size_;
        return {&slots_[i].second, true};
      }
      if (slots_[i].first == k) return {&slots_[i].second, false};
    }
  }
  // The value under `k`, default-constructed if absent.
  Value& operator[](const Key& k) { return *Insert(k, Value{}).first; }

  bool Erase(const Key& k) {
    if (size_ == 0) return false;
    std::size_t i = Home(k);
    for (;; i = Next(i)) {
      if (!used_[i]) return false;
      if (slots_[i].first == k) break;
    }
    // Backward shift: pull later members of the probe run into the hole when their home
    // position does not lie (cyclically) after the hole.
    for (std::size_t j = Next(i);; j = Next(j)) {
      if (!used_[j]) break;
      const std::size_t home = Home(slots_[j].first);
      const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays) continue;
      slots_[i] = slots_[j];
      i = j;
    }
    used_[i] = 0;
    --size_;
    return true;
  }

  void Clear() {
    std::fill(used_.begin(), used_.end(), 0);
    size_ = 0;
  }
  // Sizes the table for `n` entries up front, so filling it never rehashes.
  void Reserve(std::size_t n) {
    while (n * 4 > slots_.size() * 3) Grow();
  }

  template <class F>
  void ForEach(F&& f) const {
    for (std::size_t i = 0; i < slots_.size(); ++i)
      if (used_[i]) f(slots_[i].first, slots_[i].second);
  }
  // Slot-level access, for iterators: slots [0, capacity()) of which used(i) are entries.
  std::size_t capacity() const { return slots_.size(); }
  bool used(std::size_t i) const { return used_[i] != 0; }
  const Key& key_at(std::size_t i) const { return slots_[i].first; }
  const Value& value_at(std::size_t i) const { return slots_[i].second; }
  // Bytes held, for the memory benchmark.
  std::size_t bytes() const { return slots_.capacity() * sizeof(Slot) + used_.capacity(); }

 private:
  using Slot = std::pair<Key, Value>;

  std::size_t Home(const Key& k) const { return Hash{}(k) & (slots_.size() - 1); }
  std::size_t Next(std::size_t i) const { return (i + 1) & (slots_.size() - 1); }

  void Grow() {
    std::vector<Slot> old_slots(slots_.empty() ? kMinSlots : slots_.size() * 2);
    std::vector<uint8_t> old_used(old_slots.size(), 0);
    old_slots.swap(slots_);
    old_used.swap(used_);
    size_ = 0;
    for (std::size_t i = 0; i < old_slots.size(); ++i)
      if (old_used[i]) Insert(old_slots[i].first, old_slots[i].second);
  }

  std::vector<Slot> slots_;
  std::vector<uint8_t> used_;
  std::size_t size_ = 0;
};

}  // namespace cm::engine
