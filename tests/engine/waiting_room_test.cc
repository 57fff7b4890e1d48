// The waiting room's rules: one place per user, shuffled pre-queue then FIFO, the cap and the
// rate, abandonment, lapses (a hard end that holds do not move), and holds that need an
// admission. The property test drives random arrivals and departures through the sequencer
// and checks every rule after every step.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "engine/invariants.h"
#include "engine/codec/state_codec.h"
#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

constexpr TimeMs kOpen = TestWorld::kStart + 20'000;  // sales open 20 s in

WaitingRoomSettings Room(uint32_t cap, uint32_t rate, TimeMs ttl) {
  WaitingRoomSettings r;
  r.enabled = true;
  r.max_active = cap;
  r.admit_per_second = rate;
  r.admission_ttl_ms = ttl;
  r.pre_queue_ms = 10'000;
  r.abandon_after_ms = 30'000;
  return r;
}

struct Fixture {
  TestWorld w;
  VenueId venue = w.AddVenue(GridVenue(1, 4, 10));
  ConcertId concert = w.AddQueuedConcert(venue, Room(2, 100, 10'000), kOpen, 60'000);
  std::vector<UserId> users;

  Fixture() {
    for (int i = 0; i < 6; ++i) users.push_back(w.AddUser("u" + std::to_string(i) + "@x.io"));
  }
  const WaitingRoom& room() const { return *w.state.FindConcert(concert)->room; }
  Event Join(UserId u, TimeMs at) { return w.Run(w.As(u, at, JoinQueueCmd{concert})); }
  Event Leave(UserId u, TimeMs at) { return w.Run(w.As(u, at, LeaveQueueCmd{concert})); }
  TicketStatus StatusOf(UserId u) const { return room().Find(u)->status; }
};

}  // namespace

TEST_CASE_FIXTURE(Fixture, "joining: window, one place per user, a new place after leaving") {
  CHECK(CodeOf(Join(users[0], kOpen - 10'001)) == ResultCode::kQueueNotOpenYet);
  const Event first = Join(users[0], kOpen - 10'000);
  REQUIRE(TypeOf(first) == EventType::kQueueJoined);
  const Event again = Join(users[0], kOpen - 9'000);
  CHECK(CodeOf(again) == ResultCode::kAlreadyInQueue);
  CHECK(std::get<CommandRejected>(again.body).detail == first.seq);
  CHECK(room().waiting() == 1);
  CHECK(room().Find(users[0])->id == first.seq);

  CHECK(TypeOf(Leave(users[0], kOpen - 8'000)) == EventType::kQueueTicketsEnded);
  CHECK(StatusOf(users[0]) == TicketStatus::kLeft);
  CHECK(CodeOf(Leave(users[0], kOpen - 7'000)) == ResultCode::kNotInQueue);
  const Event rejoined = Join(users[0], kOpen - 6'000);
  REQUIRE(TypeOf(rejoined) == EventType::kQueueJoined);
  CHECK(room().Find(users[0])->id == rejoined.seq);
  CHECK(room().waiting() == 1);

  const ConcertId plain = w.AddConcert(venue);
  CHECK(CodeOf(w.Run(w.As(users[1], kOpen, JoinQueueCmd{plain}))) ==
        ResultCode::kQueueNotEnabled);
  CHECK(CodeOf(w.Run(w.As(users[1], kOpen, JoinQueueCmd{999}))) == ResultCode::kUnknownConcert);
}

TEST_CASE_FIXTURE(Fixture, "the room opens with sales, admits up to the cap, then as people leave") {
  for (UserId u : users) Join(u, kOpen + 100);  // after opening time, before the first tick
  CHECK(room().pre_queued() == 6);              // not opened until a tick sees sales open
  w.Tick(kOpen + 200, 42);
  CHECK(room().opened());
  CHECK(room().active() == 2);
  CHECK(room().waiting() == 4);
  // Positions count who is still waiting ahead.
  std::vector<uint64_t> positions;
  for (UserId u : users)
    if (StatusOf(u) == TicketStatus::kWaiting) positions.push_back(room().PositionOf(*room().Find(u)));
  std::sort(positions.begin(), positions.end());
  CHECK(positions == std::vector<uint64_t>{1, 2, 3, 4});

  UserId admitted = 0;
  for (UserId u : users)
    if (StatusOf(u) == TicketStatus::kAdmitted) admitted = u;
  Leave(admitted, kOpen + 300);
  CHECK(room().active() == 1);
  w.Tick(kOpen + 400);
  CHECK(room().active() == 2);
  CHECK(room().waiting() == 3);
}

TEST_CASE_FIXTURE(Fixture, "holds need an admission; holds do not extend it; buying completes it") {
  w.Tick(kOpen, 1);
  Join(users[0], kOpen + 10);
  Join(users[1], kOpen + 20);
  Join(users[2], kOpen + 30);
  Event refused = w.Hold(users[0], concert, {0}, kOpen + 40);
  CHECK(CodeOf(refused) == ResultCode::kQueueAdmissionRequired);
  w.Tick(kOpen + 100);
  CHECK(StatusOf(users[0]) == TicketStatus::kAdmitted);  // FIFO
  CHECK(StatusOf(users[1]) == TicketStatus::kAdmitted);
  CHECK(StatusOf(users[2]) == TicketStatus::kWaiting);
  CHECK(CodeOf(w.Hold(users[2], concert, {5}, kOpen + 150)) ==
        ResultCode::kQueueAdmissionRequired);

  const Event held = w.Hold(users[0], concert, {0, 1}, kOpen + 200);
  REQUIRE(TypeOf(held) == EventType::kHoldPlaced);
  // Buying ends the admission at once, so the next in line gets the place.
  const Event held_by_1 = w.Hold(users[1], concert, {8}, kOpen + 300);
  REQUIRE(TypeOf(held_by_1) == EventType::kHoldPlaced);
  const ReservationId id = std::get<HoldPlaced>(held.body).reservation;
  w.Run(w.AsAdmin(kOpen + 400, ConfirmReservationCmd{id}));
  CHECK(w.state.FindReservation(id)->status == ReservationStatus::kConfirmed);
  CHECK(StatusOf(users[0]) == TicketStatus::kCompleted);
  CHECK(room().active() == 1);
  w.Tick(kOpen + 1'500);
  CHECK(StatusOf(users[2]) == TicketStatus::kAdmitted);  // took the freed place

  // The admission time (10 s) is a hard end: user 1 lapses although holding a seat. The hold
  // itself stays (payable until its own expiry), but no new hold is taken.
  w.Tick(kOpen + 10'100);
  CHECK(StatusOf(users[1]) == TicketStatus::kExpired);
  CHECK(room().Find(users[1])->end == TicketEnd::kLapsed);
  const ReservationId kept = std::get<HoldPlaced>(held_by_1.body).reservation;
  CHECK(w.state.FindReservation(kept)->status == ReservationStatus::kHeld);
  CHECK(CodeOf(w.Hold(users[1], concert, {9}, kOpen + 10'200)) ==
        ResultCode::kQueueAdmissionRequired);
  CHECK(CheckInvariants(w.state).empty());
}

TEST_CASE_FIXTURE(Fixture, "rolling holds cannot keep an admission past its hard end") {
  w.Tick(kOpen, 1);
  for (UserId u : users) Join(u, kOpen);
  w.Tick(kOpen + 100);  // users 0 and 1 admitted (cap 2)
  REQUIRE(StatusOf(users[0]) == TicketStatus::kAdmitted);
  REQUIRE(StatusOf(users[2]) == TicketStatus::kWaiting);
  // User 0 keeps releasing and re-holding (different seats, so no cooldown is involved).
  TimeMs now = kOpen + 1'000;
  for (SeatIndex seat = 0; seat < 8; ++seat, now += 1'200) {
    const Event held = w.Hold(users[0], concert, {seat}, now);
    REQUIRE(TypeOf(held) == EventType::kHoldPlaced);
    w.Run(w.As(users[0], now + 100, ReleaseHoldCmd{std::get<HoldPlaced>(held.body).reservation}));
    w.Tick(now + 200);
  }
  w.Tick(kOpen + 10'100);  // the admission's 10 s are up, holds or not
  CHECK(StatusOf(users[0]) == TicketStatus::kExpired);
  CHECK(StatusOf(users[2]) == TicketStatus::kAdmitted);  // the next in line moved up
  CHECK(CodeOf(w.Hold(users[0], concert, {20}, kOpen + 10'200)) ==
        ResultCode::kQueueAdmissionRequired);
  CHECK(CheckInvariants(w.state).empty());
}

TEST_CASE_FIXTURE(Fixture, "abandonment: only waiting places, only from the system") {
  w.Tick(kOpen, 1);
  for (UserId u : users) Join(u, kOpen + 10);
  w.Tick(kOpen + 100);  // users 0 and 1 admitted
  Command forged = w.As(users[5], kOpen + 200, AbandonQueueTicketsCmd{concert, {users[4]}});
  CHECK(CodeOf(w.Run(forged)) == ResultCode::kForbidden);
  Command sweep = w.AsAdmin(kOpen + 200,
                            AbandonQueueTicketsCmd{concert, {users[0], users[3], users[3], 999}});
  const Event e = w.Run(sweep);
  REQUIRE(TypeOf(e) == EventType::kQueueTicketsEnded);
  CHECK(std::get<QueueTicketsEnded>(e.body).users == std::vector<UserId>{users[3]});
  CHECK(StatusOf(users[3]) == TicketStatus::kExpired);
  CHECK(room().Find(users[3])->end == TicketEnd::kAbandoned);
  CHECK(StatusOf(users[0]) == TicketStatus::kAdmitted);
  CHECK(room().PositionOf(*room().Find(users[4])) == 2);  // 2, 4, 5 were waiting; 3 left
}

TEST_CASE("the pre-queue is drawn by the seed committed at creation: same seed, same order") {
  // `entropy`: the tick before the concert is created, which its draw's secrets come from;
  // `opening`: the tick that opens the room, which changes nothing.
  auto line_after = [](uint64_t entropy, uint64_t opening = 1) {
    TestWorld w({}, /*first_ticks=*/false);
    for (uint64_t i = 0; i < Sequencer::kEntropyTicks; ++i)
      w.Tick(TestWorld::kStart - 1, entropy + 100 * i);
    const VenueId venue = w.AddVenue(GridVenue(1, 2, 10));
    const ConcertId c = w.AddQueuedConcert(venue, Room(1, 1, 1'000), kOpen);
    std::vector<UserId> users;
    for (int i = 0; i < 40; ++i) {
      users.push_back(w.AddUser("p" + std::to_string(i) + "@x.io"));
      w.Run(w.As(users.back(), kOpen - 5'000 + i, JoinQueueCmd{c}));
    }
    w.Tick(kOpen, opening);
    const WaitingRoom& room = *w.state.FindConcert(c)->room;
    std::vector<UserId> order(users.size());
    for (UserId u : users) {
      const QueueTicket& t = *room.Find(u);
      order[t.status == TicketStatus::kAdmitted ? 0 : room.PositionOf(t)] = u;
    }
    return std::make_pair(order, users);
  };
  const auto [a, arrival] = line_after(7);
  const auto [b, unused] = line_after(7);
  const auto [c, unused2] = line_after(8);
  const auto [d, unused3] = line_after(7, 99);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a == d);
  CHECK(a != arrival);  // 40! orders: arrival order back would mean no shuffle
  std::vector<UserId> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == arrival);  // everyone once
}

// Random arrivals, departures, abandonment, holds and purchases; every rule checked after every
// step against a model of the line.
TEST_CASE("property: FIFO after opening, one place each, cap and rate kept, lapses and abandonment") {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    auto pick = [&](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); };
    // A few draws per tick, so the line often has an undrawn pool ahead of later arrivals.
    EngineConfig config;
    config.queue_draws_per_tick = 1 + static_cast<uint32_t>(pick(3));
    TestWorld w(config);
    const VenueId venue = w.AddVenue(GridVenue(1, 6, 10));
    const uint32_t cap = 1 + static_cast<uint32_t>(pick(4));
    const uint32_t rate = 1 + static_cast<uint32_t>(pick(3));
    const TimeMs ttl = 500 + static_cast<TimeMs>(pick(3'000));
    const ConcertId c = w.AddQueuedConcert(venue, Room(cap, rate, ttl), kOpen, 60'000);
    const WaitingRoom& room = *w.state.FindConcert(c)->room;
    std::vector<UserId> users;
    for (int i = 0; i < 30; ++i) users.push_back(w.AddUser("r" + std::to_string(i) + "@x.io"));

    // The model: the pool (no order), the drawn part of the line and the part that joined
    // after opening, each waiting user in order. The pool stands ahead of the late part.
    std::set<UserId> model_pool;
    std::vector<UserId> model_drawn, model_late;
    std::multiset<TimeMs> admission_times;
    std::map<UserId, ReservationId> holds;
    std::size_t seen = w.sink.events.size();
    std::size_t drawn_seen = 0, order_seen = 0;
    bool opened_seen = false;
    // Left the pool after the opening: still in the draw, which takes and skips them.
    std::set<UserId> model_left_undrawn;
    REQUIRE(room.ranked());
    auto check_events = [&](TimeMs now, bool ticked) {
      for (; seen < w.sink.events.size(); ++seen) {
        const Event& e = w.sink.events[seen];
        if (const auto* drawn = std::get_if<QueueDrawn>(&e.body)) {
          // The draw's order says who; those still waiting join the drawn part of the line,
          // which only grows.
          REQUIRE(drawn->count <= model_pool.size() + model_left_undrawn.size());
          for (uint32_t k = 0; k < drawn->count; ++k) {
            const UserId u = room.draw()->order.at(order_seen++);
            if (model_pool.erase(u) == 1) {
              CHECK(room.drawn().at(drawn_seen++) == u);
              model_drawn.push_back(u);
            } else {
              CHECK(model_left_undrawn.erase(u) == 1);
            }
          }
        } else if (const auto* joined = std::get_if<QueueJoined>(&e.body)) {
          (opened_seen ? model_late.push_back(joined->user)
                       : static_cast<void>(model_pool.insert(joined->user)));
        } else if (std::holds_alternative<QueueOpened>(e.body)) {
          opened_seen = true;
        } else if (const auto* admitted = std::get_if<QueueAdmitted>(&e.body)) {
          // FIFO: exactly the front of the line, in order; nobody behind the undrawn pool.
          std::vector<UserId> line = model_drawn;
          if (model_pool.empty()) line.insert(line.end(), model_late.begin(), model_late.end());
          REQUIRE(admitted->users.size() <= line.size());
          CHECK(std::equal(admitted->users.begin(), admitted->users.end(), line.begin()));
          for (UserId u : admitted->users) {
            std::erase(model_drawn, u);
            std::erase(model_late, u);
          }
          for (std::size_t k = 0; k < admitted->users.size(); ++k) admission_times.insert(e.ts);
          // The rate: admissions in any one-second window ending here.
          const auto window = std::distance(admission_times.upper_bound(e.ts - 1000),
                                            admission_times.end());
          CHECK(window <= static_cast<long>(rate));
        } else if (const auto* ended = std::get_if<QueueTicketsEnded>(&e.body)) {
          for (UserId u : ended->users) {
            if (model_pool.erase(u) == 1 && opened_seen) model_left_undrawn.insert(u);
            std::erase(model_drawn, u);
            std::erase(model_late, u);
          }
        }
      }
      CHECK(room.active() <= cap);
      // Lapses: after a tick, nobody admitted is past the admission's hard end.
      for (const auto& [u, t] : room.ticket_map())
        if (ticked && t.status == TicketStatus::kAdmitted) CHECK(t.admission_expires_at > now);
      // Positions follow the model's line; the pool has none yet and stands ahead of the rest.
      for (std::size_t k = 0; k < model_drawn.size(); ++k)
        CHECK(room.PositionOf(*room.Find(model_drawn[k])) == k + 1);
      for (UserId u : model_pool) CHECK(room.PositionOf(*room.Find(u)) == 0);
      for (std::size_t k = 0; k < model_late.size(); ++k)
        CHECK(room.PositionOf(*room.Find(model_late[k])) ==
              model_drawn.size() + model_pool.size() + k + 1);
      CHECK(room.pre_queued() == model_pool.size());
      const auto problems = CheckInvariants(w.state);
      CHECK_MESSAGE(problems.empty(), problems.front());
    };

    TimeMs now = kOpen - 8'000;
    for (int step = 0; step < 600; ++step) {
      now += static_cast<TimeMs>(pick(150));
      const UserId u = users[pick(users.size())];
      const QueueTicket* t = room.Find(u);
      const bool live = t != nullptr && (t->status == TicketStatus::kWaiting ||
                                         t->status == TicketStatus::kAdmitted);
      bool ticked = false;
      switch (pick(8)) {
        case 0: case 1: {
          const Event e = w.Run(w.As(u, now, JoinQueueCmd{c}));
          // One place per user: a live ticket is kept, never doubled.
          CHECK(TypeOf(e) == (live ? EventType::kCommandRejected : EventType::kQueueJoined));
          if (live) CHECK(std::get<CommandRejected>(e.body).detail == t->id);
          break;
        }
        case 2:
          if (pick(3) == 0) w.Run(w.As(u, now, LeaveQueueCmd{c}));
          break;
        case 3:
          if (pick(3) == 0) w.Run(w.AsAdmin(now, AbandonQueueTicketsCmd{c, {u}}));
          break;
        case 4: {  // shoppers hold seats; only the admitted get them
          const Event e = w.Hold(u, c, {static_cast<SeatIndex>(pick(60))}, now);
          if (TypeOf(e) == EventType::kHoldPlaced)
            holds[u] = std::get<HoldPlaced>(e.body).reservation;
          else if (!room.IsAdmitted(u) && now >= kOpen)
            CHECK(CodeOf(e) == ResultCode::kQueueAdmissionRequired);
          break;
        }
        case 5:
          if (holds.contains(u)) {
            w.Run(w.AsAdmin(now, pick(2) ? CommandBody{ConfirmReservationCmd{holds[u]}}
                                         : CommandBody{ReleaseHoldCmd{holds[u]}}));
            holds.erase(u);
          }
          break;
        default:
          w.Tick(now, rng());
          ticked = true;
          break;
      }
      check_events(now, ticked);
    }
    // No more arrivals: everyone still waiting gets a turn as admissions lapse or complete.
    for (int k = 0; k < 1000 && room.waiting() > 0; ++k) {
      now += 100;
      w.Tick(now, rng());
      check_events(now, true);
    }
    CHECK(room.waiting() == 0);
    // Replay from the events alone rebuilds the same room (the state hash covers it).
    EngineState replayed;
    for (const Event& e : w.sink.events) REQUIRE(replayed.Apply(e).ok());
    CHECK(StateHash(replayed) == StateHash(w.state));
  }
}
