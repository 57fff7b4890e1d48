#include "engine/best_available.h"

#include <algorithm>
#include <array>
#include <limits>
#include <tuple>

namespace cm::engine {
namespace {

struct Choice {
  bool orphans = true;
  int64_t distance = std::numeric_limits<int64_t>::max();
  SeatIndex first = 0;
  bool found = false;

  // Ties go to the lower seat index (the lower row, then along it), whatever order rows are
  // visited in.
  bool Improves(bool o, int64_t d, SeatIndex f) const {
    return !found || std::tie(o, d, f) < std::tie(orphans, distance, first);
  }
};

// Seats the caller may not take though they are free (null caller: none).
struct Cooling {
  const SeatMap& seats;
  const BestAvailableCaller* caller;
  uint32_t operator()(SeatIndex s) const {
    return caller != nullptr && seats.CoolingUntil(s, caller->user, caller->now) != 0;
  }
};

// Considers every window of `count` inside the run [begin, end) of eligible seats, but those
// holding a seat cooling for the caller.
void ScanRun(const Venue& venue, const Cooling& cooling, SeatIndex begin, SeatIndex end,
             uint32_t count, Choice* best) {
  if (end - begin < count) return;
  int64_t window = 0;
  uint32_t cooling_in_window = 0;
  for (SeatIndex s = begin; s < begin + count; ++s) {
    window += venue.seats[s].DistanceSquared();
    cooling_in_window += cooling(s);
  }
  for (SeatIndex first = begin;; ++first) {
    const SeatIndex last = first + count;  // one past the window
    const bool orphans = (first - begin == 1) || (end - last == 1);
    if (cooling_in_window == 0 && best->Improves(orphans, window, first))
      *best = Choice{orphans, window, first, true};
    if (last == end) break;
    window += venue.seats[last].DistanceSquared() - venue.seats[first].DistanceSquared();
    cooling_in_window += cooling(last);
    cooling_in_window -= cooling(first);
  }
}

// Every eligible run of one row.
void ScanRow(const Venue& venue, const SeatMap& seats, const RowInfo& row,
             const BestAvailableRequest& req, const Cooling& cooling, Choice* best) {
  const SeatIndex row_end = row.first_seat + row.seat_count;
  SeatIndex run_begin = row.first_seat;
  for (SeatIndex s = row.first_seat; s <= row_end; ++s) {
    const bool eligible = s < row_end && seats.IsAvailable(s) &&
                          (req.grade < 0 || venue.seats[s].grade == req.grade) &&
                          (venue.seats[s].attributes & req.exclude) == 0;
    if (eligible) continue;
    ScanRun(venue, cooling, run_begin, s, req.count, best);
    run_begin = s + 1;
  }
}

// The best block, with the caller's cooling seats passed over (none when `cooling` has no
// caller, which lets rows with no grade filter answer from their remembered block).
Choice Search(const Venue& venue, const SeatMap& seats, const BestAvailableRequest& req,
              const Cooling& cooling) {
  Choice best;
  // Rows nearest the centre first: once a block without orphans is found, a row whose nearest
  // seat puts every window of `count` farther away cannot win, nor can any row after it. Rows
  // without `count` adjacent available seats are passed over without reading their seats, so
  // a nearly sold-out venue costs a look per row, not per seat.
  for (uint32_t r : venue.rows_nearest_first) {
    const RowInfo& row = venue.rows[r];
    if (best.found && !best.orphans && row.nearest > best.distance / req.count) break;
    if (req.section >= 0 && row.section != static_cast<uint32_t>(req.section)) continue;
    if (seats.row_available(r) < req.count || seats.row_longest_run(r) < req.count) continue;
    // The same bound with the row's nearest seat still available: in a filling venue the
    // centre goes first, so this one passes over most rows that the static bound cannot.
    if (best.found && !best.orphans &&
        seats.row_nearest_available(r) > best.distance / req.count)
      continue;
    // Rows with seats held back cannot answer from the remembered block, which counts them.
    if (req.grade >= 0 || cooling.caller != nullptr ||
        (req.exclude != 0 && row.accessible > 0)) {
      ScanRow(venue, seats, row, req, cooling, &best);
      continue;
    }
    // Unfiltered: each row's own best block is remembered until the row changes.
    SeatMap::RowBlock block;
    if (const SeatMap::RowBlock* known = seats.KnownBlock(r, req.count)) {
      block = *known;
    } else {
      Choice mine;
      ScanRow(venue, seats, row, req, cooling, &mine);
      block = {mine.first, mine.distance, mine.orphans, mine.found};
      seats.RememberBlock(r, req.count, block);
    }
    if (block.found && best.Improves(block.orphans, block.distance, block.first))
      best = Choice{block.orphans, block.distance, block.first, true};
  }
  return best;
}

}  // namespace

bool FindAccessibleSeats(const Venue& venue, const SeatMap& seats,
                         const BestAvailableRequest& req, uint32_t companions_per_space,
                         SeatList* out, const BestAvailableCaller* caller) {
  if (req.count == 0 || req.count > kMaxSeatsPerHold || venue.wheelchair_spaces == 0)
    return false;
  const Cooling cooling{seats, seats.no_releases() ? nullptr : caller};
  auto eligible = [&](SeatIndex s) {
    return seats.IsAvailable(s) && (req.grade < 0 || venue.seats[s].grade == req.grade) &&
           cooling(s) == 0;
  };
  auto distance = [&](SeatIndex a, SeatIndex b) {
    const int64_t dx = venue.seats[a].x - venue.seats[b].x, dy = venue.seats[a].y - venue.seats[b].y;
    return dx * dx + dy * dy;
  };
  bool found = false;
  int64_t best = 0;
  for (uint32_t section = 0; section < venue.section_count(); ++section) {
    if (req.section >= 0 && section != static_cast<uint32_t>(req.section)) continue;
    // The nearest free wheelchair spaces, and every free companion seat of the section (both
    // bounded by the hold's size: no more can be used).
    SeatList spaces, companions;
    for (SeatIndex s : venue.wheelchair_by_section[section]) {
      if (spaces.size() == req.count) break;
      if (eligible(s)) spaces.push_back(s);
    }
    for (SeatIndex s : venue.companions_by_section[section]) {
      if (companions.size() == kMaxSeatsPerHold) break;
      if (eligible(s)) companions.push_back(s);
    }
    // Spaces enough for the companions the rule allows; more spaces stand in for missing ones.
    const uint32_t least = (req.count + companions_per_space) / (1 + companions_per_space);
    const uint32_t wanted = std::max<uint32_t>(
        least, req.count - std::min<uint32_t>(static_cast<uint32_t>(companions.size()),
                                              req.count - least));
    if (spaces.size() < wanted) continue;
    // Each companion beside a chosen space: the free one nearest any of them, in turn.
    SeatList chosen;
    int64_t total = 0;
    for (uint32_t i = 0; i < wanted; ++i) {
      chosen.push_back(spaces[i]);
      total += venue.seats[spaces[i]].DistanceSquared();
    }
    std::array<bool, kMaxSeatsPerHold> taken{};
    for (uint32_t k = wanted; k < req.count; ++k) {
      std::size_t pick = companions.size();
      int64_t nearest = 0;
      for (std::size_t c = 0; c < companions.size(); ++c) {
        if (taken[c]) continue;
        int64_t d = std::numeric_limits<int64_t>::max();
        for (uint32_t i = 0; i < wanted; ++i) d = std::min(d, distance(companions[c], spaces[i]));
        if (pick == companions.size() || d < nearest) pick = c, nearest = d;
      }
      taken[pick] = true;
      chosen.push_back(companions[pick]);
      total += venue.seats[companions[pick]].DistanceSquared();
    }
    if (found && total >= best) continue;
    found = true;
    best = total;
    std::sort(chosen.seats.begin(), chosen.seats.begin() + chosen.count);
    *out = chosen;
  }
  return found;
}

bool FindBestAvailable(const Venue& venue, const SeatMap& seats, const BestAvailableRequest& req,
                       SeatList* out, const BestAvailableCaller* caller) {
  if (req.count == 0 || req.count > kMaxSeatsPerHold) return false;
  if (seats.no_releases()) caller = nullptr;
  // The block everyone would get. Cooldowns only take blocks away and never change another
  // block's orphans or distance, so when none of its seats is cooling for the caller it is
  // theirs too; only otherwise is the hall searched again seat by seat.
  Choice best = Search(venue, seats, req, Cooling{seats, nullptr});
  if (best.found && caller != nullptr) {
    const Cooling cooling{seats, caller};
    for (SeatIndex s = best.first; s < best.first + req.count; ++s) {
      if (cooling(s) == 0) continue;
      best = Search(venue, seats, req, cooling);
      break;
    }
  }
  if (!best.found) return false;
  out->count = 0;
  for (uint32_t i = 0; i < req.count; ++i) out->push_back(best.first + i);
  return true;
}

}  // namespace cm::engine
