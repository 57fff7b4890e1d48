// Best-available on small venues: adjacency, the centre, orphans and the filters.
#include <doctest/doctest.h>

#include "engine/best_available.h"
#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

struct Fixture {
  TestWorld w;
  UserId alice = w.AddUser("alice@example.com", Role::kUser);
  UserId bob = w.AddUser("bob@example.com", Role::kUser);

  Event Best(UserId u, ConcertId c, uint32_t n, int32_t grade = kAnyGrade,
             int32_t section = kAnySection) {
    return w.Run(w.As(u, TestWorld::kStart, HoldBestAvailableCmd{c, n, grade, section}));
  }
  static std::vector<SeatIndex> Seats(const Event& e) {
    const auto& h = std::get<HoldPlaced>(e.body);
    return {h.seats.begin(), h.seats.end()};
  }
};

}  // namespace

TEST_CASE_FIXTURE(Fixture, "the block nearest the centre of the front row wins") {
  // One row of 9 seats, x = -8..8: the centre seat is index 4.
  const ConcertId c = w.AddConcert(w.AddVenue(GridVenue(1, 2, 9)), true, 8);
  CHECK(Seats(Best(alice, c, 1)) == std::vector<SeatIndex>{4});
  // Two seats: {2,3} and {5,6} are equally near and leave no orphan; the lower index wins.
  CHECK(Seats(Best(bob, c, 2)) == std::vector<SeatIndex>{2, 3});
}

TEST_CASE_FIXTURE(Fixture, "a nearer block that strands a seat loses to a farther row") {
  const ConcertId c = w.AddConcert(w.AddVenue(GridVenue(1, 2, 9)), true, 8);
  REQUIRE(CodeOf(w.Hold(alice, c, {4})) == ResultCode::kOk);
  // Row 0 has runs of 4 on each side of seat 4: every block of 3 there strands one seat. Row 1
  // (indexes 9..17) has a centred block that strands nothing.
  CHECK(Seats(Best(bob, c, 3)) == std::vector<SeatIndex>{12, 13, 14});
}

TEST_CASE_FIXTURE(Fixture, "seats are adjacent within one row, never across rows") {
  // Rows of 4; every row has 2 taken seats in the middle, so no row has 3 adjacent seats
  // except the back row.
  const ConcertId c = w.AddConcert(w.AddVenue(GridVenue(1, 3, 4)), true, 8);
  REQUIRE(CodeOf(w.Hold(alice, c, {1, 5})) == ResultCode::kOk);
  // Row 3 (indexes 8..11, x = -3,-1,1,3): {8,9,10} and {9,10,11} are equally near.
  CHECK(Seats(Best(bob, c, 3)) == std::vector<SeatIndex>{8, 9, 10});
}

TEST_CASE_FIXTURE(Fixture, "a block leaving a single orphan seat loses to one that does not") {
  // Row of 6 seats (x = -5,-3,-1,1,3,5), seat 0 taken.
  const ConcertId c = w.AddConcert(w.AddVenue(GridVenue(1, 1, 6)), true, 8);
  REQUIRE(CodeOf(w.Hold(alice, c, {0})) == ResultCode::kOk);
  // Free run is 1..5. Windows of 2: {1,2} (no orphan, d=9+1), {2,3} (orphan 1), {3,4}
  // (leaves 1,2 and 5: orphan 5), {4,5} (no orphan, far). {1,2} and {4,5}: 1,2 has
  // distance 9+1 = 10 vs 9+25 = 34, so {1,2}, although {2,3} is nearer the centre.
  CHECK(Seats(Best(bob, c, 2)) == std::vector<SeatIndex>{1, 2});
}

TEST_CASE_FIXTURE(Fixture, "an orphan is accepted when no other block exists") {
  const ConcertId c = w.AddConcert(w.AddVenue(GridVenue(1, 1, 4)), true, 8);
  REQUIRE(CodeOf(w.Hold(alice, c, {0})) == ResultCode::kOk);
  // Free: 1,2,3. Two seats: {1,2} leaves 3 alone, {2,3} leaves 1 alone. Nearest wins: {1,2}.
  CHECK(Seats(Best(bob, c, 2)) == std::vector<SeatIndex>{1, 2});
}

TEST_CASE_FIXTURE(Fixture, "the grade and section filters are honoured") {
  // 2 sections x 2 rows x 4 seats, grade by row: row 0 grade 0, row 1 grade 1.
  const ConcertId c = w.AddConcert(w.AddVenue(GridVenue(2, 2, 4)), true, 8);
  const auto g1 = Seats(Best(alice, c, 2, /*grade=*/1));
  for (SeatIndex s : g1) CHECK(w.state.FindConcert(c)->venue->seats[s].grade == 1);
  const auto s1 = Seats(Best(bob, c, 2, kAnyGrade, /*section=*/1));
  for (SeatIndex s : s1) CHECK(w.state.FindConcert(c)->venue->rows[
                                   w.state.FindConcert(c)->venue->seats[s].row].section == 1);
  CHECK(CodeOf(Best(bob, c, 1, 5)) == ResultCode::kUnknownGrade);
  CHECK(CodeOf(Best(bob, c, 1, kAnyGrade, 9)) == ResultCode::kUnknownSection);
}

TEST_CASE_FIXTURE(Fixture, "no block of N adjacent seats is a specific rejection") {
  const ConcertId c = w.AddConcert(w.AddVenue(GridVenue(1, 2, 3)), true, 8);
  REQUIRE(CodeOf(w.Hold(alice, c, {1, 4})) == ResultCode::kOk);
  Event e = Best(bob, c, 2);
  CHECK(CodeOf(e) == ResultCode::kNoAdjacentSeats);
  CHECK(CodeOf(Best(bob, c, 0)) == ResultCode::kInvalidArgument);
  CHECK(CodeOf(Best(bob, c, 17)) == ResultCode::kTooManySeats);
}
