#pragma once
// The seats of every reservation. A hold names 1 to 16 seats and most name one or two, so
// - up to two seats are kept in the reservation itself, in the 8 bytes that would otherwise
//   point to them: nothing is allocated or freed for them, and reading them is no extra miss;
// - more go out of line, into the smallest of three size classes (4, 8 or 16 seats; 3 go in
//   4), not a 16-seat array in every record. Each class is a Slab, so a chunk stays where it
//   is while the seats are stored, and freed chunks are reused: storing seats allocates
//   nothing once the pool has grown to its working size.
// So a pointer from HeldSeats::data() points into the HeldSeats itself for one or two seats,
// and into the pool for more: read the seats where the HeldSeats lives, keep no pointer.
// Not thread-safe (sequencer thread).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/slab.h"
#include "engine/types.h"

namespace cm::engine {

// A reservation's seats, read in place. Up to kInline seats are kept in the object itself;
// more in a chunk that the SeatPool which stored them owns: a copy reads the same chunk, and
// reads nothing valid once the pool has freed it (so never rely on a copy outliving Free).
class HeldSeats {
 public:
  static constexpr std::size_t kInline = 2;

  const SeatIndex* begin() const { return data(); }
  const SeatIndex* end() const { return data() + count_; }
  const SeatIndex* data() const { return count_ <= kInline ? inline_ : chunk_; }
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  SeatIndex operator[](std::size_t i) const { return data()[i]; }

 private:
  friend class SeatPool;
  union {
    SeatIndex* chunk_;            // more than kInline seats: the pool's chunk
    SeatIndex inline_[kInline] = {};  // up to kInline seats
  };
  uint32_t slot_ = 0;  // the chunk's slot in its class's slab
  uint8_t count_ = 0;
  uint8_t size_class_ = 0;
};
static_assert(sizeof(HeldSeats) == 16, "seats kept inline cost no more than a pointer");

class SeatPool {
 public:
  // REQUIRES: seats.size() <= kMaxSeatsPerHold. Up to HeldSeats::kInline seats store nothing
  // here.
  HeldSeats Store(std::span<const SeatIndex> seats) {
    if (seats.size() > HeldSeats::kInline) return StoreInChunk(seats);
    HeldSeats out;
    out.count_ = static_cast<uint8_t>(seats.size());
    for (std::size_t i = 0; i < seats.size(); ++i) out.inline_[i] = seats[i];
    return out;
  }
  // Returns the seats' chunk (if they have one) for reuse and leaves `seats` empty.
  void Free(HeldSeats* seats);

  // Seat lists kept in a chunk and not yet freed.
  std::size_t live() const;
  std::size_t bytes() const;

 private:
  // Class c holds 2^c seats: 4, 8 and 16 (the smaller ones are inline).
  static_assert(kMaxSeatsPerHold == 16 && HeldSeats::kInline == 2);
  template <std::size_t kClass>
  using ClassSlab = Slab<std::array<SeatIndex, std::size_t{1} << kClass>>;

  HeldSeats StoreInChunk(std::span<const SeatIndex> seats);
  // Calls f(slab) on size class `c`'s slab.
  template <class F>
  decltype(auto) WithClass(uint8_t c, F&& f);

  ClassSlab<2> four_;
  ClassSlab<3> eight_;
  ClassSlab<4> sixteen_;
};

}  // namespace cm::engine
