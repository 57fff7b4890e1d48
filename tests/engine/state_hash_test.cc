// State digests in the log (engine/event.h StateHashed): a leader records the digest of its
// state; the state takes the event only right after the seq it names; CheckStateHashed tells
// the same state from one that differs by a seat; the record format carries it from version 8.
#include <doctest/doctest.h>

#include "engine/codec/event_codec.h"
#include "engine/codec/state_codec.h"
#include "tests/support/old_records.h"
#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

uint64_t DigestOf(const EngineState& state) {
  std::string encoded;
  EncodeState(state, &encoded);
  return EncodedStateDigest(encoded);
}

}  // namespace

TEST_CASE("the sequencer records a digest of the state before it, and the state takes it") {
  TestWorld w;
  const UserId u = w.AddUser("u@x.io");
  const ConcertId c = w.AddConcert(w.AddVenue(GridVenue(1, 2, 5)));
  w.Hold(u, c, {3});
  const Seq before = w.state.last_seq();
  const uint64_t digest = DigestOf(w.state);
  w.sequencer.RecordStateHash(digest, w.sink);
  const Event& e = w.sink.events.back();
  REQUIRE(TypeOf(e) == EventType::kStateHashed);
  CHECK(e.seq == before + 1);
  CHECK(std::get<StateHashed>(e.body).state_seq == before);
  CHECK(std::get<StateHashed>(e.body).digest == digest);
  CHECK(w.state.last_seq() == before + 1);  // applied, and nothing else changed
  CHECK(DigestOf(w.state) != digest);       // the seq is in the state

  // Another state replaying the same events matches the digest where it was recorded.
  EngineState replica;
  for (const Event& ev : w.sink.events) {
    if (const auto* hashed = std::get_if<StateHashed>(&ev.body))
      CHECK(CheckStateHashed(replica, *hashed).ok());
    REQUIRE(replica.Apply(ev).ok());
  }
}

TEST_CASE("a digest tells apart states one seat apart, and one of another seq is refused") {
  TestWorld a, b;
  for (TestWorld* w : {&a, &b}) {
    const UserId u = w->AddUser("u@x.io");
    const ConcertId c = w->AddConcert(w->AddVenue(GridVenue(1, 2, 5)));
    w->Hold(u, c, {w == &a ? 1u : 2u});
  }
  REQUIRE(a.state.last_seq() == b.state.last_seq());
  const StateHashed of_a{a.state.last_seq(), DigestOf(a.state), kStateFormatVersion};
  CHECK(CheckStateHashed(a.state, of_a).ok());
  const Status differs = CheckStateHashed(b.state, of_a);
  CHECK(differs.IsCorruption());
  CHECK(differs.message().find("differs from the leader's") != std::string::npos);

  const StateHashed elsewhere{a.state.last_seq() - 1, of_a.digest, of_a.format};
  CHECK(CheckStateHashed(a.state, elsewhere).IsCorruption());
  // The state itself refuses a StateHashed that does not name the seq just before it.
  Event e;
  e.seq = a.state.last_seq() + 1;
  e.ts = a.state.clock();
  e.body = elsewhere;
  const Status refused = a.state.Apply(e);
  CHECK(refused.IsCorruption());
  CHECK(refused.message().find("another seq") != std::string::npos);
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
