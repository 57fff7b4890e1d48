// State digests in the log (engine/event.h StateHashed, SnapshotMarked): a leader marks a
// snapshot and records its digest later; checkers compare theirs; CheckStateHashed tells the
// same state from one that differs by a seat; the record format carries it from version 8.
#include <doctest/doctest.h>

#include "engine/codec/event_codec.h"
#include "engine/codec/state_codec.h"
#include "engine/codec/state_hash_checker.h"
#include "tests/support/old_records.h"
#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

uint64_t DigestOf(const EngineState& state) {
  std::string encoded;
  EncodeState(state, &encoded);
  return EncodedStateDigest(encoded);
}

// The same events in both, but for the seat each user holds: states one seat apart.
void HoldOneSeatApart(TestWorld& a, TestWorld& b) {
  for (TestWorld* w : {&a, &b}) {
    const UserId u = w->AddUser("u@x.io");
    const ConcertId c = w->AddConcert(w->AddVenue(GridVenue(1, 2, 5)));
    w->Hold(u, c, {w == &a ? 1u : 2u});
  }
  REQUIRE(a.state.last_seq() == b.state.last_seq());
}

}  // namespace

TEST_CASE("the sequencer marks a snapshot, records its digest later, and the state takes both") {
  TestWorld w;
  const UserId u = w.AddUser("u@x.io");
  const ConcertId c = w.AddConcert(w.AddVenue(GridVenue(1, 2, 5)));
  w.Hold(u, c, {3});
  const Seq before = w.state.last_seq();
  const uint64_t digest = DigestOf(w.state);
  CHECK(w.sequencer.MarkSnapshot(w.sink) == before);
  const Event& mark = w.sink.events.back();
  REQUIRE(TypeOf(mark) == EventType::kSnapshotMarked);
  CHECK(mark.seq == before + 1);
  CHECK(std::get<SnapshotMarked>(mark.body).format == kStateFormatVersion);
  w.Hold(u, c, {4});  // commands go on while the snapshot is taken elsewhere
  w.sequencer.RecordStateHash(before, digest, kStateFormatVersion, w.sink);
  const Event& e = w.sink.events.back();
  REQUIRE(TypeOf(e) == EventType::kStateHashed);
  CHECK(e.seq > before + 2);
  CHECK(std::get<StateHashed>(e.body).state_seq == before);
  CHECK(std::get<StateHashed>(e.body).digest == digest);
  CHECK(w.state.last_seq() == e.seq);  // applied, and nothing else changed

  // Another state replaying the same events matches the digest where it was marked.
  EngineState replica;
  StateHashChecker checker;
  for (const Event& ev : w.sink.events) {
    CHECK(checker.Before(replica, ev).ok());
    REQUIRE(replica.Apply(ev).ok());
  }
  CHECK(checker.checked() == 1);
  CHECK(checker.last_checked() == before);
  CHECK(StateHash(replica) == StateHash(w.state));
}

TEST_CASE("a checker catches a marked state that differs, and passes over what it cannot see") {
  TestWorld a, b;
  HoldOneSeatApart(a, b);
  const Seq at = a.state.last_seq();
  Event mark;
  mark.seq = at + 1;
  mark.ts = a.state.clock();
  mark.body = SnapshotMarked{kStateFormatVersion};
  Event hashed = mark;
  hashed.seq = at + 2;
  hashed.body = StateHashed{at, DigestOf(a.state), kStateFormatVersion};

  StateHashChecker on_b;
  REQUIRE(on_b.Before(b.state, mark).ok());
  REQUIRE(b.state.Apply(mark).ok());
  const Status differs = on_b.Before(b.state, hashed);
  CHECK(differs.IsCorruption());
  CHECK(differs.message().find("the state at seq " + std::to_string(at) + " differs") !=
        std::string::npos);

  // A digest recorded in another format than its mark named is refused.
  StateHashChecker on_a;
  REQUIRE(on_a.Before(a.state, mark).ok());
  REQUIRE(a.state.Apply(mark).ok());
  Event other_format = hashed;
  other_format.body = StateHashed{at, DigestOf(a.state), 11};
  CHECK(on_a.Before(a.state, other_format).IsCorruption());

  // A checker that started after the mark (from a snapshot past it) cannot check that digest.
  StateHashChecker late;
  CHECK(late.Before(a.state, hashed).ok());
  CHECK(late.checked() == 0);
  CHECK(late.unchecked() == 1);
  // A mark in a format this version cannot make is refused.
  Event future = mark;
  future.body = SnapshotMarked{static_cast<uint8_t>(kStateFormatVersion + 1)};
  CHECK(late.Before(a.state, future).IsCorruption());
}

TEST_CASE("a digest tells apart states one seat apart, and one of another seq is refused") {
  TestWorld a, b;
  HoldOneSeatApart(a, b);
  const StateHashed of_a{a.state.last_seq(), DigestOf(a.state), kStateFormatVersion};
  CHECK(CheckStateHashed(a.state, of_a).ok());
  const Status differs = CheckStateHashed(b.state, of_a);
  CHECK(differs.IsCorruption());
  CHECK(differs.message().find("differs from the leader's") != std::string::npos);

  const StateHashed elsewhere{a.state.last_seq() - 1, of_a.digest, of_a.format};
  CHECK(CheckStateHashed(a.state, elsewhere).IsCorruption());
  // The state itself refuses a StateHashed of a seq it has not reached, or of none.
  Event e;
  e.seq = a.state.last_seq() + 1;
  e.ts = a.state.clock();
  for (Seq of : {a.state.last_seq() + 1, Seq{0}}) {
    CAPTURE(of);
    e.body = StateHashed{of, of_a.digest, of_a.format};
    const Status refused = a.state.Apply(e);
    CHECK(refused.IsCorruption());
    CHECK(refused.message().find("has not reached") != std::string::npos);
  }
  e.body = SnapshotMarked{0};
  CHECK(a.state.Apply(e).IsCorruption());
}

TEST_CASE("a version 12 StateHashed must name the seq just before it") {
  Event e;
  e.seq = 99;
  e.ts = TestWorld::kStart;
  e.body = StateHashed{97, 1, kStateFormatVersion};
  const std::string v12 = AsVersion(e, 12);
  std::string_view in = v12;
  Event back;
  const Status s = DecodeEvent(&in, &back);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("of another seq than the one before it") != std::string::npos);
  e.body = StateHashed{98, 1, kStateFormatVersion};
  const std::string fine = AsVersion(e, 12);
  std::string_view fine_in = fine;
  CHECK(DecodeEvent(&fine_in, &back).ok());
}

TEST_CASE("SnapshotMarked round-trips in version 13 records and cannot be in a version 12 one") {
  Event e;
  e.seq = 99;
  e.ts = TestWorld::kStart;
  e.term = 4;
  e.body = SnapshotMarked{kStateFormatVersion};
  std::string rec;
  EncodeEvent(e, &rec);
  std::string_view in = rec;
  Event back;
  REQUIRE(DecodeEvent(&in, &back).ok());
  CHECK(std::get<SnapshotMarked>(back.body).format == kStateFormatVersion);
  const std::string v12 = AsVersion(e, 12);
  std::string_view v12_in = v12;
  const Status s = DecodeEvent(&v12_in, &back);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("in a version 12 record") != std::string::npos);
}

TEST_CASE("StateHashed round-trips in version 8 records and cannot be in a version 7 one") {
  Event e;
  e.seq = 99;
  e.ts = TestWorld::kStart;
  e.term = 4;
  e.body = StateHashed{98, 0x0123456789abcdefULL, kStateFormatVersion};
  std::string rec;
  EncodeEvent(e, &rec);
  std::string_view in = rec;
  Event back;
  REQUIRE(DecodeEvent(&in, &back).ok());
  CHECK(back.term == 4);
  CHECK(std::get<StateHashed>(back.body).state_seq == 98);
  CHECK(std::get<StateHashed>(back.body).digest == 0x0123456789abcdefULL);
  CHECK(std::get<StateHashed>(back.body).format == kStateFormatVersion);

  // The same record labelled version 7: no writer of that version made one.
  REQUIRE(rec[4] == kEventFormatVersion);
  const std::string v7 = AsVersion(e, 7);
  std::string_view v7_in = v7;
  const Status s = DecodeEvent(&v7_in, &back);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("in a version 7 record") != std::string::npos);
}

TEST_CASE("a state hash an older writer recorded (state format 8 or 9) still checks") {
  TestWorld w;
  const UserId u = w.AddUser("u@x.io");
  const ConcertId c = w.AddConcert(w.AddVenue(GridVenue(1, 2, 5)));
  w.holds_as_old_writer = true;  // those writers' reservations had seq ids
  w.Hold(u, c, {3});
  for (uint8_t format : {uint8_t{8}, uint8_t{9}}) {
    CAPTURE(int{format});
    // What that writer hashed: its own format, whose version byte and sections differ.
    std::string old_bytes;
    EncodeState(w.state, &old_bytes, format);
    std::string current;
    EncodeState(w.state, &current);
    REQUIRE(EncodedStateDigest(old_bytes) != EncodedStateDigest(current));
    Event e;
    e.seq = w.state.last_seq() + 1;
    e.ts = w.state.clock();
    e.body = StateHashed{w.state.last_seq(), EncodedStateDigest(old_bytes), format};
    // Its record had no format byte: the record's version says it.
    const std::string record = AsVersion(e, format, 1);
    std::string_view in = record;
    Event back;
    REQUIRE(DecodeEvent(&in, &back).ok());
    const auto& hashed = std::get<StateHashed>(back.body);
    CHECK(hashed.format == format);
    std::string checked;
    CHECK(CheckStateHashed(w.state, hashed, &checked).ok());
    // The bytes it checked are a snapshot of that format, which decodes to the same state.
    auto decoded = DecodeState(checked, w.state.config());
    REQUIRE(decoded.ok());
    CHECK(StateHash(*decoded.value()) == StateHash(w.state));
  }
  CHECK(CheckStateHashed(w.state, StateHashed{w.state.last_seq(), 1, 7}).IsCorruption());
}
