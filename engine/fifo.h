#pragma once
// A first-in first-out queue in fixed blocks that it reuses: unlike std::deque it frees and
// allocates nothing while its length stays under what it has held before, and unlike one ring
// that doubles it never copies its elements to grow (at millions of elements such a copy is a
// pause of many milliseconds on the sequencer). Growing past every earlier length adds one
// block, and now and then doubles the small ring of block pointers.
// Positions are absolute (the n-th element ever pushed has position n), so a position taken
// at push time names the same element until it is popped.
// Not thread-safe (sequencer thread).

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace cm::engine {

template <class T, unsigned kBlockBits = 12>
class Fifo {
 public:
  static constexpr std::size_t kBlockSize = std::size_t{1} << kBlockBits;

  bool empty() const { return head_ == tail_; }
  std::size_t size() const { return static_cast<std::size_t>(tail_ - head_); }
  // Positions of the oldest element and one past the newest.
  uint64_t head() const { return head_; }
  uint64_t tail() const { return tail_; }

  const T& front() const { return At(head_); }
  T& front() { return At(head_); }
  // The element at absolute position `pos`. REQUIRES: head() <= pos < tail().
  const T& At(uint64_t pos) const { return BlockOf(pos)[pos & (kBlockSize - 1)]; }
  T& At(uint64_t pos) {
    assert(pos >= head_ && pos < tail_);
    return BlockOf(pos)[pos & (kBlockSize - 1)];
  }

  // Returns the new element's position.
  uint64_t push_back(const T& v) {
    if ((tail_ & (kBlockSize - 1)) == 0) StartBlock();
    BlockOf(tail_)[tail_ & (kBlockSize - 1)] = v;
    return tail_++;
  }
  void pop_front() {
    assert(!empty());
    ++head_;
    // The block the head just left is no longer used by anyone.
    if ((head_ & (kBlockSize - 1)) == 0) spare_.push_back(BlockOf(head_ - 1));
  }
  void clear() {
    while (!empty()) pop_front();
  }

  template <class F>
  void ForEach(F&& f) const {
    for (uint64_t p = head_; p < tail_; ++p) f(At(p));
  }
  std::size_t bytes() const {
    return owned_.size() * kBlockSize * sizeof(T) + ring_.capacity() * sizeof(T*);
  }

 private:
  T* BlockOf(uint64_t pos) const { return ring_[(pos >> kBlockBits) & (ring_.size() - 1)]; }

  // The block for the element at tail_, which begins one.
  void StartBlock() {
    const uint64_t first = head_ >> kBlockBits, next = tail_ >> kBlockBits;
    if (next - first + 1 > ring_.size()) {
      // Re-seat the blocks in use in a ring twice the size (pointers only).
      std::vector<T*> bigger(ring_.empty() ? 4 : ring_.size() * 2);
      for (uint64_t b = first; b < next; ++b)
        bigger[b & (bigger.size() - 1)] = ring_[b & (ring_.size() - 1)];
      ring_.swap(bigger);
    }
    T* block;
    if (!spare_.empty()) {
      block = spare_.back();
      spare_.pop_back();
    } else {
      owned_.push_back(std::make_unique<T[]>(kBlockSize));
      spare_.reserve(owned_.size());  // every block can be spare at once: pop_front never allocates
      block = owned_.back().get();
    }
    ring_[next & (ring_.size() - 1)] = block;
  }

  std::vector<T*> ring_;                       // blocks in use, by block number; a power of two
  std::vector<std::unique_ptr<T[]>> owned_;    // every block ever made
  std::vector<T*> spare_;                      // blocks no element uses
  uint64_t head_ = 0, tail_ = 0;
};

}  // namespace cm::engine
