// Holds expire exactly at their TTL, driven by time in commands.
#include <doctest/doctest.h>

#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

struct Fixture {
  TestWorld w;
  UserId alice = w.AddUser("alice@example.com");
  UserId bob = w.AddUser("bob@example.com");
  VenueId venue = w.AddVenue(GridVenue(1, 2, 8));
  ConcertId concert = w.AddConcert(venue, true, 4, /*ttl=*/10'000);
  ReservationId Hold(UserId u, std::vector<SeatIndex> seats, TimeMs at) {
    return std::get<HoldPlaced>(w.Hold(u, concert, seats, at).body).reservation;
  }
};

}  // namespace

TEST_CASE_FIXTURE(Fixture, "a hold expires exactly at its TTL and not one tick before") {
  const ReservationId id = Hold(alice, {0, 1}, TestWorld::kStart);
  CHECK(w.Tick(TestWorld::kStart + 9'999).seq == 0);  // nothing emitted
  CHECK(w.state.FindReservation(id)->status == ReservationStatus::kHeld);
  Event e = w.Tick(TestWorld::kStart + 10'000);
  REQUIRE(TypeOf(e) == EventType::kHoldExpired);
  CHECK(std::get<HoldExpired>(e.body).reservation == id);
  CHECK(e.ts == TestWorld::kStart + 10'000);
  CHECK(w.state.FindReservation(id)->status == ReservationStatus::kExpired);
  CHECK(w.state.FindConcert(concert)->seats.available() == 16);
  CHECK(w.state.SeatsOf(*w.state.FindConcert(concert), alice) == 0);
}

TEST_CASE_FIXTURE(Fixture, "any command's time expires due holds before it is decided") {
  Hold(alice, {0}, TestWorld::kStart);
  // Bob asks for the same seat the moment Alice's hold lapses: he gets it.
  Event e = w.Hold(bob, concert, {0}, TestWorld::kStart + 10'000);
  CHECK(CodeOf(e) == ResultCode::kOk);
  const auto n = w.sink.events.size();
  CHECK(TypeOf(w.sink.events[n - 2]) == EventType::kHoldExpired);
}

TEST_CASE_FIXTURE(Fixture, "holds expire in order of expiry, several in one tick") {
  const ReservationId a = Hold(alice, {0}, TestWorld::kStart + 2'000);
  const ReservationId b = Hold(bob, {1}, TestWorld::kStart + 1'000 + 1'000);
  const ReservationId c = Hold(bob, {2}, TestWorld::kStart + 5'000);
  const auto before = w.sink.events.size();
  w.Tick(TestWorld::kStart + 12'000);
  REQUIRE(w.sink.events.size() == before + 2);
  CHECK(std::get<HoldExpired>(w.sink.events[before].body).reservation == a);
  CHECK(std::get<HoldExpired>(w.sink.events[before + 1].body).reservation == b);
  CHECK(w.state.FindReservation(c)->status == ReservationStatus::kHeld);
  CHECK(w.state.timers().size() == 1);
}

TEST_CASE_FIXTURE(Fixture, "a confirm after expiry is rejected, a confirm before it sells") {
  const ReservationId late = Hold(alice, {0}, TestWorld::kStart);
  const ReservationId paid = Hold(bob, {1}, TestWorld::kStart);
  CHECK(CodeOf(w.Run(w.AsAdmin(TestWorld::kStart + 9'999, ConfirmReservationCmd{paid}))) ==
        ResultCode::kOk);
  Event e = w.Run(w.AsAdmin(TestWorld::kStart + 10'000, ConfirmReservationCmd{late}));
  CHECK(CodeOf(e) == ResultCode::kHoldExpired);
  const Concert& c = *w.state.FindConcert(concert);
  CHECK(c.seats.status(1) == SeatStatus::kSold);
  CHECK(c.seats.IsAvailable(0));
  CHECK(w.state.FindReservation(paid)->status == ReservationStatus::kConfirmed);
  // A confirmed reservation never expires.
  w.Tick(TestWorld::kStart + 1'000'000);
  CHECK(c.seats.status(1) == SeatStatus::kSold);
}

TEST_CASE_FIXTURE(Fixture, "only staff confirm, and a release after expiry says it expired") {
  const ReservationId id = Hold(alice, {0}, TestWorld::kStart);
  CHECK(CodeOf(w.Run(w.As(alice, TestWorld::kStart, ConfirmReservationCmd{id}))) ==
        ResultCode::kForbidden);
  CHECK(CodeOf(w.Run(w.As(alice, TestWorld::kStart + 10'000, ReleaseHoldCmd{id}))) ==
        ResultCode::kHoldExpired);
}

TEST_CASE_FIXTURE(Fixture, "a refund returns the seats; only confirmed reservations refund") {
  const ReservationId id = Hold(alice, {3, 4}, TestWorld::kStart);
  CHECK(CodeOf(w.Run(w.AsAdmin(TestWorld::kStart, RefundReservationCmd{id}))) ==
        ResultCode::kReservationNotConfirmed);
  w.Run(w.AsAdmin(TestWorld::kStart, ConfirmReservationCmd{id}));
  CHECK(CodeOf(w.Run(w.As(alice, TestWorld::kStart, RefundReservationCmd{id}))) ==
        ResultCode::kForbidden);
  Event e = w.Run(w.AsAdmin(TestWorld::kStart + 1, RefundReservationCmd{id}));
  REQUIRE(TypeOf(e) == EventType::kReservationRefunded);
  CHECK(std::get<ReservationRefunded>(e.body).amount == 200'000);
  const Concert& c = *w.state.FindConcert(concert);
  CHECK(c.seats.available() == 16);
  CHECK(w.state.SeatsOf(c, alice) == 0);
  CHECK(w.state.FindReservation(id)->status == ReservationStatus::kRefunded);
  CHECK(CodeOf(w.Hold(bob, concert, {3, 4}, TestWorld::kStart + 2)) == ResultCode::kOk);
}

TEST_CASE("ended reservations are forgotten after the retention period") {
  EngineConfig config;
  config.ended_retention_ms = 60'000;
  TestWorld w(config);
  const UserId u = w.AddUser("u@example.com");
  const ConcertId c = w.AddConcert(w.AddVenue(GridVenue(1, 1, 4)), true, 4, 1'000);
  const ReservationId id = std::get<HoldPlaced>(w.Hold(u, c, {0}).body).reservation;
  w.Tick(TestWorld::kStart + 1'000);
  CHECK(w.state.FindReservation(id) != nullptr);
  // State changes only through events (so replay matches), so the next event at or after the
  // deadline drops it: the command is still answered from the state before that event.
  w.Tick(TestWorld::kStart + 1'000 + 60'000);
  CHECK(w.state.FindReservation(id) != nullptr);
  Event e = w.Run(w.As(u, TestWorld::kStart + 1'000 + 60'000, ReleaseHoldCmd{id}));
  CHECK(CodeOf(e) == ResultCode::kHoldExpired);
  CHECK(w.state.FindReservation(id) == nullptr);
  e = w.Run(w.As(u, TestWorld::kStart + 1'000 + 60'000, ReleaseHoldCmd{id}));
  CHECK(CodeOf(e) == ResultCode::kUnknownReservation);
}
