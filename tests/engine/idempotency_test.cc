// A command retried with its idempotency key gets the first answer; the key is bounded in time
// and in number.
#include <doctest/doctest.h>

#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

Command WithKey(Command c, const char* key) {
  c.has_idem = true;
  c.idem = IdemKeyFromString(key);
  return c;
}

struct Fixture {
  explicit Fixture(EngineConfig config = {}) : w(config) {}
  TestWorld w;
  UserId alice = w.AddUser("alice@example.com");
  UserId bob = w.AddUser("bob@example.com");
  ConcertId concert = w.AddConcert(w.AddVenue(GridVenue(1, 2, 8)));

  Command HoldCmd(UserId u, std::vector<SeatIndex> seats, TimeMs at, const char* key) {
    HoldSeatsCmd h;
    h.concert = concert;
    for (SeatIndex s : seats) h.seats.push_back(s);
    h.requested = static_cast<uint8_t>(seats.size());
    return WithKey(w.As(u, at, h), key);
  }
};

}  // namespace

TEST_CASE_FIXTURE(Fixture, "a retried hold returns the first answer and holds nothing more") {
  Event first = w.Run(HoldCmd(alice, {0, 1}, TestWorld::kStart, "k1"));
  REQUIRE(TypeOf(first) == EventType::kHoldPlaced);
  REQUIRE(first.idem.has_value());
  Event retry = w.Run(HoldCmd(alice, {0, 1}, TestWorld::kStart + 5, "k1"));
  REQUIRE(TypeOf(retry) == EventType::kDuplicateCommand);
  const auto& d = std::get<DuplicateCommand>(retry.body);
  CHECK(d.original_seq == first.seq);
  CHECK(d.code == ResultCode::kOk);
  CHECK(d.ref == std::get<HoldPlaced>(first.body).reservation);
  CHECK(w.state.FindConcert(concert)->seats.held() == 2);
  CHECK(w.state.reservations().size() == 1);
}

TEST_CASE_FIXTURE(Fixture, "a retried rejection is rejected the same way") {
  w.Hold(bob, concert, {0});
  Event first = w.Run(HoldCmd(alice, {0}, TestWorld::kStart, "k"));
  REQUIRE(CodeOf(first) == ResultCode::kSeatNotAvailable);
  Event retry = w.Run(HoldCmd(alice, {0}, TestWorld::kStart, "k"));
  CHECK(TypeOf(retry) == EventType::kDuplicateCommand);
  CHECK(CodeOf(retry) == ResultCode::kSeatNotAvailable);
}

TEST_CASE_FIXTURE(Fixture, "the same key with a different request is refused") {
  w.Run(HoldCmd(alice, {0}, TestWorld::kStart, "k"));
  Event e = w.Run(HoldCmd(alice, {1}, TestWorld::kStart, "k"));
  CHECK(CodeOf(e) == ResultCode::kIdempotencyKeyReused);
  CHECK(w.state.FindConcert(concert)->seats.held() == 1);
}

TEST_CASE_FIXTURE(Fixture, "keys belong to their user") {
  w.Run(HoldCmd(alice, {0}, TestWorld::kStart, "shared"));
  Event e = w.Run(HoldCmd(bob, {1}, TestWorld::kStart, "shared"));
  CHECK(TypeOf(e) == EventType::kHoldPlaced);
}

TEST_CASE_FIXTURE(Fixture, "a key is forgotten when its TTL has passed") {
  w.Run(HoldCmd(alice, {0}, TestWorld::kStart, "k"));
  const TimeMs later = TestWorld::kStart + w.state.config().idempotency_ttl_ms;
  // The key is free again, so the command is decided anew: by now sales have closed.
  Event e = w.Run(HoldCmd(alice, {0}, later, "k"));
  CHECK(TypeOf(e) == EventType::kCommandRejected);
  CHECK(CodeOf(e) == ResultCode::kSalesClosed);
}

TEST_CASE_FIXTURE(Fixture, "a key whose TTL has passed leaves the table") {
  w.Run(HoldCmd(alice, {0}, TestWorld::kStart, "k"));
  CHECK(w.state.idempotency().size() == 1);
  const TimeMs later = TestWorld::kStart + w.state.config().idempotency_ttl_ms;
  w.Run(w.AsAdmin(later, ReleaseHoldCmd{}));  // any event moves the clock
  CHECK(w.state.idempotency().size() == 0);
}

TEST_CASE("the table keeps at most its capacity, dropping the oldest keys first") {
  EngineConfig config;
  config.idempotency_capacity = 3;
  Fixture f(config);
  const char* keys[] = {"a", "b", "c", "d"};
  for (int i = 0; i < 4; ++i) f.w.Run(f.HoldCmd(f.alice, {static_cast<SeatIndex>(i)},
                                                TestWorld::kStart, keys[i]));
  CHECK(f.w.state.idempotency().size() == 3);
  f.w.Run(f.w.AsAdmin(TestWorld::kStart, ReleaseHoldCmd{}));  // any event
  // "a" was evicted, so reusing it acts again (and hits the per-user limit: 4 seats held).
  CHECK(CodeOf(f.w.Run(f.HoldCmd(f.alice, {9}, TestWorld::kStart, "a"))) ==
        ResultCode::kSeatLimitExceeded);
  CHECK(TypeOf(f.w.Run(f.HoldCmd(f.alice, {3}, TestWorld::kStart, "d"))) ==
        EventType::kDuplicateCommand);
}
