#pragma once
// Hold expiry: an indexed 4-ary min-heap ordered by (expires_at, id). Push, remove and pop are
// O(log n); finding what is due is O(1) per due hold, never a scan of all holds. Each
// reservation stores its heap position, so a release or a confirm removes its timer at once.
// Not thread-safe (sequencer thread). The Reservation objects must outlive their timers.

#include <algorithm>
#include <cstddef>
#include <vector>

#include "engine/reservation.h"

namespace cm::engine {

class HoldTimers {
 public:
  void Push(Reservation* r);
  void Remove(Reservation* r);  // REQUIRES: r has a timer
  // The next hold to expire, or nullptr.
  Reservation* Top() const { return heap_.empty() ? nullptr : heap_.front(); }
  std::size_t size() const { return heap_.size(); }
  // Room for n timers, so pushes up to that never allocate. Grows at least twofold: called
  // as the reservations grow, an exact reserve would copy the whole heap every few holds.
  void Reserve(std::size_t n) {
    if (n > heap_.capacity()) heap_.reserve(std::max(n, 2 * heap_.capacity()));
  }
  std::size_t bytes() const { return heap_.capacity() * sizeof(Reservation*); }
  void Clear();

 private:
  static bool Before(const Reservation* a, const Reservation* b) {
    return a->expires_at != b->expires_at ? a->expires_at < b->expires_at : a->id < b->id;
  }
  void Place(std::size_t i, Reservation* r) {
    heap_[i] = r;
    r->timer_slot = static_cast<uint32_t>(i);
  }
  void SiftUp(std::size_t i);
  void SiftDown(std::size_t i);

  std::vector<Reservation*> heap_;
};

}  // namespace cm::engine
