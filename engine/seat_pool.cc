#include "engine/seat_pool.h"

#include <algorithm>

namespace cm::engine {

namespace {

// The smallest class that holds `n` seats: class c holds 2^c.
uint8_t ClassFor(std::size_t n) {
  uint8_t c = 0;
  while ((std::size_t{1} << c) < n) ++c;
  return c;
}

}  // namespace

template <class F>
decltype(auto) SeatPool::WithClass(uint8_t c, F&& f) {
  switch (c) {
    case 0: return f(one_);
    case 1: return f(two_);
    case 2: return f(four_);
    case 3: return f(eight_);
    default: return f(sixteen_);
  }
}

HeldSeats SeatPool::Store(std::span<const SeatIndex> seats) {
  HeldSeats out;
  if (seats.empty()) return out;
  out.size_class_ = ClassFor(seats.size());
  out.count_ = static_cast<uint8_t>(seats.size());
  WithClass(out.size_class_, [&](auto& slab) {
    out.slot_ = slab.Allocate();
    out.data_ = slab[out.slot_].data();
  });
  std::copy(seats.begin(), seats.end(), out.data_);
  return out;
}

void SeatPool::Free(HeldSeats* seats) {
  if (seats->data_ != nullptr)
    WithClass(seats->size_class_, [&](auto& slab) { slab.Free(seats->slot_); });
  *seats = HeldSeats{};
}

std::size_t SeatPool::live() const {
  return one_.live() + two_.live() + four_.live() + eight_.live() + sixteen_.live();
}

std::size_t SeatPool::bytes() const {
  return one_.bytes() + two_.bytes() + four_.bytes() + eight_.bytes() + sixteen_.bytes();
}

}  // namespace cm::engine
