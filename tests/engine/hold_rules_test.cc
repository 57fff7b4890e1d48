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
  CHECK(h.reservation == e.seq);
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
