// Best-available on small venues: adjacency, the centre, orphans and the filters; and against
// a plain every-window search on random venues, seat maps and requests.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <tuple>

#include "engine/best_available.h"
#include "engine/seat_map.h"
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

namespace {

// Every window of every row, the plain way: the rules as stated in best_available.h.
bool ReferenceBest(const Venue& v, const SeatMap& m, const BestAvailableRequest& req,
                   const BestAvailableCaller* caller, SeatIndex* first) {
  bool found = false;
  std::tuple<bool, int64_t, SeatIndex> best;
  auto eligible = [&](SeatIndex s) {
    return m.IsAvailable(s) && (req.grade < 0 || v.seats[s].grade == req.grade);
  };
  auto cooling = [&](SeatIndex s) {
    return caller != nullptr && m.CoolingUntil(s, caller->user, caller->now) != 0;
  };
  for (const RowInfo& row : v.rows) {
    if (req.section >= 0 && row.section != static_cast<uint32_t>(req.section)) continue;
    const SeatIndex end = row.first_seat + row.seat_count;
    for (SeatIndex f = row.first_seat; f + req.count <= end; ++f) {
      bool ok = true;
      int64_t d = 0;
      for (SeatIndex s = f; s < f + req.count; ++s) {
        ok = ok && eligible(s) && !cooling(s);
        d += v.seats[s].DistanceSquared();
      }
      if (!ok) continue;
      // An orphan: exactly one eligible seat stranded before or after the block. Whether it
      // is cooling for this caller does not matter: it would be stranded for everyone else.
      const bool before = f >= row.first_seat + 1 && eligible(f - 1) &&
                          (f == row.first_seat + 1 || !eligible(f - 2));
      const SeatIndex last = f + req.count;
      const bool after = last < end && eligible(last) && (last + 1 == end || !eligible(last + 1));
      const auto candidate = std::make_tuple(before || after, d, f);
      if (!found || candidate < best) best = candidate;
      found = true;
    }
  }
  if (found) *first = std::get<2>(best);
  return found;
}

}  // namespace

TEST_CASE("property: best-available matches every-window search on random venues and fills") {
  std::mt19937_64 rng(11);
  auto pick = [&](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); };
  for (int round = 0; round < 60; ++round) {
    auto spec = std::make_shared<VenueSpec>();
    spec->name = "Random";
    spec->grades = {"A", "B", "C"};
    for (int sec = 0, sections = 1 + static_cast<int>(pick(3)); sec < sections; ++sec) {
      SectionSpec section{"S" + std::to_string(sec), {}, {}};
      for (int r = 0, rows = 1 + static_cast<int>(pick(6)); r < rows; ++r) {
        RowSpec row{"R" + std::to_string(r), {}};
        const int32_t y = static_cast<int32_t>(pick(40)) - 10;
        for (int k = 0, n = 1 + static_cast<int>(pick(24)); k < n; ++k)
          row.seats.push_back(SeatSpec{static_cast<uint16_t>(k + 1),
                                       static_cast<uint8_t>(pick(3)),
                                       static_cast<int32_t>(pick(30)) - 15, y});
        section.rows.push_back(std::move(row));
      }
      spec->sections.push_back(std::move(section));
    }
    const auto venue = Venue::Build(1, spec);
    SeatMap map(*venue);
    for (int step = 0; step < 300; ++step) {
      // Change a few seats (which leaves rows' longest runs stale), then ask.
      for (int k = 0, n = static_cast<int>(pick(4)); k < n; ++k) {
        const SeatIndex s = static_cast<SeatIndex>(pick(venue->seat_count()));
        if (map.IsAvailable(s)) map.Hold(s, 1 + pick(1000));
        else map.Free(s);
      }
      BestAvailableRequest req;
      req.count = 1 + static_cast<uint32_t>(pick(4));
      req.grade = pick(3) == 0 ? static_cast<int32_t>(pick(3)) : -1;
      req.section = pick(3) == 0 ? static_cast<int32_t>(pick(spec->sections.size())) : -1;
      // Seats given up, by the caller (user 7) or someone else, some cooldowns over by now.
      const TimeMs now = 1000 + step;
      for (int k = 0, n = pick(3) == 0 ? 3 : 0; k < n; ++k)
        map.StartCooldown(static_cast<SeatIndex>(pick(venue->seat_count())), 7 + pick(2),
                          now - 20 + static_cast<TimeMs>(pick(60)));
      const BestAvailableCaller caller{7, now};
      const BestAvailableCaller* asking = pick(4) == 0 ? nullptr : &caller;
      SeatIndex want = 0;
      SeatList got;
      const bool found = FindBestAvailable(*venue, map, req, &got, asking);
      CAPTURE(round);
      CAPTURE(step);
      REQUIRE(found == ReferenceBest(*venue, map, req, asking, &want));
      if (found) {
        REQUIRE(got.size() == req.count);
        CHECK(got[0] == want);
      }
    }
  }
}
