#include "engine/seat_map.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace cm::engine {

SeatMap::SeatMap(const Venue& venue)
    : venue_(&venue),
      cells_(venue.seat_count(), 0),
      row_available_(venue.rows.size()),
      row_longest_run_(venue.rows.size()),
      row_nearest_available_(venue.rows.size()),
      row_stale_(venue.rows.size(), 0) {
  for (std::size_t r = 0; r < venue.rows.size(); ++r) {
    row_available_[r] = row_longest_run_[r] = venue.rows[r].seat_count;
    row_nearest_available_[r] = venue.rows[r].nearest;
  }
}

void SeatMap::Recount(uint32_t row) const {
  const RowInfo& info = venue_->rows[row];
  uint32_t longest = 0, run = 0;
  int64_t nearest = std::numeric_limits<int64_t>::max();
  for (SeatIndex s = info.first_seat; s < info.first_seat + info.seat_count; ++s) {
    if (cells_[s] != 0) {
      run = 0;
      continue;
    }
    longest = std::max(longest, ++run);
    nearest = std::min(nearest, venue_->seats[s].DistanceSquared());
  }
  row_longest_run_[row] = longest;
  row_nearest_available_[row] = nearest;
  row_stale_[row] = 0;
  if (!row_blocks_known_.empty()) row_blocks_known_[row] = 0;
}

const SeatMap::RowBlock* SeatMap::KnownBlock(uint32_t row, uint32_t count) const {
  if (row_stale_[row]) Recount(row);
  if (row_blocks_known_.empty() || !(row_blocks_known_[row] >> (count - 1) & 1)) return nullptr;
  return &row_blocks_[std::size_t{row} * kMaxSeatsPerHold + count - 1];
}

void SeatMap::RememberBlock(uint32_t row, uint32_t count, const RowBlock& block) const {
  if (row_blocks_known_.empty()) {
    row_blocks_.resize(venue_->rows.size() * kMaxSeatsPerHold);
    row_blocks_known_.assign(venue_->rows.size(), 0);
  }
  row_blocks_[std::size_t{row} * kMaxSeatsPerHold + count - 1] = block;
  row_blocks_known_[row] |= static_cast<uint16_t>(1u << (count - 1));
}

void SeatMap::Hold(SeatIndex s, ReservationId r) {
  assert(IsAvailable(s));
  cells_[s] = Cell(SeatStatus::kHeld, r);
  --row_available_[venue_->seats[s].row];
  row_stale_[venue_->seats[s].row] = 1;
  ++held_;
}

void SeatMap::Sell(SeatIndex s, ReservationId r) {
  assert(status(s) == SeatStatus::kHeld);
  cells_[s] = Cell(SeatStatus::kSold, r);
  --held_;
  ++sold_;
}

void SeatMap::Withhold(SeatIndex s, TimeMs at) {
  assert(status(s) == SeatStatus::kHeld || status(s) == SeatStatus::kSold);
  assert(at > 0);
  const bool sold = status(s) == SeatStatus::kSold;
  --(sold ? sold_ : held_);
  cells_[s] = Cell(SeatStatus::kReturning, static_cast<uint64_t>(at) << 1 | (sold ? 1 : 0));
  ++returning_;
}

void SeatMap::Free(SeatIndex s) {
  assert(!IsAvailable(s));
  switch (status(s)) {
    case SeatStatus::kHeld: --held_; break;
    case SeatStatus::kSold: --sold_; break;
    default: --returning_; break;
  }
  cells_[s] = 0;
  ++row_available_[venue_->seats[s].row];
  row_stale_[venue_->seats[s].row] = 1;
}

void SeatMap::RestoreReturning(SeatIndex s, TimeMs at, bool from_sale) {
  Hold(s, 0);
  if (from_sale) Sell(s, 0);
  Withhold(s, at);
}

void SeatMap::MakeReleaseCells() { releases_.resize(cells_.size()); }

void SeatMap::Restore(SeatIndex s, SeatStatus status, ReservationId r) {
  if (status == SeatStatus::kAvailable) return;
  assert(status != SeatStatus::kReturning);
  Hold(s, r);
  if (status == SeatStatus::kSold) Sell(s, r);
}

}  // namespace cm::engine
