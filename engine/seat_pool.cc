#include "engine/seat_pool.h"

#include <algorithm>

namespace cm::engine {

namespace {

// The smallest class that holds `n` seats (more than inline): class c holds 2^c.
uint8_t ClassFor(std::size_t n) {
  uint8_t c = 0;
  while ((std::size_t{1} << c) < n) ++c;
  return c;
}

}  // namespace

template <class F>
decltype(auto) SeatPool::WithClass(uint8_t c, F&& f) {
  switch (c) {
    case 2: return f(four_);
    case 3: return f(eight_);
    default: return f(sixteen_);
  }
}

HeldSeats SeatPool::StoreInChunk(std::span<const SeatIndex> seats) {
  HeldSeats out;
  out.count_ = static_cast<uint8_t>(seats.size());
  out.size_class_ = ClassFor(seats.size());
  WithClass(out.size_class_, [&](auto& slab) {
    out.slot_ = slab.Allocate();
    out.chunk_ = slab[out.slot_].data();
  });
  std::copy(seats.begin(), seats.end(), out.chunk_);
  return out;
}

void SeatPool::Free(HeldSeats* seats) {
  if (seats->count_ > HeldSeats::kInline)
    WithClass(seats->size_class_, [&](auto& slab) { slab.Free(seats->slot_); });
  *seats = HeldSeats{};
}

std::size_t SeatPool::live() const {
  return four_.live() + eight_.live() + sixteen_.live();
}

std::size_t SeatPool::bytes() const {
  return four_.bytes() + eight_.bytes() + sixteen_.bytes();
}

}  // namespace cm::engine
