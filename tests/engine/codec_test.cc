// The journal record format: round trips, and every kind of damage is caught and named.
#include <doctest/doctest.h>

#include <cstring>
#include <set>

#include "engine/codec/crc32c.h"
#include "engine/codec/event_codec.h"
#include "engine/codec/state_codec.h"
#include "tests/support/old_records.h"
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

// One event of each type, default bodies.
template <std::size_t... I>
std::vector<Event> OneOfEach(std::index_sequence<I...>) {
  std::vector<Event> events;
  (events.push_back(Event{I + 1, TestWorld::kStart, 1, std::nullopt,
                          EventBody(std::in_place_index<I>)}),
   ...);
  return events;
}

TEST_CASE("the event table: each type is named, and refused in a record older than its format") {
  const std::vector<Event> events = OneOfEach(std::make_index_sequence<kEventTypeCount>());
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < kEventTypeCount; ++i) names.insert(ToString(EventType(i)));
  CHECK(names.size() == kEventTypeCount);
  CHECK_FALSE(names.contains("Unknown"));
  CHECK(ToString(EventType::kHoldPlaced) == "HoldPlaced");
  CHECK(ToString(EventType::kSnapshotMarked) == "SnapshotMarked");
  CHECK(ToString(CommandType::kHoldSeats) == "HoldSeats");
  CHECK(ToString(CommandType::kLast) == "SetAccountStatus");
  int refused = 0;
  for (const Event& e : events) {
    const EventType t = TypeOf(e);
    if (FirstFormatOf(t) == kOldestEventFormatVersion) continue;
    CAPTURE(ToString(t));
    const uint8_t older = FirstFormatOf(t) - 1;
    const std::string rec = AsVersion(e, older);
    std::string_view in = rec;
    Event back;
    const Status s = DecodeEvent(&in, &back);
    CHECK(s.IsCorruption());
    CHECK(s.message().find("in a version " + std::to_string(older) + " record") !=
          std::string::npos);
    ++refused;
  }
  CHECK(refused == 31);  // QueueJoined (format 2) and every type after it
  CHECK(TopicOf(EventType::kSeatsReleased) == EventTopic::kReservations);
  CHECK(TopicOf(EventType::kPaymentRequested) == EventTopic::kNone);
  CHECK(AreaOf(EventType::kHoldExtended) == EventArea::kReservation);
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
  one[4] = kEventFormatVersion + 1;  // version byte
  const uint32_t len = static_cast<uint32_t>(one.size() - 8);
  const uint32_t crc = cm::crc32c::Extend(0, one.data() + 4, len);
  std::memcpy(one.data() + 4 + len, &crc, 4);
  std::string_view in = one;
  Event e;
  Status s = DecodeEvent(&in, &e);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("version " + std::to_string(kEventFormatVersion + 1)) !=
        std::string::npos);
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
  bad[0] = static_cast<char>(kStateFormatVersion + 1);
  CHECK(DecodeState(bad, EngineConfig{}).status().message().find("version") != std::string::npos);
}

namespace {

// Replaces the first `count` occurrences of `from` (8 bytes, little-endian) after `start`.
bool ReplaceFixed64(std::string* bytes, std::size_t start, uint64_t from, uint64_t to) {
  char f[8], t[8];
  std::memcpy(f, &from, 8);
  std::memcpy(t, &to, 8);
  const std::size_t at = bytes->find(std::string_view(f, 8), start);
  if (at == std::string::npos) return false;
  bytes->replace(at, 8, t, 8);
  return true;
}

}  // namespace

TEST_CASE("a snapshot naming a reservation twice, or a live one as ended, is refused") {
  // (The fuzzer found the first: the second copy replaced the first after its seats were
  // taken, so the loaded state held seats no reservation owned.)
  TestWorld w;
  const UserId a = w.AddUser("a@x.io"), b = w.AddUser("b@x.io");
  const ConcertId c = w.AddConcert(w.AddVenue(GridVenue(1, 2, 5)));
  const Event first = w.Hold(a, c, {1});
  const Event second = w.Hold(b, c, {2});
  const ReservationId r1 = std::get<HoldPlaced>(first.body).reservation;
  const ReservationId r2 = std::get<HoldPlaced>(second.body).reservation;
  std::string bytes;
  EncodeState(w.state, &bytes);
  REQUIRE(DecodeState(bytes, {}).ok());
  // Reservations are encoded as id, user, concert: find r2's and give it r1's id.
  std::string repeated = bytes;
  char pattern[16];
  std::memcpy(pattern, &r2, 8);
  std::memcpy(pattern + 8, &b, 8);
  const std::size_t at = repeated.find(std::string_view(pattern, 16));
  REQUIRE(at != std::string::npos);
  std::memcpy(repeated.data() + at, &r1, 8);
  auto loaded = DecodeState(repeated, {});
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().ToString().find("repeated") != std::string::npos);

  // An ended reservation, then the ended list pointed at a live one.
  REQUIRE(TypeOf(w.Run(w.As(b, TestWorld::kStart + 1, ReleaseHoldCmd{r2}))) ==
          EventType::kHoldReleased);
  std::string with_ended;
  EncodeState(w.state, &with_ended);
  REQUIRE(DecodeState(with_ended, {}).ok());
  // The ended list comes after every reservation: the last occurrence of r2's id is there.
  char id[8];
  std::memcpy(id, &r2, 8);
  const std::size_t last = with_ended.rfind(std::string_view(id, 8));
  REQUIRE(last != std::string::npos);
  REQUIRE(ReplaceFixed64(&with_ended, last, r2, r1));
  auto live_as_ended = DecodeState(with_ended, {});
  REQUIRE_FALSE(live_as_ended.ok());
  CHECK(live_as_ended.status().ToString().find("ended list") != std::string::npos);
}
