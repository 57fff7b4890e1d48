// The journal record format: round trips, and every kind of damage is caught and named.
#include <doctest/doctest.h>

#include <cstring>

#include "engine/crc32c.h"
#include "engine/event_codec.h"
#include "engine/state_codec.h"
#include "tests/support/random_commands.h"
#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

std::string SomeRecords(std::vector<Event>* events) {
  TestWorld w;
  const UserId u = w.AddUser("u@x.io");
  const ConcertId c = w.AddConcert(w.AddVenue(GridVenue(2, 2, 4)));
  w.Hold(u, c, {0, 1});
  w.Hold(u, c, {1});  // rejected: names the seat
  w.Run(w.As(u, TestWorld::kStart, StartSessionCmd{TokenDigest{5, 6}, TestWorld::kStart + 9}));
  w.Run(w.As(0, TestWorld::kStart, RefreshSessionCmd{TokenDigest{5, 6}, TokenDigest{7, 8},
                                                     TestWorld::kStart + 99}));
  w.Run(w.As(0, TestWorld::kStart, EndSessionCmd{TokenDigest{7, 8}}));
  std::string bytes;
  for (const Event& e : w.sink.events) EncodeEvent(e, &bytes);
  *events = w.sink.events;
  return bytes;
}

}  // namespace

TEST_CASE("every event type round-trips through the codec") {
  std::vector<Event> events;
  std::string bytes = SomeRecords(&events);
  std::string_view in = bytes;
  for (const Event& want : events) {
    Event got;
    REQUIRE(DecodeEvent(&in, &got).ok());
    std::string a, b;
    EncodeEvent(want, &a);
    EncodeEvent(got, &b);
    CHECK(a == b);
    CHECK(got.seq == want.seq);
    CHECK(TypeOf(got) == TypeOf(want));
  }
  CHECK(in.empty());
}

TEST_CASE("a flipped byte anywhere in a record is a checksum error naming the seq") {
  std::vector<Event> events;
  const std::string bytes = SomeRecords(&events);
  std::string one;
  EncodeEvent(events.back(), &one);
  for (std::size_t i = 4 + 10; i < one.size(); ++i) {  // past the length and the seq
    std::string bad = one;
    bad[i] ^= 0x20;
    std::string_view in = bad;
    Event e;
    Status s = DecodeEvent(&in, &e);
    REQUIRE(s.IsCorruption());
    CHECK(s.message().find("seq " + std::to_string(events.back().seq)) != std::string::npos);
  }
}

TEST_CASE("a truncated record is refused, never read as an event") {
  std::vector<Event> events;
  const std::string bytes = SomeRecords(&events);
  std::string one;
  EncodeEvent(events.front(), &one);
  for (std::size_t len = 0; len < one.size(); ++len) {
    std::string_view in(one.data(), len);
    Event e;
    CHECK(DecodeEvent(&in, &e).IsCorruption());
  }
}

TEST_CASE("an unknown format version is refused even with a valid checksum") {
  std::vector<Event> events;
  SomeRecords(&events);
  std::string one;
  EncodeEvent(events.front(), &one);
  one[4] = 9;  // version byte
  const uint32_t len = static_cast<uint32_t>(one.size() - 8);
  const uint32_t crc = cm::crc32c::Extend(0, one.data() + 4, len);
  std::memcpy(one.data() + 4 + len, &crc, 4);
  std::string_view in = one;
  Event e;
  Status s = DecodeEvent(&in, &e);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("version 9") != std::string::npos);
}

TEST_CASE("a damaged snapshot payload is refused") {
  EngineState live;
  Sequencer sequencer(live);
  CollectingSink sink;
  RandomCommands(3).Drive(sequencer, sink, 200);
  std::string bytes;
  EncodeState(live, &bytes);
  CHECK_FALSE(DecodeState(bytes.substr(0, bytes.size() - 3), EngineConfig{}).ok());
  CHECK_FALSE(DecodeState(bytes + "x", EngineConfig{}).ok());
  std::string bad = bytes;
  bad[0] = 7;
  CHECK(DecodeState(bad, EngineConfig{}).status().message().find("version") != std::string::npos);
}
