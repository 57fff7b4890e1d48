#pragma once
// A small world for engine tests: a sequencer over fresh state, helpers that send commands as a
// given user at a given time, and the events they produced.

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/engine_state.h"
#include "engine/sequencer.h"

namespace cm::test {

using namespace cm::engine;
using cm::Status;

struct CollectingSink : EventSink {
  std::vector<Event> events;
  void OnEvent(const Event& e, uint64_t, bool) override { events.push_back(e); }
};

// A venue of `sections` sections, each with `rows` rows of `seats_per_row` seats. Grades go
// by row: row 0 is grade 0, row 1 grade 1, ... (modulo `grades`). x runs across the row with
// the centre at 0 (engine/grid_venue.h); y is the row's distance from the stage.
std::shared_ptr<VenueSpec> GridVenue(int sections, int rows, int seats_per_row, int grades = 2);
// A waiting room: `cap` shopping at once, `admit_per_second`, an admission of a minute, a
// pre-queue of 10 s before the opening, abandonment after 10 minutes unseen.
WaitingRoomSettings QueueRoom(uint32_t cap, uint32_t admit_per_second = 1000);

// `events` through the journal's own bytes (encoded, decoded) into a fresh state, as recovery
// replays them. Throws if one does not decode or apply.
std::unique_ptr<EngineState> ReplayThroughJournal(const std::vector<Event>& events);

class TestWorld {
 public:
  static constexpr TimeMs kStart = 1'000'000;

  // `first_ticks`: ticks' entropy before anything else, as a running server has, so rooms
  // commit their draws when their concert is created. Without it they wait for the ticks.
  explicit TestWorld(EngineConfig config = {}, bool first_ticks = true);

  // Runs one command and returns the event that answered it (the last one emitted).
  Event Run(Command cmd);
  Command As(UserId user, TimeMs now, CommandBody body) const;
  Command AsAdmin(TimeMs now, CommandBody body) const;

  UserId AddUser(const std::string& email, Role role = Role::kUser);
  VenueId AddVenue(std::shared_ptr<VenueSpec> spec);
  // A concert on `venue`, sales open from kStart until kStart + 1 day; opened if `open`.
  ConcertId AddConcert(VenueId venue, bool open = true, uint32_t max_per_user = 4,
                       TimeMs ttl = kDefaultHoldTtlMs);

  // The spec AddConcert would use, to adjust before AddConcertSpec.
  std::shared_ptr<ConcertSpec> ConcertSpecFor(VenueId venue) const;
  ConcertId AddConcertSpec(std::shared_ptr<ConcertSpec> spec, bool open = true);
  // Creates a concert (its answer may be followed by its draws' commitments); its id.
  ConcertId Create(std::shared_ptr<const ConcertSpec> spec);

  // A concert behind a waiting room whose sales open at `sales_open_at` (opened by an admin).
  ConcertId AddQueuedConcert(VenueId venue, const WaitingRoomSettings& room, TimeMs sales_open_at,
                             TimeMs ttl = kDefaultHoldTtlMs);

  Event Hold(UserId user, ConcertId concert, std::vector<SeatIndex> seats, TimeMs now = kStart);
  // Hold makes its holds as writers of state format 13 and older did: the HoldPlaced applied
  // as is, with the event's seq for its id (ids did not name slots then). For tests of those
  // formats, whose bytes cannot hold a slot id. The seats must be free; nothing else is asked.
  bool holds_as_old_writer = false;
  Event Tick(TimeMs now, uint64_t entropy = 0);
  // A transfer as people make it: the holder offers the ticket to `to`'s email, then `to`
  // accepts. Returns the offer's refusal, or the acceptance's answer.
  Event Give(UserId from, TicketId ticket, UserId to, TimeMs now);

  EngineState state;
  Sequencer sequencer{state};
  CollectingSink sink;
};

ResultCode CodeOf(const Event& e);

}  // namespace cm::test
