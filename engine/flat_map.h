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
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/hash.h"

namespace cm::engine {

struct U64Hash {
  std::size_t operator()(uint64_t k) const { return Mix64(k); }
};

// One entry's slot: key and value side by side, so a probe that finds the key has the value
// in the same cache line.
template <class Key, class Value, class = void>
struct FlatSlot {
  Key stored_key;
  Value value;
  Key key() const { return stored_key; }
  void Set(const Key& k, const Value& v) {
    stored_key = k;
    value = v;
  }
};
// An 8-byte key beside a value of 4 bytes or less (ids to slot numbers, seat counts) would be
// padded to 16 bytes; kept as two 4-byte words the slot is 12, a quarter less memory and more
// slots per cache line. Read and written with memcpy: one unaligned load or store on x86.
template <class Key, class Value>
struct FlatSlot<Key, Value,
                std::enable_if_t<sizeof(Key) == 8 && std::is_trivially_copyable_v<Key> &&
                                 sizeof(Value) <= 4 && alignof(Value) <= 4>> {
  uint32_t key_words[2];
  Value value;
  Key key() const {
    Key k;
    std::memcpy(&k, key_words, sizeof k);
    return k;
  }
  void Set(const Key& k, const Value& v) {
    std::memcpy(key_words, &k, sizeof k);
    value = v;
  }
};
static_assert(sizeof(FlatSlot<uint64_t, uint32_t>) == 12);

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
      if (slots_[i].key() == k) return &slots_[i].value;
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
        slots_[i].Set(k, v);
        ++size_;
        return {&slots_[i].value, true};
      }
      if (slots_[i].key() == k) return {&slots_[i].value, false};
    }
  }
  // The value under `k`, default-constructed if absent.
  Value& operator[](const Key& k) { return *Insert(k, Value{}).first; }

  bool Erase(const Key& k) {
    if (size_ == 0) return false;
    std::size_t i = Home(k);
    for (;; i = Next(i)) {
      if (!used_[i]) return false;
      if (slots_[i].key() == k) break;
    }
    // Backward shift: pull later members of the probe run into the hole when their home
    // position does not lie (cyclically) after the hole.
    for (std::size_t j = Next(i);; j = Next(j)) {
      if (!used_[j]) break;
      const std::size_t home = Home(slots_[j].key());
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
      if (used_[i]) f(slots_[i].key(), slots_[i].value);
  }
  // Slot-level access, for iterators: slots [0, capacity()) of which used(i) are entries.
  std::size_t capacity() const { return slots_.size(); }
  bool used(std::size_t i) const { return used_[i] != 0; }
  Key key_at(std::size_t i) const { return slots_[i].key(); }
  const Value& value_at(std::size_t i) const { return slots_[i].value; }
  // Bytes held, for the memory benchmark.
  std::size_t bytes() const { return slots_.capacity() * sizeof(Slot) + used_.capacity(); }

 private:
  using Slot = FlatSlot<Key, Value>;

  std::size_t Home(const Key& k) const { return Hash{}(k) & (slots_.size() - 1); }
  std::size_t Next(std::size_t i) const { return (i + 1) & (slots_.size() - 1); }

  void Grow() {
    std::vector<Slot> old_slots(slots_.empty() ? kMinSlots : slots_.size() * 2);
    std::vector<uint8_t> old_used(old_slots.size(), 0);
    old_slots.swap(slots_);
    old_used.swap(used_);
    size_ = 0;
    for (std::size_t i = 0; i < old_slots.size(); ++i)
      if (old_used[i]) Insert(old_slots[i].key(), old_slots[i].value);
  }

  std::vector<Slot> slots_;
  std::vector<uint8_t> used_;
  std::size_t size_ = 0;
};

}  // namespace cm::engine
