// Holding explicit seats: all or nothing, sales windows, limits and the codes that say why not.
#include <doctest/doctest.h>

#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

struct Fixture {
  TestWorld w;
  UserId alice = w.AddUser("alice@example.com");
  UserId bob = w.AddUser("bob@example.com");
  VenueId venue = w.AddVenue(GridVenue(1, 3, 10));
  ConcertId concert = w.AddConcert(venue);
};

}  // namespace

TEST_CASE_FIXTURE(Fixture, "a hold takes the seats, prices them and sets its expiry") {
  Event e = w.Hold(alice, concert, {0, 1, 10});
  REQUIRE(TypeOf(e) == EventType::kHoldPlaced);
  const auto& h = std::get<HoldPlaced>(e.body);
  // The first hold takes the first slot: its id names slot 0, generation 0.
  CHECK(h.reservation == SlotIds::Encode(0, 0));
  CHECK(w.state.FindReservation(h.reservation)->id == h.reservation);
  CHECK(h.user == alice);
  CHECK(h.amount == 100'000 + 100'000 + 90'000);  // rows 0 and 1 are grades 0 and 1
  CHECK(h.expires_at == TestWorld::kStart + kDefaultHoldTtlMs);
  const Concert& c = *w.state.FindConcert(concert);
  CHECK(c.seats.status(0) == SeatStatus::kHeld);
  CHECK(c.seats.owner(10) == h.reservation);
  CHECK(c.seats.held() == 3);
}

TEST_CASE_FIXTURE(Fixture, "all or nothing: one taken seat rejects the hold and names it") {
  REQUIRE(CodeOf(w.Hold(alice, concert, {5})) == ResultCode::kOk);
  Event e = w.Hold(bob, concert, {4, 5, 6});
  REQUIRE(CodeOf(e) == ResultCode::kSeatNotAvailable);
  const auto& r = std::get<CommandRejected>(e.body);
  CHECK(r.detail == 5);
  REQUIRE(r.seats.size() == 1);
  CHECK(r.seats[0] == 5);
  CHECK(r.command == CommandType::kHoldSeats);
  const Concert& c = *w.state.FindConcert(concert);
  CHECK(c.seats.IsAvailable(4));
  CHECK(c.seats.IsAvailable(6));
  CHECK(c.seats.held() == 1);
}

TEST_CASE_FIXTURE(Fixture, "a rejection lists every taken seat") {
  REQUIRE(CodeOf(w.Hold(alice, concert, {1, 3})) == ResultCode::kOk);
  Event e = w.Hold(bob, concert, {1, 2, 3});
  const auto& r = std::get<CommandRejected>(e.body);
  REQUIRE(r.seats.size() == 2);
  CHECK(r.seats[0] == 1);
  CHECK(r.seats[1] == 3);
}

TEST_CASE_FIXTURE(Fixture, "holds are refused outside the sales window and when not opened") {
  ConcertId scheduled = w.AddConcert(venue, /*open=*/false);
  CHECK(CodeOf(w.Hold(alice, scheduled, {0})) == ResultCode::kSalesNotOpen);
  CHECK(CodeOf(w.Hold(alice, concert, {0}, TestWorld::kStart - 1)) == ResultCode::kOk);
  // kStart - 1 is not earlier than the sequencer's clock, which never goes back: the command
  // is decided at kStart. A concert whose window opens later shows the rule.
  auto late = std::make_shared<ConcertSpec>(*w.state.FindConcert(concert)->spec);
  late->sales_open_at = TestWorld::kStart + 60'000;
  late->sales_close_at = TestWorld::kStart + 120'000;
  const ConcertId later = std::get<ConcertCreated>(
      w.Run(w.AsAdmin(TestWorld::kStart, CreateConcertCmd{late})).body).concert;
  w.Run(w.AsAdmin(TestWorld::kStart, OpenSalesCmd{later}));
  CHECK(CodeOf(w.Hold(bob, later, {0}, TestWorld::kStart + 59'999)) == ResultCode::kSalesNotOpen);
  CHECK(CodeOf(w.Hold(bob, later, {0}, TestWorld::kStart + 60'000)) == ResultCode::kOk);
  CHECK(CodeOf(w.Hold(bob, later, {1}, TestWorld::kStart + 120'000)) == ResultCode::kSalesClosed);
}

TEST_CASE_FIXTURE(Fixture, "closing sales stops new holds") {
  w.Run(w.AsAdmin(TestWorld::kStart, CloseSalesCmd{concert}));
  CHECK(CodeOf(w.Hold(alice, concert, {0})) == ResultCode::kSalesClosed);
}

TEST_CASE_FIXTURE(Fixture, "unknown concert, unknown seat, duplicate seat, too many, none") {
  CHECK(CodeOf(w.Hold(alice, 999'999, {0})) == ResultCode::kUnknownConcert);
  Event unknown_seat = w.Hold(alice, concert, {0, 30});
  CHECK(CodeOf(unknown_seat) == ResultCode::kUnknownSeat);
  CHECK(std::get<CommandRejected>(unknown_seat.body).detail == 30);
  CHECK(CodeOf(w.Hold(alice, concert, {2, 2})) == ResultCode::kDuplicateSeat);
  CHECK(CodeOf(w.Hold(alice, concert, {})) == ResultCode::kInvalidArgument);
  HoldSeatsCmd many;
  many.concert = concert;
  many.requested = 17;
  for (SeatIndex s = 0; s < 16; ++s) many.seats.push_back(s);
  CHECK(CodeOf(w.Run(w.As(alice, TestWorld::kStart, many))) == ResultCode::kTooManySeats);
  CHECK(w.state.FindConcert(concert)->seats.held() == 0);
}

TEST_CASE_FIXTURE(Fixture, "an unregistered actor cannot hold seats") {
  CHECK(CodeOf(w.Hold(424242, concert, {0})) == ResultCode::kUnknownUser);
}

TEST_CASE_FIXTURE(Fixture, "the per-user limit counts across several holds") {
  REQUIRE(CodeOf(w.Hold(alice, concert, {0, 1})) == ResultCode::kOk);
  REQUIRE(CodeOf(w.Hold(alice, concert, {2})) == ResultCode::kOk);
  Event e = w.Hold(alice, concert, {3, 4});
  REQUIRE(CodeOf(e) == ResultCode::kSeatLimitExceeded);
  CHECK(std::get<CommandRejected>(e.body).detail == 1);  // one more seat is allowed
  CHECK(CodeOf(w.Hold(alice, concert, {3})) == ResultCode::kOk);
  CHECK(CodeOf(w.Hold(alice, concert, {4})) == ResultCode::kSeatLimitExceeded);
  // Another user is not affected.
  CHECK(CodeOf(w.Hold(bob, concert, {4, 5, 6, 7})) == ResultCode::kOk);
}

TEST_CASE_FIXTURE(Fixture, "releasing a hold gives back seats and allowance") {
  Event h = w.Hold(alice, concert, {0, 1, 2, 3});
  const ReservationId id = std::get<HoldPlaced>(h.body).reservation;
  CHECK(CodeOf(w.Hold(alice, concert, {4})) == ResultCode::kSeatLimitExceeded);
  Event rel = w.Run(w.As(alice, TestWorld::kStart, ReleaseHoldCmd{id}));
  REQUIRE(TypeOf(rel) == EventType::kHoldReleased);
  CHECK(w.state.FindReservation(id)->status == ReservationStatus::kCancelled);
  CHECK(w.state.FindConcert(concert)->seats.held() == 0);
  CHECK(CodeOf(w.Hold(bob, concert, {0})) == ResultCode::kOk);
  CHECK(CodeOf(w.Hold(alice, concert, {4, 5, 6, 7})) == ResultCode::kOk);
}

TEST_CASE_FIXTURE(Fixture, "only the owner or an admin releases a hold, and only once") {
  const ReservationId id = std::get<HoldPlaced>(w.Hold(alice, concert, {0}).body).reservation;
  CHECK(CodeOf(w.Run(w.As(bob, TestWorld::kStart, ReleaseHoldCmd{id}))) ==
        ResultCode::kNotReservationOwner);
  CHECK(CodeOf(w.Run(w.As(bob, TestWorld::kStart, ReleaseHoldCmd{777'777}))) ==
        ResultCode::kUnknownReservation);
  CHECK(CodeOf(w.Run(w.AsAdmin(TestWorld::kStart, ReleaseHoldCmd{id}))) == ResultCode::kOk);
  CHECK(CodeOf(w.Run(w.As(alice, TestWorld::kStart, ReleaseHoldCmd{id}))) ==
        ResultCode::kReservationNotHeld);
}

TEST_CASE("the per-user limit counts each user's own seats, for users on different pages") {
  // Forty users: their slots in the user table span three pages of the per-user counts.
  TestWorld w;
  const VenueId venue = w.AddVenue(GridVenue(1, 10, 10));
  const ConcertId concert = w.AddConcert(venue, true, /*max_per_user=*/4);
  std::vector<UserId> fans;
  std::vector<ReservationId> holds;
  for (int i = 0; i < 40; ++i) {
    fans.push_back(w.AddUser("fan" + std::to_string(i) + "@example.com"));
    const Event e = w.Hold(fans[i], concert, {static_cast<SeatIndex>(2 * i),
                                              static_cast<SeatIndex>(2 * i + 1)});
    REQUIRE(TypeOf(e) == EventType::kHoldPlaced);
    holds.push_back(std::get<HoldPlaced>(e.body).reservation);
  }
  for (int i = 0; i < 40; i += 2)  // every other fan gives the seats back
    REQUIRE(TypeOf(w.Run(w.As(fans[i], TestWorld::kStart, ReleaseHoldCmd{holds[i]}))) ==
            EventType::kHoldReleased);
  const Concert& c = *w.state.FindConcert(concert);
  for (int i = 0; i < 40; ++i) {
    CAPTURE(i);
    CHECK(w.state.SeatsOf(c, fans[i]) == (i % 2 == 0 ? 0u : 2u));
    // Three seats more: within the limit only for those who gave theirs back.
    const SeatIndex base = static_cast<SeatIndex>(80 + (i % 2) * 3);
    const Event e = w.Hold(fans[i], concert, {base, static_cast<SeatIndex>(base + 1),
                                              static_cast<SeatIndex>(base + 2)});
    if (i % 2 == 0) {
      CHECK(CodeOf(e) != ResultCode::kSeatLimitExceeded);
    } else {
      REQUIRE(CodeOf(e) == ResultCode::kSeatLimitExceeded);
      CHECK(std::get<CommandRejected>(e.body).detail == 2);  // what is left of the four
    }
  }
}

TEST_CASE_FIXTURE(Fixture, "a journal's hold by a user the state does not know is corruption") {
  const Event hold = w.Hold(alice, concert, {0});
  REQUIRE(TypeOf(hold) == EventType::kHoldPlaced);
  EngineState replica(w.state.config());
  for (const Event& e : w.sink.events)
    if (e.seq < hold.seq) REQUIRE(replica.Apply(e).ok());
  Event forged = hold;
  std::get<HoldPlaced>(forged.body).user = 999'999;
  CHECK(replica.Apply(forged).IsCorruption());
}
