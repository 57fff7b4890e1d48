// Seats that return at a random moment (취소표): in a concert with a return window, a seat
// given up is off sale until a moment drawn for it, shows as held meanwhile, and comes back by
// the engine's own SeatsReturned event. Nobody can hand a seat over by release-and-hold.
#include <doctest/doctest.h>

#include <set>

#include "engine/codec/event_codec.h"
#include "engine/codec/spec_codec.h"
#include "engine/codec/state_codec.h"
#include "engine/invariants.h"
#include "engine/siphash.h"
#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

constexpr TimeMs kWindow = 60'000;

struct Fixture {
  TestWorld w;
  UserId alice = w.AddUser("alice@example.com");
  UserId bob = w.AddUser("bob@example.com");
  UserId carol = w.AddUser("carol@example.com");
  UserId dave = w.AddUser("dave@example.com");
  UserId erin = w.AddUser("erin@example.com");
  UserId frank = w.AddUser("frank@example.com");
  VenueId venue = w.AddVenue(GridVenue(1, 2, 8));
  ConcertId concert = AddReturningConcert(kWindow);

  ConcertId AddReturningConcert(TimeMs window, uint64_t key = 0x5eed, VenueId in = 0) {
    auto spec = w.ConcertSpecFor(in ? in : venue);
    spec->return_window_ms = window;
    spec->return_key = {key, ~key};
    spec->rehold_cooldown_ms = 0;  // only the return window holds the seats back here
    return w.AddConcertSpec(spec);
  }
  ReservationId HoldOk(UserId u, std::vector<SeatIndex> seats, TimeMs at, ConcertId c = 0) {
    const Event e = w.Hold(u, c ? c : concert, seats, at);
    REQUIRE(TypeOf(e) == EventType::kHoldPlaced);
    return std::get<HoldPlaced>(e.body).reservation;
  }
  void Release(UserId u, ReservationId r, TimeMs at) {
    REQUIRE(CodeOf(w.Run(w.As(u, at, ReleaseHoldCmd{r}))) == ResultCode::kOk);
  }
  const SeatMap& seats(ConcertId c = 0) const { return w.state.FindConcert(c ? c : concert)->seats; }
  std::vector<SeatsReturned> ReturnedSince(std::size_t from) const {
    std::vector<SeatsReturned> out;
    for (std::size_t i = from; i < w.sink.events.size(); ++i)
      if (const auto* b = std::get_if<SeatsReturned>(&w.sink.events[i].body)) out.push_back(*b);
    return out;
  }
};

}  // namespace

TEST_CASE("SipHash-2-4 gives the paper's test vector") {
  // Key 00 01 ... 0f, message 00 01 ... 0e (Aumasson and Bernstein, appendix A).
  const SipKey key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  std::string message;
  for (char c = 0; c < 15; ++c) message.push_back(c);
  CHECK(SipHash24(key, message) == 0xa129ca6149be45e5ULL);
  CHECK(SipHash24(key, "") == 0x726fdb47dd0e0e31ULL);
}

TEST_CASE("a concert spec carries its window and key from record format 14 on") {
  ConcertSpec spec;
  spec.venue = 3;
  spec.title = "T";
  spec.price_per_grade = {1, 2};
  spec.return_window_ms = 30'000;
  spec.return_key = {11, 22};
  std::string bytes;
  EncodeConcertSpec(spec, &bytes, kReturnWindowEventFormat);
  ConcertSpec back;
  std::string_view in = bytes;
  REQUIRE(DecodeConcertSpec(&in, &back, kReturnWindowEventFormat));
  CHECK(in.empty());
  CHECK(back == spec);
  // Format 13 ends before them: its concerts free seats at once.
  std::string old;
  EncodeConcertSpec(spec, &old, kReturnWindowEventFormat - 1);
  ConcertSpec before;
  std::string_view thirteen = old;
  REQUIRE(DecodeConcertSpec(&thirteen, &before, kReturnWindowEventFormat - 1));
  CHECK(thirteen.empty());
  CHECK(before.return_window_ms == 0);
  // A window needs its key.
  spec.return_key = {};
  std::string why;
  const auto venue = Venue::Build(3, GridVenue(1, 1, 4));
  CHECK(ValidateConcert(spec, *venue, &why) == ResultCode::kInvalidConcert);
}

TEST_CASE_FIXTURE(Fixture, "a released seat cannot be handed to another account: it returns later") {
  const TimeMs t0 = TestWorld::kStart;
  const ReservationId r = HoldOk(alice, {3}, t0);
  Release(alice, r, t0 + 1'000);
  // The outside test's hand-off: the second account asks at once, and is refused.
  CHECK(CodeOf(w.Hold(bob, concert, {3}, t0 + 1'001)) == ResultCode::kSeatNotAvailable);
  REQUIRE(seats().status(3) == SeatStatus::kReturning);
  const TimeMs back = seats().returns_at(3);
  CHECK(back > t0 + 1'000);
  CHECK(back <= t0 + 1'000 + kWindow);
  CHECK(back == w.state.FindConcert(concert)->spec->ReturnsAt(r, 3, t0 + 1'000));
  CHECK(seats().available() == 15);
  CHECK(CheckInvariants(w.state).empty());
  // Not one millisecond early.
  CHECK(CodeOf(w.Hold(carol, concert, {3}, back - 1)) == ResultCode::kSeatNotAvailable);
  // At its moment any command's time returns it first, and the hold is decided after.
  const std::size_t before = w.sink.events.size();
  const Event got = w.Hold(carol, concert, {3}, back);
  CHECK(TypeOf(got) == EventType::kHoldPlaced);
  const auto returned = ReturnedSince(before);
  REQUIRE(returned.size() == 1);
  CHECK(returned[0].concert == concert);
  CHECK(returned[0].seats.size() == 1);
  CHECK(returned[0].seats[0] == 3);
  CHECK(w.state.return_timers().empty());
  CHECK(CheckInvariants(w.state).empty());
}

TEST_CASE_FIXTURE(Fixture, "expired, unpaid and cancelled seats return too, each at its own moment") {
  const TimeMs t0 = TestWorld::kStart;
  const ReservationId expiring = HoldOk(alice, {0, 1, 2, 3}, t0);
  w.Tick(t0 + kDefaultHoldTtlMs);  // the hold expires: its four seats return one by one
  CHECK(w.state.FindReservation(expiring)->status == ReservationStatus::kExpired);
  std::set<TimeMs> moments;
  for (SeatIndex s : {0u, 1u, 2u, 3u}) {
    REQUIRE(seats().status(s) == SeatStatus::kReturning);
    moments.insert(seats().returns_at(s));
  }
  CHECK(moments.size() > 1);  // drawn per seat, not one moment for the reservation
  CHECK(w.state.return_timers().size() == 4);
  // Best-available never offers them while they are away.
  const Event best = w.Run(w.As(bob, t0 + kDefaultHoldTtlMs + 1,
                                HoldBestAvailableCmd{concert, 4, kAnyGrade, kAnySection}));
  REQUIRE(TypeOf(best) == EventType::kHoldPlaced);
  for (SeatIndex s : std::get<HoldPlaced>(best.body).seats) CHECK(s > 3);
  // A tick after the whole window returns all four together.
  const std::size_t before = w.sink.events.size();
  w.Tick(t0 + kDefaultHoldTtlMs + kWindow);
  const auto returned = ReturnedSince(before);
  REQUIRE(returned.size() == 1);
  CHECK(returned[0].seats.size() == 4);
  for (SeatIndex s : {0u, 1u, 2u, 3u}) CHECK(seats().IsAvailable(s));
  CHECK(CheckInvariants(w.state).empty());
}

TEST_CASE_FIXTURE(Fixture, "more seats than one event holds return in several, by concert and seat") {
  const TimeMs t0 = TestWorld::kStart;
  const ConcertId big = AddReturningConcert(kWindow, 0xbeef, w.AddVenue(GridVenue(1, 3, 8)));
  const UserId holders[] = {alice, bob, dave, erin, frank};
  std::vector<ReservationId> mine;
  for (SeatIndex first = 0; first < 20; first += 4)
    mine.push_back(HoldOk(holders[first / 4], {first, first + 1, first + 2, first + 3}, t0, big));
  const ReservationId theirs = HoldOk(carol, {9}, t0);
  for (std::size_t i = 0; i < mine.size(); ++i) Release(holders[i], mine[i], t0 + 10);
  Release(carol, theirs, t0 + 10);
  CHECK(seats(big).returning() == 20);
  const std::size_t before = w.sink.events.size();
  w.Tick(t0 + 10 + kWindow);
  const auto returned = ReturnedSince(before);
  // The first concert's one seat, then the big hall's 20 in two events (16 + 4), seats ascending.
  REQUIRE(concert < big);
  REQUIRE(returned.size() == 3);
  CHECK(returned[0].concert == concert);
  CHECK(returned[0].seats.size() == 1);
  CHECK(returned[1].concert == big);
  CHECK(returned[1].seats.size() == kMaxSeatsPerHold);
  CHECK(returned[2].concert == big);
  CHECK(returned[2].seats.size() == 4);
  for (const auto& r : returned)
    for (std::size_t i = 1; i < r.seats.size(); ++i) CHECK(r.seats[i - 1] < r.seats[i]);
  CHECK(returned[1].seats[kMaxSeatsPerHold - 1] < returned[2].seats[0]);
  // Each is a record the journal reads back.
  for (std::size_t i = before; i < w.sink.events.size(); ++i) {
    std::string record;
    EncodeEvent(w.sink.events[i], &record);
    std::string_view in = record;
    Event back;
    REQUIRE(DecodeEvent(&in, &back).ok());
    if (const auto* b = std::get_if<SeatsReturned>(&back.body))
      CHECK(b->seats == std::get<SeatsReturned>(w.sink.events[i].body).seats);
  }
  CHECK(seats().available() == 16);
  CHECK(seats(big).available() == 24);
  CHECK(w.state.return_timers().empty());
  CHECK(CheckInvariants(w.state).empty());
}

TEST_CASE_FIXTURE(Fixture, "a sold seat cancelled by its buyer returns too, and shows sold until then") {
  const TimeMs t0 = TestWorld::kStart;
  const ReservationId bought = HoldOk(alice, {5, 6}, t0);
  REQUIRE(CodeOf(w.Run(w.AsAdmin(t0 + 1, ConfirmReservationCmd{bought}))) == ResultCode::kOk);
  REQUIRE(CodeOf(w.Run(w.As(alice, t0 + 2, CancelReservationCmd{bought}))) == ResultCode::kOk);
  for (SeatIndex s : {5u, 6u}) {
    REQUIRE(seats().status(s) == SeatStatus::kReturning);
    CHECK(seats().returning_from_sale(s));  // the maps keep showing it sold
  }
  CHECK(seats().sold() == 0);
  CHECK(CodeOf(w.Hold(bob, concert, {5}, t0 + 3)) == ResultCode::kSeatNotAvailable);
  CHECK(CheckInvariants(w.state).empty());
  w.Tick(t0 + 2 + kWindow);
  CHECK(seats().IsAvailable(5));
  CHECK(seats().IsAvailable(6));
}

TEST_CASE_FIXTURE(Fixture, "a concert without a window frees seats at once, as before") {
  const ConcertId plain = AddReturningConcert(0);
  const TimeMs t0 = TestWorld::kStart;
  const ReservationId r = HoldOk(alice, {3}, t0, plain);
  Release(alice, r, t0 + 1);
  CHECK(seats(plain).IsAvailable(3));
  CHECK(TypeOf(w.Hold(bob, plain, {3}, t0 + 2)) == EventType::kHoldPlaced);
  CHECK(w.state.return_timers().empty());
}

TEST_CASE_FIXTURE(Fixture, "replay, the journal's bytes and a snapshot give the same returns") {
  const TimeMs t0 = TestWorld::kStart;
  Release(alice, HoldOk(alice, {0, 1}, t0), t0 + 5);
  const ReservationId paid = HoldOk(bob, {4, 5}, t0 + 6);
  REQUIRE(CodeOf(w.Run(w.AsAdmin(t0 + 7, ConfirmReservationCmd{paid}))) == ResultCode::kOk);
  REQUIRE(CodeOf(w.Run(w.AsAdmin(t0 + 8, RefundReservationCmd{paid}))) == ResultCode::kOk);
  CHECK(seats().returning() == 4);
  // Through the journal's own bytes, into a fresh state.
  const auto replayed = ReplayThroughJournal(w.sink.events);
  CHECK(StateHash(*replayed) == StateHash(w.state));
  for (SeatIndex s : {0u, 1u, 4u, 5u})
    CHECK(replayed->FindConcert(concert)->seats.returns_at(s) == seats().returns_at(s));
  // A snapshot keeps the returning seats and their moments; its sequencer returns them.
  std::string bytes;
  EncodeState(w.state, &bytes);
  auto restored = DecodeState(bytes, w.state.config());
  REQUIRE(restored.ok());
  EngineState& s = *restored.value();
  CHECK(StateHash(s) == StateHash(w.state));
  CHECK(s.return_timers().size() == 4);
  CHECK(CheckInvariants(s).empty());
  Sequencer sequencer(s);
  CollectingSink sink;
  Command tick = w.AsAdmin(t0 + 8 + kWindow, TickCmd{});
  sequencer.Execute(tick, sink);
  CHECK(s.FindConcert(concert)->seats.available() == 16);
  CHECK(CheckInvariants(s).empty());
}

TEST_CASE_FIXTURE(Fixture, "a read model keeps the returning seats and no timers") {
  const TimeMs t0 = TestWorld::kStart;
  Release(alice, HoldOk(alice, {2}, t0), t0 + 1);
  EngineConfig reads;
  reads.reads_only = true;
  EngineState model(reads);
  for (const Event& e : w.sink.events) REQUIRE(model.Apply(e).ok());
  CHECK(model.FindConcert(concert)->seats.status(2) == SeatStatus::kReturning);
  CHECK(model.return_timers().empty());
  CHECK(CheckInvariants(model).empty());
  w.Tick(t0 + 1 + kWindow);
  for (std::size_t i = model.last_seq(); i < w.sink.events.size(); ++i)
    REQUIRE(model.Apply(w.sink.events[i]).ok());
  CHECK(model.FindConcert(concert)->seats.IsAvailable(2));
}

TEST_CASE_FIXTURE(Fixture, "a journal that returns a seat early, or one not away, is refused") {
  const TimeMs t0 = TestWorld::kStart;
  Release(alice, HoldOk(alice, {2}, t0), t0 + 1);
  const TimeMs back = seats().returns_at(2);
  auto replayed = [&] {
    auto state = std::make_unique<EngineState>();
    for (const Event& e : w.sink.events) REQUIRE(state->Apply(e).ok());
    return state;
  };
  auto returning = [&](SeatIndex seat, TimeMs at) {
    Event e;
    e.seq = w.state.last_seq() + 1;
    e.ts = at;
    SeatList list;
    list.push_back(seat);
    e.body = SeatsReturned{concert, list};
    return e;
  };
  CHECK(replayed()->Apply(returning(2, back - 1)).IsCorruption());  // early
  CHECK(replayed()->Apply(returning(7, back)).IsCorruption());      // never away
  CHECK(replayed()->Apply(returning(2, back)).ok());                // due: fine
}
