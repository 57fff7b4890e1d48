// The waiting room's cost on the sequencer: one thread, no rings, no journal. For each size of
// line (10 K, 100 K, 1 M waiting by default) it joins that many users, opens the room, then
// times ticks that each admit `--admit` people (the same number leave just before, untimed).
// The cost per tick must stay flat as the line grows: a tick touches only whom it admits.
// Also reports the sequencer's join rate, the opening tick, and how many ticks it takes to draw
// the whole pre-queue into the line (a batch per tick, EngineConfig::queue_draws_per_tick).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <vector>

#include "bench/bench_report.h"
#include "bench/engine_command.h"
#include "engine/engine_state.h"
#include "engine/grid_venue.h"
#include "engine/sequencer.h"

using namespace cm;
using namespace cm::engine;
using cm::bench::As;

namespace {

struct CountingSink : EventSink {
  uint64_t events = 0, admitted = 0;
  void OnEvent(const Event& e, uint64_t, bool) override {
    ++events;
    if (const auto* a = std::get_if<QueueAdmitted>(&e.body)) admitted += a->users.size();
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Waiting-room admission cost per Tick on the sequencer, by people waiting"};
  std::vector<uint64_t> sizes{10'000, 100'000, 1'000'000};
  uint32_t admit = 100;
  int ticks = 2000;
  bool pre_queue = true;
  app.add_option("--waiting", sizes, "Sizes of the line to measure")->capture_default_str();
  app.add_option("--admit", admit, "Admissions per measured tick (= the cap)")->capture_default_str();
  app.add_option("--ticks", ticks, "Measured ticks per size")->capture_default_str();
  app.add_option("--pre-queue", pre_queue, "Join before opening (shuffled) rather than after")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  bench::Report report("queue_tick");
  report.Note("setup", "admit " + std::to_string(admit) + " per tick (cap " +
                           std::to_string(admit) + ", rate " + std::to_string(admit * 10) +
                           "/s, a tick every 100 ms); " + std::to_string(ticks) +
                           " measured ticks per size");
  for (uint64_t waiting : sizes) {
    EngineState state;
    Sequencer seq(state);
    CountingSink sink;
    const TimeMs t0 = 1'800'000'000'000;
    const TimeMs open_at = t0 + 3'600'000;
    seq.Execute(As(0, Role::kSystem, t0,
                   CreateVenueCmd{MakeGridVenue("Hall", {"R"}, 1, 10, 100)}),
                sink);
    const VenueId venue = state.last_seq();
    auto spec = std::make_shared<ConcertSpec>();
    spec->venue = venue;
    spec->title = "Queue Bench";
    spec->sales_open_at = open_at;
    spec->sales_close_at = open_at + 86'400'000;
    spec->starts_at = spec->sales_close_at;
    spec->price_per_grade = {100'000};
    spec->waiting_room.enabled = true;
    spec->waiting_room.max_active = admit;
    spec->waiting_room.admit_per_second = admit * 10;
    spec->waiting_room.admission_ttl_ms = 3'600'000;
    spec->waiting_room.pre_queue_ms = 7'200'000;
    // A tick's entropy first, as a running server has: the room commits its draw when the
    // concert is created (its QueueCommitted follows the ConcertCreated, whose seq is the id).
    for (uint64_t i = 0; i < Sequencer::kEntropyTicks; ++i)
      seq.Execute(As(0, Role::kSystem, t0 - 1, TickCmd{1 + i}), sink);
    const ConcertId concert = state.last_seq() + 1;
    seq.Execute(As(0, Role::kSystem, t0, CreateConcertCmd{spec}), sink);
    seq.Execute(As(0, Role::kSystem, t0, OpenSalesCmd{concert}), sink);

    const uint64_t users_needed = waiting + static_cast<uint64_t>(ticks + 2) * admit;
    std::vector<UserId> users;
    users.reserve(users_needed);
    for (uint64_t i = 0; i < users_needed; ++i) {
      seq.Execute(As(0, Role::kSystem, t0,
                     RegisterUserCmd{"u" + std::to_string(i) + "@q.io", "h", Role::kUser, ""}),
                  sink);
      users.push_back(state.last_seq());
    }
    TimeMs now = pre_queue ? t0 + 1 : open_at;
    if (!pre_queue) seq.Execute(As(0, Role::kSystem, now, TickCmd{7}), sink);  // opens, empty
    // The line: `waiting` people plus the ones who will be admitted during the measurement,
    // so it stays at `waiting` long while the ticks run.
    const int64_t join_start = bench::NowNs();
    for (UserId u : users) seq.Execute(As(u, Role::kUser, now, JoinQueueCmd{concert}), sink);
    const double join_s = (bench::NowNs() - join_start) / 1e9;
    const WaitingRoom& room = *state.FindConcert(concert)->room;

    now = open_at;
    const int64_t open_start = bench::NowNs();
    seq.Execute(As(0, Role::kSystem, now, TickCmd{12345}), sink);  // opens (shuffles) and admits
    const double open_ms = (bench::NowNs() - open_start) / 1e6;

    bench::Latencies tick_ns;
    int64_t tick_max_ns = 0;
    int draw_ticks = room.undrawn() > 0 ? -1 : 0;
    std::vector<UserId> admitted;
    const uint64_t admitted_before = sink.admitted;
    for (int t = 0; t < ticks; ++t) {
      // The admitted shoppers leave (untimed), so the next tick has `admit` places to fill.
      admitted.clear();
      for (const auto& [u, ticket] : room.ticket_map())
        if (ticket.status == TicketStatus::kAdmitted) admitted.push_back(u);
      now += 100;
      for (UserId u : admitted) seq.Execute(As(u, Role::kUser, now, LeaveQueueCmd{concert}), sink);
      const int64_t start = bench::NowNs();
      seq.Execute(As(0, Role::kSystem, now, TickCmd{}), sink);
      const int64_t took = bench::NowNs() - start;
      tick_ns.Add(took);
      tick_max_ns = std::max(tick_max_ns, took);
      if (draw_ticks < 0 && room.undrawn() == 0) draw_ticks = t + 2;  // + the opening tick
    }
    const double per_tick = static_cast<double>(sink.admitted - admitted_before) / ticks;
    const std::string n = std::to_string(waiting);
    report.Add("joins_per_s@" + n, static_cast<double>(users.size()) / join_s, "joins/s");
    report.Add("opening_tick@" + n, open_ms, "ms");
    report.Add("still_waiting_at_end@" + n, static_cast<double>(room.waiting()), "");
    report.Add("admitted_per_tick@" + n, per_tick, "");
    report.Add("tick_p50@" + n, tick_ns.PercentileUs(50), "us");
    report.Add("tick_p99@" + n, tick_ns.PercentileUs(99), "us");
    report.Add("tick_max@" + n, tick_max_ns / 1e3, "us");
    report.Add("ticks_to_draw_pre_queue@" + n, draw_ticks, "");
    report.Add("ns_per_admission@" + n, tick_ns.PercentileUs(50) * 1e3 / std::max(1.0, per_tick), "ns");
  }
  report.Print();
  return 0;
}
