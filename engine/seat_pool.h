#pragma once
// The seats of every reservation, kept out of line. A hold names 1 to 16 seats and most name
// one or two, so a reservation points into the smallest of five size classes (1, 2, 4, 8 or
// 16 seats) instead of carrying room for 16: 4 bytes for a one-seat hold, not 68. Each class
// is a Slab, so the pointers stay valid while the seats are stored, and freed chunks are
// reused: storing seats allocates nothing once the pool has grown to its working size.
// Not thread-safe (sequencer thread).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/slab.h"
#include "engine/types.h"

namespace cm::engine {

// A reservation's seats, read in place. The SeatPool that stored them owns them: a copy reads
// the same seats, and reads nothing valid once the pool has freed them.
class HeldSeats {
 public:
  const SeatIndex* begin() const { return data_; }
  const SeatIndex* end() const { return data_ + count_; }
  const SeatIndex* data() const { return data_; }
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  SeatIndex operator[](std::size_t i) const { return data_[i]; }

 private:
  friend class SeatPool;
  SeatIndex* data_ = nullptr;
  uint32_t slot_ = 0;
  uint8_t count_ = 0;
  uint8_t size_class_ = 0;
};

class SeatPool {
 public:
  // REQUIRES: seats.size() <= kMaxSeatsPerHold. No seats stores nothing.
  HeldSeats Store(std::span<const SeatIndex> seats);
  // Returns the seats' chunk for reuse and leaves `seats` empty.
  void Free(HeldSeats* seats);

  // Seat lists stored and not yet freed.
  std::size_t live() const;
  std::size_t bytes() const;

 private:
  static constexpr std::size_t kClasses = 5;  // 1, 2, 4, 8 and 16 seats
  static_assert(kMaxSeatsPerHold == std::size_t{1} << (kClasses - 1));
  template <std::size_t kClass>
  using ClassSlab = Slab<std::array<SeatIndex, std::size_t{1} << kClass>>;

  // Calls f(slab) on size class `c`'s slab.
  template <class F>
  decltype(auto) WithClass(uint8_t c, F&& f);

  ClassSlab<0> one_;
  ClassSlab<1> two_;
  ClassSlab<2> four_;
  ClassSlab<3> eight_;
  ClassSlab<4> sixteen_;
};

}  // namespace cm::engine
