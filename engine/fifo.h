#pragma once
// A first-in first-out queue on one ring of slots that it reuses: unlike std::deque it frees
// and allocates nothing while its length stays under what it has held before.
// Positions are absolute (the n-th element ever pushed has position n), so a position taken
// at push time names the same element until it is popped.
// Not thread-safe (sequencer thread).

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cm::engine {

template <class T>
class Fifo {
 public:
  bool empty() const { return head_ == tail_; }
  std::size_t size() const { return static_cast<std::size_t>(tail_ - head_); }
  // Positions of the oldest element and one past the newest.
  uint64_t head() const { return head_; }
  uint64_t tail() const { return tail_; }

  const T& front() const { return At(head_); }
  T& front() { return At(head_); }
  // The element at absolute position `pos`. REQUIRES: head() <= pos < tail().
  const T& At(uint64_t pos) const { return ring_[pos & (ring_.size() - 1)]; }
  T& At(uint64_t pos) {
    assert(pos >= head_ && pos < tail_);
    return ring_[pos & (ring_.size() - 1)];
  }

  // Returns the new element's position.
  uint64_t push_back(const T& v) {
    if (size() == ring_.size()) Grow();
    ring_[tail_ & (ring_.size() - 1)] = v;
    return tail_++;
  }
  void pop_front() {
    assert(!empty());
    ++head_;
  }
  void clear() { head_ = tail_; }

  template <class F>
  void ForEach(F&& f) const {
    for (uint64_t p = head_; p < tail_; ++p) f(At(p));
  }
  std::size_t bytes() const { return ring_.capacity() * sizeof(T); }

 private:
  void Grow() {
    std::vector<T> bigger(ring_.empty() ? 64 : ring_.size() * 2);
    for (uint64_t p = head_; p < tail_; ++p) bigger[p & (bigger.size() - 1)] = At(p);
    ring_.swap(bigger);
  }

  std::vector<T> ring_;  // size is zero or a power of two
  uint64_t head_ = 0, tail_ = 0;
};

}  // namespace cm::engine
