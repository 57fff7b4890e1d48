#include "engine/seat_map.h"

#include <cassert>

namespace cm::engine {

SeatMap::SeatMap(const Venue& venue)
    : venue_(&venue), cells_(venue.seat_count(), 0), row_available_(venue.rows.size()) {
  for (std::size_t r = 0; r < venue.rows.size(); ++r) row_available_[r] = venue.rows[r].seat_count;
}

void SeatMap::Hold(SeatIndex s, ReservationId r) {
  assert(IsAvailable(s));
  cells_[s] = Cell(SeatStatus::kHeld, r);
  --row_available_[venue_->seats[s].row];
  ++held_;
}

void SeatMap::Sell(SeatIndex s, ReservationId r) {
  assert(status(s) == SeatStatus::kHeld);
  cells_[s] = Cell(SeatStatus::kSold, r);
  --held_;
  ++sold_;
}

void SeatMap::Free(SeatIndex s) {
  assert(!IsAvailable(s));
  if (status(s) == SeatStatus::kHeld) {
    --held_;
  } else {
    --sold_;
  }
  cells_[s] = 0;
  ++row_available_[venue_->seats[s].row];
}

void SeatMap::Restore(SeatIndex s, SeatStatus status, ReservationId r) {
  if (status == SeatStatus::kAvailable) return;
  Hold(s, r);
  if (status == SeatStatus::kSold) Sell(s, r);
}

}  // namespace cm::engine
