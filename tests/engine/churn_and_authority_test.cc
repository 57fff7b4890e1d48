// The opening minute's rules in the engine: re-hold cooldowns against hold churn, authority
// from the engine's own user records (never from what a command claims), and the venue bound.
#include <doctest/doctest.h>

#include "engine/invariants.h"
#include "engine/codec/coding.h"
#include "engine/codec/spec_codec.h"
#include "engine/codec/state_codec.h"
#include "tests/support/test_world.h"

using namespace cm::test;
using cm::PutFixed32;
using cm::PutFixed64;

namespace {

constexpr TimeMs kCooldown = kDefaultReholdCooldownMs;

struct Fixture {
  TestWorld w;
  UserId alice = w.AddUser("alice@example.com");
  UserId bob = w.AddUser("bob@example.com");
  VenueId venue = w.AddVenue(GridVenue(1, 3, 10));
  ConcertId concert = w.AddConcert(venue);

  ReservationId HoldOk(UserId u, std::vector<SeatIndex> seats, TimeMs now) {
    const Event e = w.Hold(u, concert, std::move(seats), now);
    REQUIRE(TypeOf(e) == EventType::kHoldPlaced);
    return std::get<HoldPlaced>(e.body).reservation;
  }
  void Release(UserId u, ReservationId id, TimeMs now) {
    REQUIRE(TypeOf(w.Run(w.As(u, now, ReleaseHoldCmd{id}))) == EventType::kHoldReleased);
  }
};

}  // namespace

TEST_CASE_FIXTURE(Fixture, "a released seat cannot be re-held by its releaser until the cooldown ends") {
  const TimeMs t0 = TestWorld::kStart;
  Release(alice, HoldOk(alice, {1, 2}, t0), t0 + 1'000);
  const Event again = w.Hold(alice, concert, {2, 3}, t0 + 2'000);
  REQUIRE(CodeOf(again) == ResultCode::kSeatCooldown);
  const auto& r = std::get<CommandRejected>(again.body);
  CHECK(r.seats.size() == 1);
  CHECK(r.seats[0] == 2);
  CHECK(r.detail == static_cast<uint64_t>(t0 + 1'000 + kCooldown));
  // The seat went back to the crowd: anyone else may take it at once.
  const ReservationId bobs = HoldOk(bob, {2}, t0 + 3'000);
  Release(bob, bobs, t0 + 4'000);
  // The seat's cell keeps its last releaser: now Bob waits for seat 2, and Alice, who waited
  // while he held it, may have it again.
  CHECK(CodeOf(w.Hold(bob, concert, {2}, t0 + 4'500)) == ResultCode::kSeatCooldown);
  Release(alice, HoldOk(alice, {2}, t0 + 4'600), t0 + 4'700);
  // Alice may take other seats, and her released ones once the cooldown is over.
  HoldOk(alice, {3}, t0 + 5'000);
  CHECK(CodeOf(w.Hold(alice, concert, {1}, t0 + 1'000 + kCooldown - 1)) ==
        ResultCode::kSeatCooldown);
  HoldOk(alice, {1}, t0 + 1'000 + kCooldown);
  CHECK(CheckInvariants(w.state).empty());
}

TEST_CASE_FIXTURE(Fixture, "letting a hold expire cools its seats down too; best-available passes over them") {
  const TimeMs t0 = TestWorld::kStart;
  // Best-available's first choice, asked by someone with no cooldown.
  const Event first = w.Run(w.As(bob, t0, HoldBestAvailableCmd{concert, 2, kAnyGrade, kAnySection}));
  REQUIRE(TypeOf(first) == EventType::kHoldPlaced);
  const SeatList best_seats = std::get<HoldPlaced>(first.body).seats;
  Release(bob, std::get<HoldPlaced>(first.body).reservation, t0 + 1);
  const TimeMs t1 = t0 + 1 + kCooldown;  // bob's own cooldown is over by now
  HoldOk(alice, {best_seats[0], best_seats[1]}, t1);
  const TimeMs expired_at = t1 + kDefaultHoldTtlMs;
  w.Tick(expired_at);
  REQUIRE(w.state.FindConcert(concert)->seats.IsAvailable(best_seats[0]));
  CHECK(CodeOf(w.Hold(alice, concert, {best_seats[1]}, expired_at + 10)) ==
        ResultCode::kSeatCooldown);
  // For Alice, best-available passes over the seats she let go and picks the next best ...
  const Event mine = w.Run(w.As(alice, expired_at + 20,
                                HoldBestAvailableCmd{concert, 2, kAnyGrade, kAnySection}));
  REQUIRE(TypeOf(mine) == EventType::kHoldPlaced);
  for (SeatIndex s : std::get<HoldPlaced>(mine.body).seats)
    CHECK((s != best_seats[0] && s != best_seats[1]));
  // ... while for anyone else they are still the best.
  const Event bobs = w.Run(w.As(bob, expired_at + 30,
                                HoldBestAvailableCmd{concert, 2, kAnyGrade, kAnySection}));
  REQUIRE(TypeOf(bobs) == EventType::kHoldPlaced);
  CHECK(std::get<HoldPlaced>(bobs.body).seats == best_seats);
  CHECK(CheckInvariants(w.state).empty());
}

TEST_CASE("a concert with no cooldown lets its users re-hold at once") {
  TestWorld w;
  const UserId u = w.AddUser("u@x.io");
  const VenueId v = w.AddVenue(GridVenue(1, 1, 4));
  auto spec = std::make_shared<ConcertSpec>();
  spec->venue = v;
  spec->title = "No cooldown";
  spec->starts_at = TestWorld::kStart + 2 * 86'400'000LL;
  spec->sales_open_at = TestWorld::kStart;
  spec->sales_close_at = TestWorld::kStart + 86'400'000;
  spec->price_per_grade = {1000, 1000};
  spec->rehold_cooldown_ms = 0;
  const Event created = w.Run(w.AsAdmin(TestWorld::kStart, CreateConcertCmd{spec}));
  REQUIRE(TypeOf(created) == EventType::kConcertCreated);
  const ConcertId c = std::get<ConcertCreated>(created.body).concert;
  w.Run(w.AsAdmin(TestWorld::kStart, OpenSalesCmd{c}));
  const Event h = w.Hold(u, c, {0}, TestWorld::kStart + 1);
  REQUIRE(TypeOf(h) == EventType::kHoldPlaced);
  w.Run(w.As(u, TestWorld::kStart + 2, ReleaseHoldCmd{std::get<HoldPlaced>(h.body).reservation}));
  CHECK(TypeOf(w.Hold(u, c, {0}, TestWorld::kStart + 3)) == EventType::kHoldPlaced);
}

TEST_CASE_FIXTURE(Fixture, "cooldowns survive a snapshot, and replay rebuilds them identically") {
  const TimeMs t0 = TestWorld::kStart;
  Release(alice, HoldOk(alice, {5, 6}, t0), t0 + 10);
  Release(bob, HoldOk(bob, {7}, t0 + 20), t0 + 30);
  std::string bytes;
  EncodeState(w.state, &bytes);
  auto restored = DecodeState(bytes, w.state.config());
  REQUIRE(restored.ok());
  const EngineState& s = *restored.value();
  CHECK(StateHash(s) == StateHash(w.state));
  const SeatMap& seats = s.FindConcert(concert)->seats;
  CHECK(seats.CoolingUntil(6, alice, t0 + 40) == t0 + 10 + kCooldown);
  CHECK(seats.CoolingUntil(6, bob, t0 + 40) == 0);
  CHECK(seats.CoolingUntil(7, bob, t0 + 40) == t0 + 30 + kCooldown);
  CHECK(seats.CoolingUntil(7, bob, t0 + 30 + kCooldown) == 0);  // exactly at its end it is over
}

TEST_CASE_FIXTURE(Fixture, "a snapshot keeps only the cooldowns still running, and its state "
                           "stays equal to the one that kept them all") {
  const TimeMs t0 = TestWorld::kStart;
  Release(alice, HoldOk(alice, {5}, t0), t0 + 10);
  Release(bob, HoldOk(bob, {7}, t0 + kCooldown), t0 + kCooldown + 10);
  // Alice's has ended by the state's clock; Bob's has not.
  HoldOk(bob, {9}, t0 + kCooldown + 20);
  std::string bytes;
  EncodeState(w.state, &bytes);
  auto decoded = DecodeState(bytes, w.state.config());
  REQUIRE(decoded.ok());
  EngineState& restored = *decoded.value();
  CHECK(restored.FindConcert(concert)->seats.release(5).until == 0);  // not stored
  CHECK(restored.FindConcert(concert)->seats.release(7).by == bob);
  CHECK(w.state.FindConcert(concert)->seats.release(5).by == alice);  // the live cell stays
  CHECK(StateHash(restored) == StateHash(w.state));
  // Both go on through the same events to the same bytes.
  const std::size_t applied = w.sink.events.size();
  Release(alice, HoldOk(alice, {5}, t0 + kCooldown + 30), t0 + kCooldown + 40);
  for (std::size_t i = applied; i < w.sink.events.size(); ++i)
    REQUIRE(restored.Apply(w.sink.events[i]).ok());
  std::string live, from_snapshot;
  EncodeState(w.state, &live);
  EncodeState(restored, &from_snapshot);
  CHECK(live == from_snapshot);
}

TEST_CASE_FIXTURE(Fixture, "a version 12 snapshot's cooldowns load one per seat (the latest end), "
                           "and its digests go unchecked once a seat was given up") {
  const TimeMs t0 = TestWorld::kStart;
  w.holds_as_old_writer = true;  // a version 12 writer's reservations had seq ids
  CHECK(EncodesAsWritten(w.state, 12));  // nothing given up yet: the list is empty either way
  Release(alice, HoldOk(alice, {3}, t0), t0 + 10);
  CHECK_FALSE(EncodesAsWritten(w.state, 12));
  CHECK(EncodesAsWritten(w.state, kStateFormatVersion));
  const TimeMs until = t0 + 10 + kCooldown;
  // A version 12 encoding has the one (user, seat) this state knows; swap in the list an older
  // writer could have kept: several users for seat 3, and an ended one.
  auto entry = [](UserId u, SeatIndex s, TimeMs end) {
    std::string e;
    PutFixed64(&e, u);
    PutFixed32(&e, s);
    PutFixed64(&e, static_cast<uint64_t>(end));
    return e;
  };
  std::string v12;
  EncodeState(w.state, &v12, 12);
  const std::string one = std::string(1, '\x01') + entry(alice, 3, until);
  const std::size_t at = v12.find(one);
  REQUIRE(at != std::string::npos);
  REQUIRE(v12.find(one, at + 1) == std::string::npos);
  const std::string four = std::string(1, '\x04') + entry(alice, 2, t0) + entry(alice, 3, until) +
                           entry(bob, 3, until + 400) + entry(bob, 4, until - 100);
  std::string swapped = v12;
  v12.replace(at, one.size(), four);
  auto decoded = DecodeState(v12, w.state.config());
  REQUIRE(decoded.ok());
  const SeatMap& seats = decoded.value()->FindConcert(concert)->seats;
  CHECK(seats.release(2).until == 0);  // ended at the state's clock
  CHECK(seats.CoolingUntil(3, bob, t0 + 20) == until + 400);
  CHECK(seats.CoolingUntil(3, alice, t0 + 20) == 0);
  CHECK(seats.CoolingUntil(4, bob, t0 + 20) == until - 100);
  // Out of (user, seat) order is malformed.
  std::string tied = swapped;
  swapped.replace(at, one.size(),
                  std::string(1, '\x02') + entry(bob, 3, until) + entry(alice, 3, until));
  CHECK(DecodeState(swapped, w.state.config()).status().IsCorruption());
  // Two users' cooldowns of one seat ending together: they gave it up in the same millisecond,
  // and the list does not say who was last. Not corrupt, but not loadable exactly: recovery
  // passes over such a snapshot and replays the journal.
  tied.replace(at, one.size(),
               std::string(1, '\x02') + entry(alice, 3, until) + entry(bob, 3, until));
  CHECK(DecodeState(tied, w.state.config()).status().IsInvalidArgument());
}

TEST_CASE_FIXTURE(Fixture, "a version 13 snapshot's cooldowns must be possible: running, of a "
                           "known user, started by the state's clock, one per seat") {
  const TimeMs t0 = TestWorld::kStart;
  Release(alice, HoldOk(alice, {3}, t0), t0 + 10);
  const TimeMs until = t0 + 10 + kCooldown;
  std::string bytes;
  EncodeState(w.state, &bytes);
  auto entry = [](SeatIndex s, UserId u, TimeMs end) {
    std::string e;
    PutFixed32(&e, s);
    PutFixed64(&e, u);
    PutFixed64(&e, static_cast<uint64_t>(end));
    return e;
  };
  const std::string one = std::string(1, '\x01') + entry(3, alice, until);
  const std::size_t at = bytes.find(one);
  REQUIRE(at != std::string::npos);
  REQUIRE(DecodeState(bytes, w.state.config()).ok());
  const TimeMs clock = w.state.clock();
  for (const std::string& bad :
       {std::string(1, '\x01') + entry(3, alice, clock),                  // ended
        std::string(1, '\x01') + entry(3, alice, clock + kCooldown + 1),  // not started yet
        std::string(1, '\x01') + entry(3, 999'999, until),                // nobody's
        std::string(1, '\x01') + entry(30, alice, until),                 // no such seat
        std::string(1, '\x02') + entry(4, alice, until) + entry(3, bob, until)}) {  // order
    std::string broken = bytes;
    broken.replace(at, one.size(), bad);
    CHECK(DecodeState(broken, w.state.config()).status().IsCorruption());
  }
}

TEST_CASE("concert specs keep their cooldown from format 4 and the after-sale rules from format 6; "
          "older formats get the defaults") {
  ConcertSpec spec;
  spec.venue = 3;
  spec.title = "T";
  spec.price_per_grade = {1, 2};
  spec.rehold_cooldown_ms = 45'000;
  spec.doors_open_at = 77;
  spec.refund.fee_percent = 15;
  spec.hold_extension_ms = 1234;
  std::string bytes;
  EncodeConcertSpec(spec, &bytes, kReturnWindowEventFormat - 1);  // as formats 6 to 13 wrote it
  ConcertSpec back;
  std::string_view in = bytes;
  REQUIRE(DecodeConcertSpec(&in, &back, 6));
  CHECK(in.empty());
  CHECK(back == spec);
  // A format 5 spec ends before the after-sale rules: holds then could not be extended.
  ConcertSpec before_tickets;
  std::string_view five = bytes;
  REQUIRE(DecodeConcertSpec(&five, &before_tickets, 5));
  const std::size_t after_sale = five.size();
  CHECK(after_sale > 0);
  CHECK(before_tickets.rehold_cooldown_ms == 45'000);
  CHECK(before_tickets.hold_extension_ms == 0);
  CHECK(before_tickets.doors_open_at == 0);
  // A format 3 spec ends before the cooldown.
  std::string_view old = std::string_view(bytes).substr(0, bytes.size() - after_sale - 8);
  ConcertSpec older;
  REQUIRE(DecodeConcertSpec(&old, &older, 3));
  CHECK(old.empty());
  CHECK(older.rehold_cooldown_ms == kDefaultReholdCooldownMs);
}

TEST_CASE("authority comes from the user record, not from the role a command claims") {
  TestWorld w;
  const UserId user = w.AddUser("user@x.io");
  const VenueId v = w.AddVenue(GridVenue(1, 1, 4));
  const ConcertId c = w.AddConcert(v, false);
  Command claims_admin = w.As(user, TestWorld::kStart, OpenSalesCmd{c});
  claims_admin.actor_role = Role::kAdmin;  // a forged or stale claim
  CHECK(CodeOf(w.Run(claims_admin)) == ResultCode::kForbidden);
  Command ghost = w.As(424242, TestWorld::kStart, CloseSalesCmd{c});
  ghost.actor_role = Role::kAdmin;  // no such user at all
  CHECK(CodeOf(w.Run(ghost)) == ResultCode::kForbidden);
  const UserId admin = w.AddUser("admin@x.io", Role::kAdmin);
  Command real = w.As(admin, TestWorld::kStart, OpenSalesCmd{c});
  real.actor_role = Role::kUser;  // what the command says does not matter either way
  CHECK(CodeOf(w.Run(real)) == ResultCode::kOk);
}

TEST_CASE("a new venue holds at most max_venue_seats; the codec's own bound is far higher") {
  EngineConfig small;
  small.max_venue_seats = 100;
  TestWorld w(small);
  CHECK(TypeOf(w.Run(w.AsAdmin(TestWorld::kStart, CreateVenueCmd{GridVenue(1, 10, 10)}))) ==
        EventType::kVenueCreated);
  const Event big = w.Run(w.AsAdmin(TestWorld::kStart, CreateVenueCmd{GridVenue(1, 10, 11)}));
  REQUIRE(CodeOf(big) == ResultCode::kInvalidVenue);
  CHECK(std::get<CommandRejected>(big.body).reason.find("at most 100 seats") != std::string::npos);
  CHECK(EngineConfig{}.max_venue_seats == 200'000);
}
