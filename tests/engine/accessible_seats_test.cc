// Wheelchair spaces and companion seats: held back for those who need them until the concert's
// release time. A companion seat goes only with a wheelchair space of its section (at most N per
// space); best-available hands them out only when asked for accessible seats; from the release
// time on they are ordinary seats. Replay, the journal's bytes and a snapshot keep it all.
#include <doctest/doctest.h>

#include <algorithm>

#include "engine/best_available.h"
#include "engine/codec/coding.h"
#include "engine/codec/event_codec.h"
#include "engine/codec/spec_codec.h"
#include "engine/codec/state_codec.h"
#include "engine/invariants.h"
#include "tests/support/test_world.h"

using namespace cm::test;
using cm::PutFixed8;
using cm::PutVarint32;

namespace {

constexpr TimeMs kRelease = TestWorld::kStart + 3'600'000;

// Two sections of 3 rows of 8. Section 0's back row: seats 16, 17 wheelchair spaces, 18, 19
// companions, 20 an aisle seat; section 1's front row: seat 31 a wheelchair space, 30 a
// companion, 29 a restricted view.
std::shared_ptr<VenueSpec> AccessibleVenue() {
  auto spec = GridVenue(2, 3, 8);
  auto mark = [&](int section, int row, int k, uint8_t bits) {
    spec->sections[section].rows[row].seats[k].attributes = bits;
  };
  mark(0, 2, 0, kSeatWheelchair);
  mark(0, 2, 1, kSeatWheelchair);
  mark(0, 2, 2, kSeatCompanion);
  mark(0, 2, 3, kSeatCompanion);
  mark(0, 2, 4, kSeatAisle);
  mark(1, 0, 7, kSeatWheelchair);
  mark(1, 0, 6, kSeatCompanion);
  mark(1, 0, 5, kSeatRestrictedView);
  return spec;
}

bool Accessible(const Venue& v, SeatIndex s) { return (v.seats[s].attributes & kAccessibleSeat) != 0; }

struct Fixture {
  TestWorld w;
  UserId alice = w.AddUser("alice@example.com");
  UserId bob = w.AddUser("bob@example.com");
  VenueId venue = w.AddVenue(AccessibleVenue());
  ConcertId concert = AddAccessibleConcert(1, kRelease);

  ConcertId AddAccessibleConcert(uint32_t companions, TimeMs release_at) {
    auto spec = w.ConcertSpecFor(venue);
    spec->accessible = {companions, release_at};
    spec->max_seats_per_user = 64;
    return w.AddConcertSpec(spec);
  }
  const Venue& hall() const { return *w.state.FindConcert(concert)->venue; }
  Event Best(UserId u, uint32_t count, bool accessible, TimeMs at = TestWorld::kStart,
             ConcertId c = 0) {
    HoldBestAvailableCmd cmd{c ? c : concert, count};
    cmd.accessible = accessible;
    return w.Run(w.As(u, at, cmd));
  }
  SeatList SeatsOf(const Event& e) {
    REQUIRE(TypeOf(e) == EventType::kHoldPlaced);
    return std::get<HoldPlaced>(e.body).seats;
  }
};

}  // namespace

TEST_CASE_FIXTURE(Fixture, "a companion seat goes only with a wheelchair space of its section") {
  CHECK(hall().wheelchair_spaces == 3);
  CHECK(hall().accessible_seats == 6);
  const Event alone = w.Hold(alice, concert, {18});
  CHECK(CodeOf(alone) == ResultCode::kCompanionNeedsWheelchair);
  CHECK(std::get<CommandRejected>(alone.body).detail == 18);
  // Two companions for one space: one too many (one per space here).
  CHECK(CodeOf(w.Hold(alice, concert, {16, 18, 19})) == ResultCode::kCompanionNeedsWheelchair);
  // A space of the other section does not count.
  CHECK(CodeOf(w.Hold(alice, concert, {31, 18})) == ResultCode::kCompanionNeedsWheelchair);
  CHECK(TypeOf(w.Hold(alice, concert, {16, 18})) == EventType::kHoldPlaced);
  CHECK(TypeOf(w.Hold(alice, concert, {31, 30, 20, 29})) == EventType::kHoldPlaced);
  // A wheelchair space alone is fine, and the box office sells as it judges.
  CHECK(TypeOf(w.Hold(bob, concert, {17})) == EventType::kHoldPlaced);
  const UserId boss = w.AddUser("boss@example.com", Role::kAdmin);
  CHECK(TypeOf(w.Hold(boss, concert, {19})) == EventType::kHoldPlaced);
  // Two companions per space in another concert.
  const ConcertId two = AddAccessibleConcert(2, 0);
  CHECK(TypeOf(w.Hold(alice, two, {16, 18, 19})) == EventType::kHoldPlaced);
}

TEST_CASE_FIXTURE(Fixture, "best-available never hands out held-back seats unless asked") {
  // Take the whole hall a seat at a time: every seat but the six held back.
  uint32_t held = 0;
  for (;; ++held) {
    const Event e = Best(held % 2 ? alice : bob, 1, false, TestWorld::kStart + held);
    if (TypeOf(e) != EventType::kHoldPlaced) {
      CHECK(CodeOf(e) == ResultCode::kNoAdjacentSeats);
      break;
    }
    for (SeatIndex s : std::get<HoldPlaced>(e.body).seats) CHECK_FALSE(Accessible(hall(), s));
    REQUIRE(held < 48);
  }
  CHECK(held == 48 - 6);
  // Asked for, they are there: one space and its companion, of one section.
  const SeatList pair = SeatsOf(Best(alice, 2, true, TestWorld::kStart + 100));
  CHECK(pair.size() == 2);
  CHECK((hall().seats[pair[0]].attributes | hall().seats[pair[1]].attributes) == kAccessibleSeat);
  CHECK(hall().rows[hall().seats[pair[0]].row].section == hall().rows[hall().seats[pair[1]].row].section);
  CHECK(CheckInvariants(w.state).empty());
}

TEST_CASE_FIXTURE(Fixture, "accessible best-available: spaces and companions, nearest section") {
  // Section 1's pair is in its front row, nearer the stage than section 0's back row.
  const SeatList near = SeatsOf(Best(alice, 2, true));
  CHECK(near.size() == 2);
  CHECK(near[0] == 30);
  CHECK(near[1] == 31);
  // Three seats need two spaces (one companion each): only section 0 has two.
  const SeatList three = SeatsOf(Best(bob, 3, true));
  CHECK(three.size() == 3);
  CHECK(std::count_if(three.begin(), three.end(), [&](SeatIndex s) {
          return hall().seats[s].attributes == kSeatWheelchair;
        }) == 2);
  for (SeatIndex s : three) CHECK(hall().rows[hall().seats[s].row].section == 0);
  // None left of either kind in one section for two more.
  CHECK(CodeOf(Best(alice, 2, true)) == ResultCode::kNoAdjacentSeats);
  // A venue without spaces has none to give.
  const VenueId plain = w.AddVenue(GridVenue(1, 2, 4));
  const ConcertId other = w.AddConcert(plain);
  CHECK(CodeOf(Best(alice, 1, true, TestWorld::kStart, other)) == ResultCode::kNoAdjacentSeats);
}

TEST_CASE_FIXTURE(Fixture, "from the release time on they are ordinary seats") {
  // Before: best-available passes over them (section 1's front row, with a pair, is scanned
  // seat by seat rather than from its remembered block)...
  for (int i = 0; i < 6; ++i)
    for (SeatIndex s : SeatsOf(Best(alice, 1, false, TestWorld::kStart + i)))
      CHECK_FALSE(Accessible(hall(), s));
  // ... and a companion alone is refused.
  CHECK(CodeOf(w.Hold(alice, concert, {19}, kRelease - 1)) ==
        ResultCode::kCompanionNeedsWheelchair);
  // At the release time, decided against the command's time: both are open to anyone.
  CHECK(TypeOf(w.Hold(alice, concert, {19}, kRelease)) == EventType::kHoldPlaced);
  // Best-available now reaches them: the whole hall, a seat at a time, takes the other five.
  uint32_t accessible = 0, held = 0;
  for (; held < 48; ++held) {
    const Event e = Best(bob, 1, false, kRelease + held);
    if (TypeOf(e) != EventType::kHoldPlaced) break;
    for (SeatIndex s : std::get<HoldPlaced>(e.body).seats) accessible += Accessible(hall(), s);
  }
  CHECK(held == 47);  // alice's early holds expired long before; she keeps 19
  CHECK(accessible == 5);
  // A concert whose release time is 0 keeps them back for good.
  const ConcertId never = AddAccessibleConcert(1, 0);
  CHECK(CodeOf(w.Hold(alice, never, {18}, kRelease + 1'000'000)) ==
        ResultCode::kCompanionNeedsWheelchair);
}

TEST_CASE_FIXTURE(Fixture, "companions sit beside their space; spaces stand in when they run short") {
  // Section 0's back row: spaces 16 and 17, companions 18 and 19. Three seats need two spaces
  // and one companion: the companion nearest a chosen space (18, beside 17), not the nearest
  // the stage (19).
  const SeatList three = SeatsOf(Best(alice, 3, true, TestWorld::kStart, 0));
  REQUIRE(three.size() == 3);
  CHECK(three[0] == 16);
  CHECK(three[1] == 17);
  CHECK(three[2] == 18);
  // With the companions gone, two seats are two spaces (one companion per space allows it).
  const ConcertId other = AddAccessibleConcert(1, kRelease);
  const UserId boss = w.AddUser("boss@example.com", Role::kAdmin);
  REQUIRE(TypeOf(w.Hold(boss, other, {18, 19, 30})) == EventType::kHoldPlaced);
  const SeatList two = SeatsOf(Best(bob, 2, true, TestWorld::kStart, other));
  CHECK(two.size() == 2);
  for (SeatIndex s : two) CHECK(hall().seats[s].attributes == kSeatWheelchair);
  // With none per space (and a release time, so the companions can be sold one day), only
  // spaces are handed out.
  const ConcertId none = AddAccessibleConcert(0, kRelease);
  for (SeatIndex s : SeatsOf(Best(bob, 2, true, TestWorld::kStart, none)))
    CHECK(hall().seats[s].attributes == kSeatWheelchair);
  // Grade and section filters apply: section 1 has one space and one companion.
  HoldBestAvailableCmd in_one{concert, 2, kAnyGrade, 1, true};
  const SeatList pair = SeatsOf(w.Run(w.As(bob, TestWorld::kStart, in_one)));
  CHECK(pair[0] == 30);
  CHECK(pair[1] == 31);
  HoldBestAvailableCmd again{concert, 2, kAnyGrade, 1, true};
  CHECK(CodeOf(w.Run(w.As(bob, TestWorld::kStart, again))) == ResultCode::kNoAdjacentSeats);
}

TEST_CASE("seat attributes and the rules are checked and kept from record format 16 on") {
  auto venue = AccessibleVenue();
  std::string why;
  CHECK(ValidateVenue(*venue, &why) == ResultCode::kOk);
  auto both = AccessibleVenue();
  both->sections[0].rows[0].seats[0].attributes = kSeatWheelchair | kSeatCompanion;
  CHECK(ValidateVenue(*both, &why) == ResultCode::kInvalidVenue);
  both->sections[0].rows[0].seats[0].attributes = 16;
  CHECK(ValidateVenue(*both, &why) == ResultCode::kInvalidVenue);

  std::string bytes;
  EncodeVenueSpec(*venue, &bytes);
  VenueSpec back;
  std::string_view in = bytes;
  REQUIRE(DecodeVenueSpec(&in, &back, kSeatAttributesEventFormat));
  CHECK(in.empty());
  CHECK(back == *venue);
  // Format 15 ends before them.
  std::string old;
  EncodeVenueSpec(*venue, &old, kSeatAttributesEventFormat - 1);
  VenueSpec before;
  std::string_view fifteen = old;
  REQUIRE(DecodeVenueSpec(&fifteen, &before, kSeatAttributesEventFormat - 1));
  CHECK(fifteen.empty());
  CHECK(before.sections[0].rows[2].seats[0].attributes == 0);
  // A seat marked twice (a gap of 0), or one past the hall, is refused.
  std::string twice = old;
  PutVarint32(&twice, 2);
  PutVarint32(&twice, 3);
  PutFixed8(&twice, kSeatAisle);
  PutVarint32(&twice, 0);
  PutFixed8(&twice, kSeatAisle);
  std::string_view t = twice;
  VenueSpec bad;
  CHECK_FALSE(DecodeVenueSpec(&t, &bad, kSeatAttributesEventFormat));
  std::string past = old;
  PutVarint32(&past, 1);
  PutVarint32(&past, 48);
  PutFixed8(&past, kSeatAisle);
  std::string_view p = past;
  VenueSpec bad2;
  CHECK_FALSE(DecodeVenueSpec(&p, &bad2, kSeatAttributesEventFormat));

  ConcertSpec spec;
  spec.venue = 1;
  spec.title = "T";
  spec.price_per_grade = {1, 2};
  spec.sales_close_at = 1;
  spec.accessible = {3, 12345};
  std::string cbytes;
  EncodeConcertSpec(spec, &cbytes, kSeatAttributesEventFormat);
  ConcertSpec cback;
  std::string_view cin = cbytes;
  REQUIRE(DecodeConcertSpec(&cin, &cback, kSeatAttributesEventFormat));
  CHECK(cin.empty());
  CHECK(cback == spec);
  spec.accessible.companions_per_space = kMaxCompanionsPerSpace + 1;
  const auto hall = Venue::Build(1, AccessibleVenue());
  CHECK(ValidateConcert(spec, *hall, &why) == ResultCode::kInvalidConcert);
}

TEST_CASE_FIXTURE(Fixture, "replay, the journal's bytes and a snapshot keep the attributes") {
  REQUIRE(TypeOf(w.Hold(alice, concert, {16, 18})) == EventType::kHoldPlaced);
  const auto replayed = ReplayThroughJournal(w.sink.events);
  CHECK(StateHash(*replayed) == StateHash(w.state));
  CHECK(replayed->FindConcert(concert)->venue->seats[16].attributes == kSeatWheelchair);
  CHECK(replayed->FindConcert(concert)->spec->accessible.release_at == kRelease);
  std::string bytes;
  EncodeState(w.state, &bytes);
  auto restored = DecodeState(bytes, w.state.config());
  REQUIRE(restored.ok());
  CHECK(StateHash(*restored.value()) == StateHash(w.state));
  CHECK(restored.value()->FindConcert(concert)->venue->accessible_seats == 6);
  // Its sequencer keeps refusing a companion alone.
  Sequencer sequencer(*restored.value());
  CollectingSink sink;
  SeatList companion;
  companion.push_back(19);
  sequencer.Execute(w.As(bob, TestWorld::kStart + 5, HoldSeatsCmd{concert, companion, 1}), sink);
  CHECK(CodeOf(sink.events.back()) == ResultCode::kCompanionNeedsWheelchair);
}
