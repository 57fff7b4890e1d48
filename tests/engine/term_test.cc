// Terms (replication): a promoted leader starts a higher term with TermStarted; every event
// carries its leader's term; the state refuses an event of another term; the journal format
// and the snapshot keep the term, and older records read as term 0.
#include <doctest/doctest.h>

#include "engine/codec/event_codec.h"
#include "engine/codec/state_codec.h"
#include "tests/support/old_records.h"
#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

constexpr TimeMs kT = TestWorld::kStart;

Command AsSystem(TimeMs now, CommandBody body) {
  Command c;
  c.now = now;
  c.actor_role = Role::kSystem;
  c.body = std::move(body);
  return c;
}

Event RoundTrip(const Event& e) {
  std::string rec;
  EncodeEvent(e, &rec);
  std::string_view in = rec;
  Event out;
  REQUIRE(DecodeEvent(&in, &out).ok());
  CHECK(in.empty());
  return out;
}

}  // namespace

TEST_CASE("only the server starts a term, and only a higher one") {
  TestWorld w;
  const UserId alice = w.AddUser("alice@example.com");
  CHECK(w.state.term() == 0);

  CHECK(CodeOf(w.Run(w.As(alice, kT, StartTermCmd{1, "http://a"}))) == ResultCode::kForbidden);
  Command by_admin = w.As(alice, kT, StartTermCmd{1, "http://a"});
  by_admin.actor_role = Role::kAdmin;
  CHECK(CodeOf(w.Run(by_admin)) == ResultCode::kForbidden);
  CHECK(CodeOf(w.Run(AsSystem(kT, StartTermCmd{0, "http://a"}))) ==
        ResultCode::kInvalidArgument);
  CHECK(w.state.term() == 0);

  const Event started = w.Run(AsSystem(kT, StartTermCmd{3, "http://b:8080"}));
  REQUIRE(TypeOf(started) == EventType::kTermStarted);
  CHECK(started.term == 3);
  CHECK(std::get<TermStarted>(started.body).leader == "http://b:8080");
  CHECK(w.state.term() == 3);
  // The same term again, or an older one, is refused with the current term as detail.
  const Event again = w.Run(AsSystem(kT, StartTermCmd{3, "http://c"}));
  CHECK(CodeOf(again) == ResultCode::kInvalidArgument);
  CHECK(std::get<CommandRejected>(again.body).detail == 3);
  CHECK(CodeOf(w.Run(AsSystem(kT, StartTermCmd{2, "http://c"}))) ==
        ResultCode::kInvalidArgument);

  // Every event from now on carries term 3, rejections and expiries included.
  const ConcertId concert = w.AddConcert(w.AddVenue(GridVenue(1, 2, 10)));
  const Event hold = w.Hold(alice, concert, {1}, kT);
  CHECK(hold.term == 3);
  w.Tick(kT + kDefaultHoldTtlMs + 1);
  for (const Event& e : w.sink.events)
    if (e.seq > started.seq) CHECK(e.term == 3);
}

TEST_CASE("the state refuses an event of another term, and a term that does not grow") {
  TestWorld w;
  w.Run(AsSystem(kT, StartTermCmd{2, "http://a"}));
  const UserId alice = w.AddUser("alice@example.com");
  (void)alice;

  Event stale;
  stale.seq = w.state.last_seq() + 1;
  stale.ts = kT;
  stale.term = 1;  // a fenced-off leader's
  stale.body = SalesOpened{1};
  const Status s = w.state.Apply(stale);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("an event of term 1 in term 2") != std::string::npos);

  Event ahead = stale;
  ahead.term = 3;  // a term must start with TermStarted
  CHECK(w.state.Apply(ahead).IsCorruption());

  Event restart;
  restart.seq = w.state.last_seq() + 1;
  restart.ts = kT;
  restart.term = 2;
  restart.body = TermStarted{2, "http://b"};
  CHECK(w.state.Apply(restart).IsCorruption());
  restart.term = 4;  // the event's term must be the one it starts
  restart.body = TermStarted{5, "http://b"};
  CHECK(w.state.Apply(restart).IsCorruption());
  CHECK(w.state.term() == 2);
}

TEST_CASE("records keep the term; version 6 records read as term 0") {
  Event e;
  e.seq = 42;
  e.ts = kT;
  e.term = 300;  // more than one varint byte
  e.body = HoldExpired{7, 8, 9};
  CHECK(RoundTrip(e).term == 300);

  Event started;
  started.seq = 43;
  started.ts = kT;
  started.term = 301;
  started.body = TermStarted{301, "http://standby-2:8080"};
  const Event back = RoundTrip(started);
  CHECK(back.term == 301);
  CHECK(std::get<TermStarted>(back.body).term == 301);
  CHECK(std::get<TermStarted>(back.body).leader == "http://standby-2:8080");

  // The same HoldExpired as a version 6 writer wrote it.
  e.term = 0;
  const std::string v6 = AsVersion(e, 6);
  std::string_view in = v6;
  Event old;
  REQUIRE(DecodeEvent(&in, &old).ok());
  CHECK(old.term == 0);
  CHECK(std::get<HoldExpired>(old.body).reservation == 7);

  // A TermStarted in a version 6 record cannot be: no writer of that version made one.
  started.term = 0;
  started.body = TermStarted{0, ""};
  const std::string bad = AsVersion(started, 6);
  std::string_view bad_in = bad;
  const Status s = DecodeEvent(&bad_in, &old);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("in a version 6 record") != std::string::npos);
}

TEST_CASE("a snapshot keeps the term; a version 7 snapshot reads as term 0") {
  TestWorld w;
  w.Run(AsSystem(kT, StartTermCmd{9, "http://a"}));
  w.AddUser("alice@example.com");
  std::string bytes;
  EncodeState(w.state, &bytes);
  auto restored = DecodeState(bytes, w.state.config());
  REQUIRE(restored.ok());
  CHECK(restored.value()->term() == 9);
  CHECK(StateHash(*restored.value()) == StateHash(w.state));

  // Version 7 had no term (nor version 8's timelines): the same bytes without them.
  TestWorld before;
  before.AddUser("bob@example.com");
  std::string v9;
  EncodeState(before.state, &v9, 9);
  std::string v7 = v9;
  v7[0] = 7;
  v7.erase(1 + 8 + 8, 8 + 1);  // the term, and the empty timelines' count
  auto old = DecodeState(v7, before.state.config());
  REQUIRE_MESSAGE(old.ok(), old.status().ToString());
  CHECK(old.value()->term() == 0);
  CHECK(old.value()->last_seq() == before.state.last_seq());
}
