#pragma once
// Best-available: N adjacent seats in one row, of a grade or section if asked, nearest the
// stage centre. A block that would leave a single seat stranded between it and a taken seat
// (or the row's end) is chosen only when no other block exists. Ties go to the lower row, then
// the lower seat index, so the choice is deterministic. A caller never gets a seat it gave up
// moments ago (its re-hold cooldown): blocks with such a seat are passed over, and the orphan
// rule still reads the hall as everyone sees it.

#include <cstdint>

#include "engine/seat_map.h"
#include "engine/types.h"
#include "engine/venue.h"

namespace cm::engine {

struct BestAvailableRequest {
  uint32_t count = 0;    // 1..kMaxSeatsPerHold
  int32_t grade = -1;    // venue grade index, or -1 for any
  int32_t section = -1;  // venue section index, or -1 for any
  uint8_t exclude = 0;   // seats with any of these SeatAttribute bits are never chosen
};

// Who asks, and when: the seats cooling for them (SeatMap::CoolingUntil) are not theirs.
struct BestAvailableCaller {
  UserId user = 0;
  TimeMs now = 0;
};

// Returns true and fills *out with the chosen seats (in row order), or false when no block of
// `count` adjacent eligible seats exists. With no caller, cooldowns are not looked at.
bool FindBestAvailable(const Venue& venue, const SeatMap& seats, const BestAvailableRequest& req,
                       SeatList* out, const BestAvailableCaller* caller = nullptr);

// Accessible seats: `count` seats of one section, at least ceil(count / (1 + companions_per_
// space)) of them wheelchair spaces (the nearest the stage; more of them when companion seats
// are short) and the rest companion seats, each the free one nearest a chosen space (they need
// not be adjacent: a wheelchair space is often a platform beside the row). The section whose
// choice is nearest the stage in all wins; ties go to the lower section. Grade, section and the
// caller's cooldowns filter as above. Reads only the sections' accessible seats (Venue's lists)
// and allocates nothing. False when no section has enough.
bool FindAccessibleSeats(const Venue& venue, const SeatMap& seats,
                         const BestAvailableRequest& req, uint32_t companions_per_space,
                         SeatList* out, const BestAvailableCaller* caller = nullptr);

}  // namespace cm::engine
