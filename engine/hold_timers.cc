#include "engine/hold_timers.h"

#include <cassert>

namespace cm::engine {

constexpr std::size_t kArity = 4;

void HoldTimers::Push(Reservation* r) {
  heap_.push_back(r);
  Place(heap_.size() - 1, r);
  SiftUp(heap_.size() - 1);
}

void HoldTimers::Remove(Reservation* r) {
  assert(r->timer_slot < heap_.size() && heap_[r->timer_slot] == r);
  const std::size_t i = r->timer_slot;
  r->timer_slot = Reservation::kNoTimer;
  Reservation* last = heap_.back();
  heap_.pop_back();
  if (i == heap_.size()) return;
  Place(i, last);
  SiftUp(i);
  SiftDown(last->timer_slot);
}

void HoldTimers::Clear() {
  for (Reservation* r : heap_) r->timer_slot = Reservation::kNoTimer;
  heap_.clear();
}

void HoldTimers::SiftUp(std::size_t i) {
  Reservation* r = heap_[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / kArity;
    if (!Before(r, heap_[parent])) break;
    Place(i, heap_[parent]);
    i = parent;
  }
  Place(i, r);
}

void HoldTimers::SiftDown(std::size_t i) {
  Reservation* r = heap_[i];
  const std::size_t n = heap_.size();
  for (;;) {
    const std::size_t first = i * kArity + 1;
    if (first >= n) break;
    std::size_t best = first;
    for (std::size_t c = first + 1; c < first + kArity && c < n; ++c)
      if (Before(heap_[c], heap_[best])) best = c;
    if (!Before(heap_[best], r)) break;
    Place(i, heap_[best]);
    i = best;
  }
  Place(i, r);
}

}  // namespace cm::engine
