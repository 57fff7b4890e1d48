// The live feed across its threads, without sockets: this thread plays the publisher (applies
// durable events to the read model and hands batches to the feed), another thread subscribes
// viewers while seats change, and the WebSocket hub's thread fans out. Every viewer must end
// with the engine's seat map through a gapless chain of deltas; one that stops taking deltas is
// told it overflowed, once. Runs under ThreadSanitizer too (label concurrency).
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <map>
#include <mutex>
#include <thread>

#include "engine/codec/state_codec.h"
#include "live/live_feed.h"
#include "live/ws_hub.h"
#include "readmodel/read_model.h"
#include "views/resource_json.h"
#include "tests/support/test_world.h"

using namespace cm::test;
using cm::live::LiveFeed;
using cm::live::LiveSubscriber;
using cm::live::LiveSubscription;
using cm::live::SharedMessage;
namespace json = boost::json;

namespace {

// A viewer that keeps its own copy of the seat map from the snapshot and the deltas it takes.
class Viewer : public LiveSubscriber {
 public:
  explicit Viewer(bool takes_deltas) : takes_deltas_(takes_deltas) {}

  void Push(SharedMessage m) override {
    std::lock_guard lock(mutex_);
    others_.push_back(*m);
  }
  void Activate(std::shared_ptr<LiveSubscription> s, SharedMessage first) override {
    std::lock_guard lock(mutex_);
    subscription_ = std::move(s);
    if (first) ApplySnapshot(json::parse(*first).as_object());
    if (takes_deltas_) TakeAll();
  }
  void Reject(std::shared_ptr<LiveSubscription>, SharedMessage error) override { Push(error); }
  void Wake() override {
    std::lock_guard lock(mutex_);
    if (takes_deltas_ && subscription_) TakeAll();
  }
  void Overflow(ConcertId) override {
    std::lock_guard lock(mutex_);
    ++overflows_;
  }

  bool active() {
    std::lock_guard lock(mutex_);
    return subscription_ != nullptr;
  }
  std::map<int64_t, char> seats() {
    std::lock_guard lock(mutex_);
    return seats_;
  }
  int gaps() {
    std::lock_guard lock(mutex_);
    return gaps_;
  }
  int changes(int64_t seat) {
    std::lock_guard lock(mutex_);
    return changes_[seat];
  }
  int64_t seq() {
    std::lock_guard lock(mutex_);
    return seq_;
  }
  int overflows() {
    std::lock_guard lock(mutex_);
    return overflows_;
  }
  int64_t phase() {
    std::lock_guard lock(mutex_);
    return phase_;
  }
  std::size_t other_messages() {
    std::lock_guard lock(mutex_);
    return others_.size();
  }

 private:
  void TakeAll() {
    std::vector<SharedMessage> deltas;
    if (!LiveFeed::Take(*subscription_, deltas)) return;
    for (const auto& d : deltas) ApplyDelta(json::parse(*d).as_object());
  }
  void ApplySnapshot(const json::object& m) {
    seq_ = m.at("seq").to_number<int64_t>();
    for (const auto& section : m.at("seatMap").at("sections").as_array())
      for (const auto& row : section.at("rows").as_array())
        for (const auto& seat : row.at("seats").as_array())
          seats_[seat.as_array()[0].to_number<int64_t>()] = seat.as_array()[4].as_string()[0];
  }
  void ApplyDelta(const json::object& m) {
    const int64_t prev = m.at("prevSeq").to_number<int64_t>(), seq = m.at("seq").to_number<int64_t>();
    if (prev > seq_) ++gaps_;
    if (const auto* p = m.if_contains("phase")) phase_ = p->to_number<int64_t>();
    for (const auto& change : m.at("changes").as_array()) {
      const int64_t seat = change.as_array()[0].to_number<int64_t>();
      seats_[seat] = change.as_array()[1].as_string()[0];
      ++changes_[seat];
    }
    seq_ = seq;
  }

  const bool takes_deltas_;
  std::mutex mutex_;
  std::shared_ptr<LiveSubscription> subscription_;
  std::map<int64_t, char> seats_;
  std::map<int64_t, int> changes_;  // per seat, the changes deltas brought
  int64_t seq_ = 0;
  int gaps_ = 0, overflows_ = 0;
  int64_t phase_ = -1;  // the last sale phase a delta said began
  std::vector<std::string> others_;
};

char Letter(const Concert& c, SeatIndex s) { return cm::views::PublicSeatLetter(c.seats, s); }

}  // namespace

TEST_CASE("viewers joining while seats change all converge on the engine's seat map, gaplessly") {
  TestWorld w;
  std::vector<UserId> users;
  for (int i = 0; i < 4; ++i) users.push_back(w.AddUser("u" + std::to_string(i) + "@x.io"));
  const ConcertId concert = w.AddConcert(w.AddVenue(GridVenue(1, 4, 10)));
  cm::readmodel::ReadModel reads(EngineConfig{});
  REQUIRE(reads.Load(w.state).ok());
  std::size_t applied = w.sink.events.size();

  cm::live::WsHub hub(1);
  LiveFeed feed(hub.FeedExecutor(), reads, /*history_per_concert=*/16, std::chrono::microseconds(100));
  hub.Start();

  // One viewer that never takes deltas: it must be told it fell behind, once.
  auto stalled = std::make_shared<Viewer>(false);
  feed.Subscribe(stalled, concert, std::nullopt);
  for (int i = 0; i < 500 && !stalled->active(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  REQUIRE(stalled->active());

  // A viewer that paces the first steps, so each of their batches is a delta of its own and the
  // stalled viewer surely falls more than the 16-delta history behind.
  auto pacer = std::make_shared<Viewer>(true);
  feed.Subscribe(pacer, concert, std::nullopt);
  for (int i = 0; i < 500 && !pacer->active(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  REQUIRE(pacer->active());

  std::vector<std::shared_ptr<Viewer>> viewers;
  std::thread joiner([&] {
    for (int i = 0; i < 24; ++i) {
      auto v = std::make_shared<Viewer>(true);
      feed.Subscribe(v, concert, std::nullopt);
      viewers.push_back(v);
      std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
  });

  // The publisher: holds and releases, handed over in batches of one to three commands.
  std::vector<ReservationId> held(users.size(), 0);
  for (int step = 0; step < 400; ++step) {
    const std::size_t u = static_cast<std::size_t>(step) % users.size();
    if (held[u] != 0) {
      w.Run(w.As(users[u], TestWorld::kStart + step, ReleaseHoldCmd{held[u]}));
      held[u] = 0;
    } else {
      const Event e = w.Hold(users[u], concert, {static_cast<SeatIndex>((step * 7) % 40)}, TestWorld::kStart + step);
      if (const auto* placed = std::get_if<HoldPlaced>(&e.body)) held[u] = placed->reservation;
    }
    int64_t seat_change = 0;  // seq of this step's last seat change, if any
    for (; applied < w.sink.events.size(); ++applied) {
      const Event& e = w.sink.events[applied];
      REQUIRE(reads.Apply(e).ok());
      feed.Collect(e);
      if (std::holds_alternative<HoldPlaced>(e.body) || std::holds_alternative<HoldReleased>(e.body))
        seat_change = static_cast<int64_t>(e.seq);
    }
    if (step < 40) {
      feed.Flush();
      for (int i = 0; i < 2000 && pacer->seq() < seat_change; ++i)
        std::this_thread::sleep_for(std::chrono::microseconds(500));
    } else if (step % 3 != 1) {
      feed.Flush();
    }
    if (step % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  feed.Flush();
  joiner.join();

  std::map<int64_t, char> expected;
  const Concert* c = w.state.FindConcert(concert);
  REQUIRE(c != nullptr);
  for (SeatIndex s = 0; s < c->seats.size(); ++s) expected[s] = Letter(*c, s);
  auto converged = [&] {
    for (auto& v : viewers)
      if (v->seats() != expected) return false;
    return true;
  };
  for (int i = 0; i < 1000 && !converged(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  hub.Stop();

  REQUIRE(viewers.size() == 24);
  for (auto& v : viewers) {
    CHECK(v->seats() == expected);
    CHECK(v->gaps() == 0);
    CHECK(v->overflows() == 0);
    CHECK(v->other_messages() == 0);
  }
  CHECK(stalled->overflows() == 1);
  CHECK(pacer->seats() == expected);
  CHECK(feed.subscribers() == viewers.size() + 1);  // the viewers and the pacer
}

TEST_CASE("seats given up show as the map has them: held while returning, free once back or cancelled") {
  TestWorld w;
  const UserId fan = w.AddUser("fan@x.io");
  const VenueId venue = w.AddVenue(GridVenue(1, 1, 8));
  auto spec = w.ConcertSpecFor(venue);
  spec->return_window_ms = 60'000;
  spec->return_key = {7, 9};
  spec->rehold_cooldown_ms = 0;
  const ConcertId returning = w.AddConcertSpec(spec);
  const ConcertId plain = w.AddConcert(venue);
  cm::readmodel::ReadModel reads(EngineConfig{});
  REQUIRE(reads.Load(w.state).ok());
  std::size_t applied = w.sink.events.size();
  cm::live::WsHub hub(1);
  LiveFeed feed(hub.FeedExecutor(), reads, 64, std::chrono::microseconds(100));
  hub.Start();
  auto away = std::make_shared<Viewer>(true), cancelled = std::make_shared<Viewer>(true);
  feed.Subscribe(away, returning, std::nullopt);
  feed.Subscribe(cancelled, plain, std::nullopt);
  for (int i = 0; i < 500 && !(away->active() && cancelled->active()); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  REQUIRE(away->active());
  REQUIRE(cancelled->active());
  // Hands what the engine decided since the last call to the feed, and waits until `v` shows
  // the engine's map of `concert` (or gives up after 2 s, and the checks below say so).
  auto publish = [&](Viewer& v, ConcertId concert) {
    for (; applied < w.sink.events.size(); ++applied) {
      REQUIRE(reads.Apply(w.sink.events[applied]).ok());
      feed.Collect(w.sink.events[applied]);
    }
    feed.Flush();
    std::map<int64_t, char> expected;
    const Concert& c = *w.state.FindConcert(concert);
    for (SeatIndex s = 0; s < c.seats.size(); ++s) expected[s] = Letter(c, s);
    for (int i = 0; i < 1000 && v.seats() != expected; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
  };
  const TimeMs t0 = TestWorld::kStart;
  const Event held = w.Hold(fan, returning, {2}, t0);
  REQUIRE(TypeOf(held) == EventType::kHoldPlaced);
  publish(*away, returning);
  CHECK(away->seats().at(2) == 'H');
  CHECK(away->changes(2) == 1);
  w.Run(w.As(fan, t0 + 1, ReleaseHoldCmd{std::get<HoldPlaced>(held.body).reservation}));
  // Another seat's change after the release: once it shows, whatever the release sent has too.
  REQUIRE(TypeOf(w.Hold(fan, returning, {6}, t0 + 1)) == EventType::kHoldPlaced);
  publish(*away, returning);
  CHECK(away->seats().at(6) == 'H');
  // Given up, not back on sale yet: the map says nothing about it, not even 'H' again.
  CHECK(away->seats().at(2) == 'H');
  CHECK(away->changes(2) == 1);
  w.Tick(t0 + 1 + 60'000);
  publish(*away, returning);
  CHECK(away->seats().at(2) == 'A');
  // A confirmed seat cancelled by its buyer is free again on the map (ReservationCancelled).
  const Event bought = w.Hold(fan, plain, {5}, t0 + 2);
  const ReservationId id = std::get<HoldPlaced>(bought.body).reservation;
  REQUIRE(CodeOf(w.Run(w.AsAdmin(t0 + 3, ConfirmReservationCmd{id}))) == ResultCode::kOk);
  publish(*cancelled, plain);
  CHECK(cancelled->seats().at(5) == 'S');
  REQUIRE(CodeOf(w.Run(w.As(fan, t0 + 4, CancelReservationCmd{id}))) == ResultCode::kOk);
  publish(*cancelled, plain);
  CHECK(cancelled->seats().at(5) == 'A');
  hub.Stop();
  CHECK(away->gaps() == 0);
  CHECK(cancelled->gaps() == 0);
}

TEST_CASE("a state rebuilt at an earlier seq sends that concert's viewers back for a snapshot") {
  TestWorld w;
  const UserId u = w.AddUser("u@x.io");
  const ConcertId cut = w.AddConcert(w.AddVenue(GridVenue(1, 2, 5)));
  const ConcertId other = w.AddConcert(w.AddVenue(GridVenue(1, 2, 5)));
  cm::readmodel::ReadModel reads(EngineConfig{});
  REQUIRE(reads.Load(w.state).ok());
  std::string before;  // the state the follower will go back to
  EncodeState(w.state, &before);
  const Seq kept = w.state.last_seq();

  cm::live::WsHub hub(1);
  LiveFeed feed(hub.FeedExecutor(), reads, 16, std::chrono::microseconds(100));
  hub.Start();
  auto wait = [](const std::function<bool()>& done) {
    for (int i = 0; i < 1000 && !done(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return done();
  };
  auto viewer = std::make_shared<Viewer>(true), bystander = std::make_shared<Viewer>(true);
  feed.Subscribe(viewer, cut, std::nullopt);
  feed.Subscribe(bystander, other, std::nullopt);
  REQUIRE(wait([&] { return viewer->active() && bystander->active(); }));

  // A hold the log will later replace: the viewer sees it.
  const std::size_t from = w.sink.events.size();
  w.Hold(u, cut, {3});
  for (std::size_t i = from; i < w.sink.events.size(); ++i) {
    REQUIRE(reads.Apply(w.sink.events[i]).ok());
    feed.Collect(w.sink.events[i]);
  }
  feed.Flush();
  REQUIRE(wait([&] { return viewer->seats()[3] == 'H'; }));

  // Rebuilt where it stands (a promotion): nobody is disturbed.
  feed.Reset(w.state.last_seq());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(viewer->overflows() == 0);

  // Rebuilt before the hold (the tail was cut): the viewer is sent back; the other concert's
  // viewer, whose deltas all stand, is not.
  auto rebuilt = DecodeState(before, EngineConfig{});
  REQUIRE(rebuilt.ok());
  REQUIRE(reads.Load(*rebuilt.value()).ok());
  feed.Reset(kept);
  REQUIRE(wait([&] { return viewer->overflows() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(bystander->overflows() == 0);
  CHECK(feed.subscribers() == 1);

  // Subscribing again (with the last seq it saw) gives the rebuilt map, the hold gone.
  auto again = std::make_shared<Viewer>(true);
  feed.Subscribe(again, cut, viewer->seq());
  REQUIRE(wait([&] { return again->active(); }));
  CHECK(again->seq() == static_cast<int64_t>(kept));
  CHECK(again->seats()[3] == 'A');
  hub.Stop();
}

TEST_CASE("the sale's next phase reaches viewers in a delta of its own") {
  TestWorld w;
  const VenueId venue = w.AddVenue(GridVenue(1, 1, 8));
  auto spec = w.ConcertSpecFor(venue);
  const TimeMs closes = TestWorld::kStart + 60'000;
  spec->phases = {SalePhase{"P", spec->sales_open_at, closes, 2, false, {}},
                  SalePhase{"G", closes, spec->sales_close_at, 4, false, {}}};
  const ConcertId concert = w.AddConcertSpec(spec);
  cm::readmodel::ReadModel reads(EngineConfig{});
  REQUIRE(reads.Load(w.state).ok());
  const std::size_t applied = w.sink.events.size();
  cm::live::WsHub hub(1);
  LiveFeed feed(hub.FeedExecutor(), reads, 64, std::chrono::microseconds(100));
  hub.Start();
  auto viewer = std::make_shared<Viewer>(true);
  feed.Subscribe(viewer, concert, std::nullopt);
  for (int i = 0; i < 500 && !viewer->active(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  REQUIRE(viewer->active());
  w.Tick(closes);
  REQUIRE(w.sink.events.size() == applied + 1);
  REQUIRE(reads.Apply(w.sink.events.back()).ok());
  feed.Collect(w.sink.events.back());
  feed.Flush();
  for (int i = 0; i < 1000 && viewer->phase() != 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  CHECK(viewer->phase() == 1);
  CHECK(viewer->seq() == static_cast<int64_t>(w.sink.events.back().seq));
  hub.Stop();
  CHECK(viewer->gaps() == 0);
}
