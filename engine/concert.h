#pragma once

#include <memory>
#include <utility>

#include "engine/concert_spec.h"
#include "engine/sales_ledger.h"
#include "engine/seat_map.h"
#include "engine/types.h"
#include "engine/user_seat_counts.h"
#include "engine/venue.h"
#include "engine/waiting_room.h"

namespace cm::engine {

enum class SalesState : uint8_t { kScheduled = 0, kOpen = 1, kClosed = 2 };

struct Concert {
  Concert(ConcertId id, std::shared_ptr<const ConcertSpec> spec, const Venue& venue)
      : id(id), spec(std::move(spec)), venue(&venue), seats(venue) {
    if (this->spec->waiting_room.enabled)
      room = std::make_unique<WaitingRoom>(this->spec->waiting_room);
    ledger.grades.resize(venue.grade_count());
  }

  ConcertId id;
  std::shared_ptr<const ConcertSpec> spec;
  const Venue* venue;  // owned by EngineState, outlives the concert
  SalesState sales = SalesState::kScheduled;
  SeatMap seats;
  // Seats each user holds or bought here (for the per-user limit), by the user's slot in the
  // state's user table (EngineState::UserSlot, SeatsOf).
  UserSeatCounts seats_per_user;
  std::unique_ptr<WaitingRoom> room;  // null when the concert has no waiting room
  SalesLedger ledger;

  int64_t PriceOf(SeatIndex s) const { return spec->price_per_grade[venue->seats[s].grade]; }
};

}  // namespace cm::engine
