// Reservation ids that name their slot (engine/slot_table.h): the table alone, then the engine
// with them, next to the seq ids that states of format 13 and older hold.
#include "engine/slot_table.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "engine/codec/coding.h"
#include "engine/codec/state_codec.h"
#include "engine/invariants.h"
#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

struct Record {
  uint64_t id = 0;
  int value = 0;
};

std::vector<uint64_t> IdsOf(const SlotTable<Record>& t) {
  std::vector<uint64_t> ids;
  for (const auto& [id, r] : t) {
    CHECK(r.id == id);
    ids.push_back(id);
  }
  return ids;
}

}  // namespace

TEST_CASE("a slot table takes a free slot at its generation, finds by slot and generation, and "
          "never finds an erased id again") {
  SlotTable<Record> t;
  const uint64_t base = TimelineIdBase(2);
  const uint64_t a = *t.NextId(base);
  CHECK(a == base + SlotIds::Encode(0, 0));
  CHECK(t.Insert(base + SlotIds::Encode(0, 1)) == nullptr);  // not its generation
  REQUIRE(t.Insert(a) != nullptr);
  CHECK(t.Insert(a) == nullptr);  // taken
  t.Find(a)->value = 7;
  const uint64_t b = *t.NextId(base);
  REQUIRE(t.Insert(b) != nullptr);
  CHECK(b == base + SlotIds::Encode(1, 0));
  CHECK(t.size() == 2);
  CHECK(t.Find(a)->value == 7);
  CHECK(t.Find(a - base) == nullptr);  // the same slot in another timeline is another id
  CHECK(t.Find(base + SlotIds::Encode(0, 1)) == nullptr);  // a later generation: not yet

  REQUIRE(t.Erase(a));
  CHECK_FALSE(t.Erase(a));
  CHECK(t.Find(a) == nullptr);
  const uint64_t again = *t.NextId(base);
  CHECK(again == base + SlotIds::Encode(0, 1));  // slot 0 again, at the next generation
  REQUIRE(t.Insert(again) != nullptr);
  CHECK(t.Find(a) == nullptr);  // the old id names nothing
  CHECK(t.Find(again)->value == 0);  // a fresh record
  CHECK(IdsOf(t) == std::vector<uint64_t>{again, b});

  // Seq ids (older states) live beside the slots, and iterate first.
  REQUIRE(t.Insert(base + 42) != nullptr);
  CHECK(t.Insert(base + 42) == nullptr);
  CHECK(t.size() == 3);
  CHECK(t.legacy_size() == 1);
  CHECK(IdsOf(t) == std::vector<uint64_t>{base + 42, again, b});
  REQUIRE(t.Erase(base + 42));
  CHECK(t.size() == 2);
}

TEST_CASE("a slot table restores generations and records, and refuses what no table had") {
  SlotTable<Record> live;
  const uint64_t base = TimelineIdBase(0);
  std::vector<uint64_t> ids;
  for (int i = 0; i < 300; ++i) ids.push_back(*live.NextId(base)), live.Insert(ids.back());
  for (int i = 0; i < 300; i += 3) live.Erase(ids[static_cast<std::size_t>(i)]);
  ids.push_back(*live.NextId(base));  // slot 0, generation 1
  live.Insert(ids.back());

  SlotTable<Record> back;
  REQUIRE(back.RestoreGenerations(live.slot_ids().generations()));
  for (const auto& [id, r] : live) REQUIRE(back.Restore(id) != nullptr);
  CHECK(back.size() == live.size());
  CHECK(IdsOf(back) == IdsOf(live));
  CHECK(back.NextId(base) == live.NextId(base));
  CHECK(back.slot_ids().in_use() == live.slot_ids().in_use());

  SlotTable<Record> bad;
  REQUIRE(bad.RestoreGenerations(live.slot_ids().generations()));
  CHECK(bad.Restore(base + SlotIds::Encode(0, 0)) == nullptr);  // slot 0 is at generation 1
  CHECK(bad.Restore(base + SlotIds::Encode(300, 0)) == nullptr);  // past every slot taken
  REQUIRE(bad.Restore(ids.back()) != nullptr);
  CHECK(bad.Restore(ids.back()) == nullptr);  // twice
  CHECK_FALSE(bad.RestoreGenerations({}));  // only into a fresh table
  SlotTable<Record> odd;
  CHECK_FALSE(odd.RestoreGenerations({0, SlotIds::kRetired + 1}));
}

namespace {

// Ended holds are kept a second here, so that retention comes before any hold expires.
EngineConfig ShortRetention() {
  EngineConfig c;
  c.ended_retention_ms = 1000;
  return c;
}

struct Hall {
  TestWorld w{ShortRetention()};
  UserId alice = w.AddUser("alice@example.com");
  UserId bob = w.AddUser("bob@example.com");
  ConcertId concert = w.AddConcert(w.AddVenue(GridVenue(1, 2, 10)));

  ReservationId HoldOk(UserId u, std::vector<SeatIndex> seats, TimeMs now) {
    Event e = w.Hold(u, concert, std::move(seats), now);
    REQUIRE(TypeOf(e) == EventType::kHoldPlaced);
    return std::get<HoldPlaced>(e.body).reservation;
  }
  void Release(UserId u, ReservationId r, TimeMs now) {
    REQUIRE(TypeOf(w.Run(w.As(u, now, ReleaseHoldCmd{r}))) == EventType::kHoldReleased);
  }
  void CheckClean() const {
    const auto bad = CheckInvariants(w.state);
    CHECK_MESSAGE(bad.empty(), (bad.empty() ? "" : bad.front()));
  }
};

Event HoldEvent(const EngineState& s, ReservationId id, UserId user, ConcertId concert,
                SeatIndex seat) {
  Event e;
  e.seq = s.last_seq() + 1;
  e.term = s.term();
  e.ts = s.clock();
  HoldPlaced h;
  h.reservation = id;
  h.concert = concert;
  h.user = user;
  h.amount = 1;
  h.expires_at = s.clock() + 60'000;
  h.seats.push_back(seat);
  e.body = h;
  return e;
}

}  // namespace

TEST_CASE("a hold's id names the lowest free slot; once retention drops an ended hold, its slot "
          "comes back at the next generation and the old id is unknown") {
  Hall h;
  const TimeMs t0 = TestWorld::kStart;
  const ReservationId a = h.HoldOk(h.alice, {0}, t0);
  const ReservationId b = h.HoldOk(h.bob, {1}, t0);
  CHECK(a == SlotIds::Encode(0, 0));
  CHECK(b == SlotIds::Encode(1, 0));
  h.Release(h.alice, a, t0 + 1);
  // Ended, kept for ended_retention_ms: the slot is still a's.
  CHECK(h.w.state.FindReservation(a)->status == ReservationStatus::kCancelled);
  CHECK(h.HoldOk(h.bob, {5}, t0 + 2) == SlotIds::Encode(2, 0));
  const TimeMs later = t0 + 1 + h.w.state.config().ended_retention_ms;
  // The hold at `later` is decided on the state before its own event, where a is still kept.
  // Its apply drops a first (retention runs as the event's clock moves), then takes the slot
  // that was decided, not slot 0, which is lowest by then: replay does the same.
  CHECK(h.HoldOk(h.bob, {6}, later) == SlotIds::Encode(3, 0));
  CHECK(h.w.state.FindReservation(a) == nullptr);
  const ReservationId again = h.HoldOk(h.alice, {7}, later + 1);
  CHECK(again == SlotIds::Encode(0, 1));
  CHECK(CodeOf(h.w.Run(h.w.As(h.alice, later + 2, ReleaseHoldCmd{a}))) ==
        ResultCode::kUnknownReservation);
  h.CheckClean();

  // A replay of the same events builds the same table, the same ids included.
  EngineState replayed(ShortRetention());
  for (const Event& e : h.w.sink.events) REQUIRE(replayed.Apply(e).ok());
  CHECK(StateHash(replayed) == StateHash(h.w.state));
  CHECK(replayed.NextReservationId() == h.w.state.NextReservationId());
}

TEST_CASE("a hold whose id is not the one the sequencer takes is a corrupt journal") {
  Hall h;
  h.HoldOk(h.alice, {0}, TestWorld::kStart);
  EngineState& s = h.w.state;
  const ReservationId next = s.NextReservationId();
  REQUIRE(next == SlotIds::Encode(1, 0));
  CHECK(s.Apply(HoldEvent(s, SlotIds::Encode(2, 0), h.bob, h.concert, 3)).IsCorruption());
  CHECK(s.Apply(HoldEvent(s, SlotIds::Encode(1, 1), h.bob, h.concert, 3)).IsCorruption());
  CHECK(s.Apply(HoldEvent(s, TimelineIdBase(1) + next, h.bob, h.concert, 3)).IsCorruption());
  // A seq id only as old writers made it: the event's own seq.
  CHECK(s.Apply(HoldEvent(s, s.last_seq(), h.bob, h.concert, 3)).IsCorruption());
  Hall ok;
  EngineState& o = ok.w.state;
  REQUIRE(o.Apply(HoldEvent(o, o.IdOf(o.last_seq() + 1), ok.bob, ok.concert, 3)).ok());
  REQUIRE(o.Apply(HoldEvent(o, o.NextReservationId(), ok.bob, ok.concert, 4)).ok());
  ok.CheckClean();
}

TEST_CASE("a format 13 state's seq ids recover, live beside new slot ids, and go on to format "
          "14 and back") {
  Hall h;
  const TimeMs t0 = TestWorld::kStart;
  h.w.holds_as_old_writer = true;
  const ReservationId old_a = h.HoldOk(h.alice, {0, 1}, t0);
  const ReservationId old_b = h.HoldOk(h.bob, {2}, t0);
  CHECK(old_a == h.w.state.last_seq() - 1);  // seq ids
  h.Release(h.bob, old_b, t0 + 1);
  std::string v13;
  EncodeState(h.w.state, &v13, 13);
  CHECK(EncodesAsWritten(h.w.state, 13));
  auto decoded = DecodeState(v13, h.w.state.config());
  REQUIRE_MESSAGE(decoded.ok(), decoded.status().ToString());
  EngineState& s = *decoded.value();
  CHECK(StateHash(s) == StateHash(h.w.state));
  CHECK(s.FindReservation(old_a)->seats.size() == 2);
  CHECK(s.reservations().legacy_size() == 2);

  // The recovered state decides on: new holds take slots, the old ones end as before.
  Sequencer sequencer(s);
  CollectingSink sink;
  auto run = [&](UserId u, TimeMs now, CommandBody body) {
    Command c;
    c.actor = u;
    c.now = now;
    c.body = std::move(body);
    sequencer.Execute(c, sink);
    return sink.events.back();
  };
  HoldSeatsCmd hold;
  hold.concert = h.concert;
  hold.seats.push_back(9);
  hold.requested = 1;
  const Event placed = run(h.bob, t0 + 2, hold);
  REQUIRE(TypeOf(placed) == EventType::kHoldPlaced);
  const ReservationId fresh = std::get<HoldPlaced>(placed.body).reservation;
  CHECK(fresh == SlotIds::Encode(0, 0));
  CHECK(s.FindReservation(fresh)->user == h.bob);
  CHECK(TypeOf(run(h.alice, t0 + 3, ReleaseHoldCmd{old_a})) == EventType::kHoldReleased);
  CHECK_FALSE(EncodesAsWritten(s, 13));  // no older writer made a slot id
  const auto bad = CheckInvariants(s);
  CHECK_MESSAGE(bad.empty(), (bad.empty() ? "" : bad.front()));

  // Format 14 keeps both kinds, and the slots' generations.
  std::string v14;
  EncodeState(s, &v14);
  auto again = DecodeState(v14, s.config());
  REQUIRE_MESSAGE(again.ok(), again.status().ToString());
  CHECK(StateHash(*again.value()) == StateHash(s));
  CHECK(again.value()->NextReservationId() == s.NextReservationId());
  CHECK(again.value()->FindReservation(fresh) != nullptr);
  CHECK(again.value()->FindReservation(old_a)->status == ReservationStatus::kCancelled);
  // A slot id in a format 13 state (an older follower behind a newer leader writes one) has
  // no generations with it: passed over, so that recovery replays instead.
  std::string bad13;
  EncodeState(s, &bad13, 13);
  CHECK(DecodeState(bad13, s.config()).status().IsInvalidArgument());
  // A reservation of a timeline the state has not reached is corrupt.
  std::string future = v14;
  std::string id_bytes, far_bytes;
  cm::PutFixed64(&id_bytes, fresh);
  cm::PutFixed64(&far_bytes, TimelineIdBase(3) + fresh);
  const std::size_t at = future.find(id_bytes);
  REQUIRE(at != std::string::npos);
  future.replace(at, 8, far_bytes);
  CHECK(DecodeState(future, s.config()).status().IsCorruption());
}
