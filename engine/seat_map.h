#pragma once
// The live state of one concert's seats: 8 bytes a seat, (reservation << 2) | status, plus per
// row the available seats and the longest run of adjacent available ones, so best-available
// skips full and fragmented rows without looking at their seats. Owned by the sequencer
// thread; not thread-safe (the per-row figures, and best-available's remembered block per row,
// are recomputed lazily, even through const).
//
// Each seat also keeps its re-hold cooldown in a cell of its own: who gave it up last, and
// until when they may not hold it again. Checking a hold reads the seats it names and nothing
// else, and starting a cooldown writes them: no per-user table, no record to drop later. Only
// the seat's last releaser is held off; whoever gave it up before them had to wait while
// someone else held it, and may have it again once that one lets it go.

#include <cstdint>
#include <vector>

#include "engine/types.h"
#include "engine/venue.h"

namespace cm::engine {

class SeatMap {
 public:
  explicit SeatMap(const Venue& venue);

  SeatStatus status(SeatIndex s) const { return static_cast<SeatStatus>(cells_[s] & 3); }
  // The reservation holding or owning the seat (for a returning seat, its moment and whether it
  // was sold, as below).
  ReservationId owner(SeatIndex s) const { return cells_[s] >> 2; }
  // REQUIRES: status(s) == kReturning. When it goes back on sale, and whether it was sold (else
  // held) when it was given up: the maps keep showing it as it was until then.
  TimeMs returns_at(SeatIndex s) const { return static_cast<TimeMs>(cells_[s] >> 3); }
  bool returning_from_sale(SeatIndex s) const { return (cells_[s] >> 2 & 1) != 0; }
  bool IsAvailable(SeatIndex s) const { return cells_[s] == 0; }

  // REQUIRES: IsAvailable(s).
  void Hold(SeatIndex s, ReservationId r);
  // REQUIRES: status(s) == kHeld.
  void Sell(SeatIndex s, ReservationId r);
  // REQUIRES: status(s) is kHeld or kSold. Off sale until `at` (> 0), still counted as taken.
  void Withhold(SeatIndex s, TimeMs at);
  // REQUIRES: !IsAvailable(s).
  void Free(SeatIndex s);
  // Restore a cell from a snapshot, keeping the counts right. REQUIRES: IsAvailable(s); a
  // held or sold status for Restore.
  void Restore(SeatIndex s, SeatStatus status, ReservationId r);
  void RestoreReturning(SeatIndex s, TimeMs at, bool from_sale);

  // The seat's last releaser, and the end of their cooldown (by 0 and until 0 when the seat
  // was never given up with a cooldown).
  struct Release {
    UserId by = 0;
    TimeMs until = 0;
  };
  // No seat of this concert was ever given up with a cooldown: nothing to look at.
  bool no_releases() const { return releases_.empty(); }
  const Release& release(SeatIndex s) const {
    static constexpr Release kNever;
    return releases_.empty() ? kNever : releases_[s];
  }
  // When `user` may hold `s` again, or 0 when they may at `now`.
  TimeMs CoolingUntil(SeatIndex s, UserId user, TimeMs now) const {
    if (releases_.empty()) return 0;
    const Release& r = releases_[s];
    return r.by == user && r.until > now ? r.until : 0;
  }
  // `user` gave `s` up: they may not hold it again before `until`. The first call allocates
  // a cell per seat (16 bytes); a concert without a cooldown never does.
  void StartCooldown(SeatIndex s, UserId user, TimeMs until) {
    if (releases_.empty()) MakeReleaseCells();
    releases_[s] = Release{user, until};
  }
  // Asks the cache for the seat's cells ahead of a write (EngineState::Prefetch).
  void Prefetch(SeatIndex s) const {
    if (s >= cells_.size()) return;
    __builtin_prefetch(&cells_[s], 1);
    if (!releases_.empty()) __builtin_prefetch(&releases_[s], 1);
  }
  // Forgets every cooldown (a read model's state keeps none: EngineState::DropDecisionState).
  void DropCooldowns() { std::vector<Release>().swap(releases_); }

  uint32_t row_available(uint32_t row) const { return row_available_[row]; }
  // The most adjacent available seats in `row`, and the smallest DistanceSquared of its
  // available seats (INT64_MAX when none). O(1), or O(row length) after the row changed.
  uint32_t row_longest_run(uint32_t row) const {
    if (row_stale_[row]) Recount(row);
    return row_longest_run_[row];
  }
  int64_t row_nearest_available(uint32_t row) const {
    if (row_stale_[row]) Recount(row);
    return row_nearest_available_[row];
  }

  // Best-available's block of `count` seats (1..kMaxSeatsPerHold) in a row, as it last found it
  // with no grade filter and no exclusions; forgotten as soon as the row changes, so a search
  // reads only the rows that changed since the last one.
  struct RowBlock {
    SeatIndex first = 0;
    int64_t distance = 0;
    bool orphans = false;
    bool found = false;
  };
  const RowBlock* KnownBlock(uint32_t row, uint32_t count) const;
  // REQUIRES: KnownBlock(row, count) was asked since the row last changed (it recounts).
  void RememberBlock(uint32_t row, uint32_t count, const RowBlock& block) const;
  std::size_t size() const { return cells_.size(); }
  std::size_t held() const { return held_; }
  std::size_t sold() const { return sold_; }
  std::size_t returning() const { return returning_; }
  std::size_t available() const { return cells_.size() - held_ - sold_ - returning_; }

 private:
  void Recount(uint32_t row) const;
  void MakeReleaseCells();  // StartCooldown's first call: a cell per seat
  static uint64_t Cell(SeatStatus status, ReservationId r) {
    return (r << 2) | static_cast<uint64_t>(status);
  }
  const Venue* venue_;
  std::vector<uint64_t> cells_;
  std::vector<Release> releases_;  // per seat, once the first cooldown starts
  std::vector<uint32_t> row_available_;
  mutable std::vector<uint32_t> row_longest_run_;
  mutable std::vector<int64_t> row_nearest_available_;
  mutable std::vector<uint8_t> row_stale_;  // 1: the row changed since its run was counted
  mutable std::vector<RowBlock> row_blocks_;       // rows x kMaxSeatsPerHold, once used
  mutable std::vector<uint16_t> row_blocks_known_;  // per row, bit count-1: block known
  std::size_t held_ = 0;
  std::size_t sold_ = 0;
  std::size_t returning_ = 0;
};

}  // namespace cm::engine
