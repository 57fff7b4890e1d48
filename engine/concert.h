#pragma once

#include <memory>
#include <utility>

#include "engine/concert_spec.h"
#include "engine/member_list.h"
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
    draws.resize(this->spec->phase_count());
    EnterPhase(0);
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
  // The phase whose turn it is (ConcertSpec::PhaseAt), as SalePhaseBegan last set it; 0 for a
  // concert without phases. `room` is this phase's.
  uint32_t phase = 0;
  MemberList members;
  // Each phase's committed opening draw (engine/opening_draw.h), by phase; kept after the
  // phase's room is gone, for its proof. Sized once: rooms point into it.
  std::vector<OpeningDraw> draws;

  PhaseRules Phase() const { return spec->Phase(phase); }
  // The turn passes to phase `i`: its own waiting room replaces the last phase's (whose line
  // is over), empty.
  void EnterPhase(uint32_t i) {
    phase = i;
    const WaitingRoomSettings& w = *spec->Phase(i).waiting_room;
    room = w.enabled ? std::make_unique<WaitingRoom>(w) : nullptr;
    if (room && draws[i].committed) room->UseDraw(&draws[i]);
  }

  int64_t PriceOf(SeatIndex s) const { return spec->price_per_grade[venue->seats[s].grade]; }
};

}  // namespace cm::engine
