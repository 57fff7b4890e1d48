#pragma once
// Objects of one kind in fixed blocks, addressed by a 32-bit slot number, with a free list.
// Blocks never move, so a pointer to a live object stays valid until it is freed, and growing
// adds one block: no pause to copy what is already there (as a vector's growth would), and no
// allocation per object (as a node-based map has).
// Not thread-safe (sequencer thread).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace cm::engine {

template <class T, unsigned kBlockBits = 10>
class Slab {
 public:
  static constexpr std::size_t kBlockSize = std::size_t{1} << kBlockBits;

  // A default-constructed object in a free slot; returns the slot.
  uint32_t Allocate() {
    uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      if (next_ == blocks_.size() * kBlockSize) {
        blocks_.push_back(std::make_unique<T[]>(kBlockSize));
        // The free list can never hold more than every slot: sized now, it never grows in Free.
        // At least twofold, or every new block would copy the list.
        if (slot_capacity() > free_.capacity())
          free_.reserve(std::max(slot_capacity(), 2 * free_.capacity()));
      }
      slot = next_++;
    }
    Reset((*this)[slot]);
    ++live_;
    return slot;
  }
  // The object is reset and its slot reused.
  void Free(uint32_t slot) {
    Reset((*this)[slot]);
    free_.push_back(slot);
    --live_;
  }

  T& operator[](uint32_t slot) { return blocks_[slot >> kBlockBits][slot & (kBlockSize - 1)]; }
  const T& operator[](uint32_t slot) const {
    return blocks_[slot >> kBlockBits][slot & (kBlockSize - 1)];
  }
  std::size_t live() const { return live_; }
  // Slots in the blocks allocated so far.
  std::size_t slot_capacity() const { return blocks_.size() * kBlockSize; }
  std::size_t bytes() const {
    return blocks_.size() * kBlockSize * sizeof(T) + free_.capacity() * sizeof(uint32_t);
  }

 private:
  // A type that owns buffers may keep them for the slot's next object (ResetKeepingCapacity),
  // so reusing a slot allocates nothing.
  static void Reset(T& t) {
    if constexpr (requires { t.ResetKeepingCapacity(); }) {
      t.ResetKeepingCapacity();
    } else {
      t = T{};
    }
  }

  std::vector<std::unique_ptr<T[]>> blocks_;
  std::vector<uint32_t> free_;
  uint32_t next_ = 0;
  std::size_t live_ = 0;
};

}  // namespace cm::engine
