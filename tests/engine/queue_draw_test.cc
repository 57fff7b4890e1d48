// The waiting room's opening draw: the pre-queue joins the line a batch per tick, each drawn
// at random from who is still in the pool; later arrivals stand behind the whole pool; the draw
// is uniform; and journals written before drawn openings replay their one-shot shuffle.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "engine/codec/crc32c.h"
#include "engine/codec/event_codec.h"
#include "engine/codec/state_codec.h"
#include "engine/hash.h"
#include "engine/invariants.h"
#include "tests/support/old_records.h"
#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

constexpr TimeMs kOpen = TestWorld::kStart + 20'000;


// The drawn order of `n` pre-queued users (ids 1..n) under `seed`, straight on a room.
std::vector<UserId> DrawnOrder(uint64_t n, uint64_t seed) {
  WaitingRoom room(QueueRoom(1));
  for (UserId u = 1; u <= n; ++u) REQUIRE(room.Join(100 + u, u, 0));
  REQUIRE(room.Open(seed, OpenOrder::kDrawn, 0, 0));
  REQUIRE(room.Draw(static_cast<uint32_t>(n)));
  return room.drawn().users();
}

// Who waits in the pool, not drawn yet, ascending.
std::vector<UserId> Pool(const WaitingRoom& room) {
  std::vector<UserId> users;
  for (const auto& [u, t] : room.ticket_map())
    if (t.status == TicketStatus::kWaiting && t.place == QueueTicket::kNotPlaced)
      users.push_back(u);
  std::sort(users.begin(), users.end());
  return users;
}

// A world whose rooms are an older journal's: no entropy, so no draw is committed at creation,
// and `first` joins by an event applied as a version 17 journal would have it, before any tick
// could commit one. The room keeps the old random draw.
struct OldJournal {
  explicit OldJournal(EngineConfig config = {}) : w(config, /*first_ticks=*/false) {}
  ConcertId Room(const WaitingRoomSettings& settings, UserId first, TimeMs at) {
    const ConcertId c =
        w.AddQueuedConcert(w.AddVenue(GridVenue(1, 4, 10)), settings, kOpen, 60'000);
    Event joined;
    joined.seq = w.state.last_seq() + 1;
    joined.ts = at;
    joined.body = QueueJoined{c, first};
    REQUIRE(w.state.Apply(joined).ok());
    w.sink.events.push_back(joined);
    REQUIRE_FALSE(w.state.FindConcert(c)->room->ranked());
    return c;
  }
  TestWorld w;
};

}  // namespace

TEST_CASE("the pool joins the line a batch per tick; later arrivals stand behind all of it") {
  EngineConfig config;
  config.queue_draws_per_tick = 2;
  TestWorld w(config);
  const ConcertId c =
      w.AddQueuedConcert(w.AddVenue(GridVenue(1, 4, 10)), QueueRoom(1), kOpen, 60'000);
  const WaitingRoom& room = *w.state.FindConcert(c)->room;
  std::vector<UserId> early, late;
  for (int i = 0; i < 6; ++i) {
    early.push_back(w.AddUser("e" + std::to_string(i) + "@x.io"));
    REQUIRE(TypeOf(w.Run(w.As(early.back(), kOpen - 5'000, JoinQueueCmd{c}))) ==
            EventType::kQueueJoined);
  }
  CHECK(room.pre_queued() == 6);

  w.Tick(kOpen, 99);  // opens, draws 2, admits the first of them
  CHECK(room.opened());
  CHECK(room.drawn().size() == 2);
  CHECK(room.pre_queued() == 4);
  CHECK(room.active() == 1);
  CHECK(room.IsAdmitted(room.drawn().at(0)));
  CHECK(room.PositionOf(*room.Find(room.drawn().at(1))) == 1);
  for (UserId u : Pool(room)) CHECK(room.PositionOf(*room.Find(u)) == 0);

  // Someone arriving now stands behind the second drawn and the four still in the pool.
  late.push_back(w.AddUser("late@x.io"));
  REQUIRE(TypeOf(w.Run(w.As(late[0], kOpen + 10, JoinQueueCmd{c}))) == EventType::kQueueJoined);
  CHECK(room.PositionOf(*room.Find(late[0])) == 1 + 4 + 1);

  // Leaving the pool before being drawn: gone from the draw, and from everyone's count.
  const UserId leaver = Pool(room).front();
  REQUIRE(TypeOf(w.Run(w.As(leaver, kOpen + 20, LeaveQueueCmd{c}))) ==
          EventType::kQueueTicketsEnded);
  CHECK(room.pre_queued() == 3);
  CHECK(room.PositionOf(*room.Find(late[0])) == 1 + 3 + 1);
  CHECK(CheckInvariants(w.state).empty());

  // Admissions walk the drawn part; the late arrival waits until the pool is empty.
  std::vector<UserId> admitted_order{room.drawn().at(0)};
  TimeMs now = kOpen;
  for (int k = 0; k < 20 && room.waiting() > 0; ++k) {
    const UserId active = admitted_order.back();
    w.Run(w.As(active, now + 1, LeaveQueueCmd{c}));  // done shopping: the place frees up
    now += 100;
    w.Tick(now, 0);
    for (const auto& [u, t] : room.ticket_map())
      if (t.status == TicketStatus::kAdmitted) admitted_order.push_back(u);
    CHECK(CheckInvariants(w.state).empty());
  }
  REQUIRE(admitted_order.size() == 6);  // five of the pool, then the late arrival
  CHECK(admitted_order.back() == late[0]);
  CHECK(std::find(admitted_order.begin(), admitted_order.end(), leaver) == admitted_order.end());
  std::vector<UserId> drawn = room.drawn().users();
  CHECK(std::vector<UserId>(admitted_order.begin(), admitted_order.end() - 1) == drawn);

  // The draws replay from the events alone: the same line, the same hash.
  EngineState replayed;
  for (const Event& e : w.sink.events) REQUIRE(replayed.Apply(e).ok());
  CHECK(replayed.FindConcert(c)->room->drawn().users() == drawn);
  CHECK(StateHash(replayed) == StateHash(w.state));
}

namespace {
void HalfDrawnSurvivesSnapshot(bool committed) {
  EngineConfig config;
  config.queue_draws_per_tick = 3;
  OldJournal old(config);
  TestWorld fresh(config);
  TestWorld& w = committed ? fresh : old.w;
  const UserId first = w.AddUser("first@x.io");
  const ConcertId c =
      committed ? w.AddQueuedConcert(w.AddVenue(GridVenue(1, 4, 10)), QueueRoom(1), kOpen, 60'000)
                : old.Room(QueueRoom(1), first, kOpen - 5'000);
  if (committed) w.Run(w.As(first, kOpen - 5'000, JoinQueueCmd{c}));
  for (int i = 0; i < 11; ++i) {
    const UserId u = w.AddUser("s" + std::to_string(i) + "@x.io");
    w.Run(w.As(u, kOpen - 5'000, JoinQueueCmd{c}));
    if (i == 4) w.Run(w.As(u, kOpen - 4'000, LeaveQueueCmd{c}));  // reorders the pool
  }
  w.Tick(kOpen, 5);
  REQUIRE(w.state.FindConcert(c)->room->pre_queued() == 11 - 3);
  // One of the pool leaves after the opening: a committed draw still takes (and skips) it.
  w.Run(w.As(Pool(*w.state.FindConcert(c)->room).front(), kOpen + 1, LeaveQueueCmd{c}));
  std::string bytes;
  EncodeState(w.state, &bytes);
  auto restored = DecodeState(bytes, config);
  REQUIRE_MESSAGE(restored.ok(), restored.status().ToString());
  CHECK(StateHash(*restored.value()) == StateHash(w.state));
  CHECK(restored.value()->FindConcert(c)->room->pool() == w.state.FindConcert(c)->room->pool());
  CHECK(restored.value()->FindConcert(c)->draws == w.state.FindConcert(c)->draws);
  CHECK(Pool(*restored.value()->FindConcert(c)->room) == Pool(*w.state.FindConcert(c)->room));

  // The next draw from the restored state picks exactly who the live one picks.
  Event next;
  next.seq = w.state.last_seq() + 1;
  next.ts = kOpen + 100;
  next.body = QueueDrawn{c, 3};
  REQUIRE(w.state.Apply(next).ok());
  REQUIRE(restored.value()->Apply(next).ok());
  CHECK(restored.value()->FindConcert(c)->room->drawn().users() ==
        w.state.FindConcert(c)->room->drawn().users());
  CHECK(restored.value()->FindConcert(c)->draws == w.state.FindConcert(c)->draws);
  CHECK(StateHash(*restored.value()) == StateHash(w.state));
  CHECK(CheckInvariants(w.state).empty());
  CHECK(CheckInvariants(*restored.value()).empty());

  // A pool that names someone twice, or someone not waiting, is refused.
  WaitingRoomParts twice;
  twice.opened = true;
  QueueTicket t;
  t.id = 1;
  t.user = 7;
  twice.tickets = {t};
  twice.pool = {7, 7};
  WaitingRoom room(QueueRoom(1));
  CHECK_FALSE(room.Restore(twice));
  WaitingRoomParts stranger = twice;
  stranger.pool = {8};
  WaitingRoom room2(QueueRoom(1));
  CHECK_FALSE(room2.Restore(stranger));
}
}  // namespace

TEST_CASE("a room half drawn survives a snapshot, and draws on the same way after it") {
  SUBCASE("a committed draw") { HalfDrawnSurvivesSnapshot(true); }
  SUBCASE("an older journal's random draw") { HalfDrawnSurvivesSnapshot(false); }
}

TEST_CASE("the draw is uniform: every order of four early arrivals comes up alike") {
  std::map<std::vector<UserId>, int> seen;
  constexpr int kTrials = 4800;  // 200 per order expected
  for (uint64_t seed = 1; seed <= kTrials; ++seed) ++seen[DrawnOrder(4, cm::engine::Mix64(seed))];
  CHECK(seen.size() == 24);
  for (const auto& [order, count] : seen) {
    CAPTURE(count);
    CHECK(count > 140);  // about four standard deviations either side
    CHECK(count < 260);
  }
  // Arriving first gives no edge: the first arrival is first about a quarter of the time.
  int first_first = 0;
  for (const auto& [order, count] : seen)
    if (order.front() == 1) first_first += count;
  CHECK(first_first > kTrials / 4 - 150);
  CHECK(first_first < kTrials / 4 + 150);
  CHECK(DrawnOrder(50, 7) == DrawnOrder(50, 7));
  CHECK(DrawnOrder(50, 7) != DrawnOrder(50, 8));
}

TEST_CASE("a draw the room cannot make is refused: before opening, none, or more than the pool") {
  WaitingRoom room(QueueRoom(1));
  REQUIRE(room.Join(10, 1, 0));
  REQUIRE(room.Join(11, 2, 0));
  CHECK_FALSE(room.Draw(1));  // not open
  REQUIRE(room.Open(3, OpenOrder::kDrawn, 0, 0));
  CHECK_FALSE(room.Draw(0));
  CHECK_FALSE(room.Draw(3));
  CHECK(room.Draw(2));
  CHECK_FALSE(room.Draw(1));
  CHECK(room.in_line() == 2);
}

TEST_CASE("journals before version 5 open their rooms as they did: all shuffled at once") {
  OldJournal old;
  TestWorld& w = old.w;
  std::vector<UserId> early{w.AddUser("v0@x.io")};
  const ConcertId c = old.Room(QueueRoom(1), early[0], kOpen - 5'000);
  for (int i = 1; i < 30; ++i) {
    early.push_back(w.AddUser("v" + std::to_string(i) + "@x.io"));
    w.Run(w.As(early.back(), kOpen - 5'000 + i, JoinQueueCmd{c}));
  }
  // A version 4 QueueOpened record: no order byte. It decodes as the one-shot shuffle.
  Event opened;
  opened.seq = w.state.last_seq() + 1;
  opened.ts = kOpen;
  opened.body = QueueOpened{c, 4242, OpenOrder::kDrawn};
  const std::string v4 = AsVersion(opened, 4, 1);
  std::string_view in = v4;
  Event decoded;
  REQUIRE(DecodeEvent(&in, &decoded).ok());
  REQUIRE(std::get<QueueOpened>(decoded.body).order == OpenOrder::kShuffledAtOnce);
  REQUIRE(w.state.Apply(decoded).ok());

  // The old algorithm: Fisher-Yates with SplitMix64 over the pre-queue sorted by user.
  std::vector<UserId> want = early;
  std::sort(want.begin(), want.end());
  uint64_t state = 4242;
  for (std::size_t i = want.size(); i > 1; --i) {
    state += 0x9e3779b97f4a7c15ULL;
    std::swap(want[i - 1], want[cm::engine::Mix64(state) % i]);
  }
  const WaitingRoom& room = *w.state.FindConcert(c)->room;
  CHECK(room.drawn().users() == want);
  CHECK(room.pre_queued() == 0);
  CHECK(room.PositionOf(*room.Find(want[0])) == 1);
  CHECK(CheckInvariants(w.state).empty());

  // A version 4 record of a type that version did not have is refused; so is a bad order.
  Event drawn = opened;
  drawn.body = QueueDrawn{c, 1};
  const std::string old_drawn = AsVersion(drawn, 4, 0);
  in = old_drawn;
  const Status s = DecodeEvent(&in, &decoded);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("version 4") != std::string::npos);
  std::string bad_order;
  EncodeEvent(opened, &bad_order);
  bad_order[bad_order.size() - 5] = 3;  // the order byte, just before the crc: no such order
  const uint32_t len = static_cast<uint32_t>(bad_order.size() - 8);
  const uint32_t crc = cm::crc32c::Value(std::string_view(bad_order.data() + 4, len));
  std::memcpy(bad_order.data() + 4 + len, &crc, 4);
  in = bad_order;
  CHECK(DecodeEvent(&in, &decoded).IsCorruption());
}
