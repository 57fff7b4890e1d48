// Benchmark 4: memory. 20 concerts on a 50,000-seat venue (1,000,000 seats) and 1,000,000 live
// holds of one seat each. Reports the process RSS at each step, bytes per seat of the seat
// maps, and bytes per live hold.

#include "bench/bench_report.h"
#include "bench/workload.h"
#include "engine/engine_state.h"
#include "engine/sequencer.h"

using namespace cm;
using namespace cm::engine;

namespace {

struct CountingSink : EventSink {
  uint64_t holds = 0, other = 0;
  void OnEvent(const Event& e, uint64_t, bool) override {
    (TypeOf(e) == EventType::kHoldPlaced ? holds : other)++;
  }
};

}  // namespace

int main() {
  bench::WorldSpec spec;
  spec.concerts = 20;
  spec.hold_ttl_ms = 24LL * 3600 * 1000;  // nothing expires during the run
  const TimeMs t0 = 1'800'000'000'000;
  const auto setup = bench::WorldSetup(spec, t0);
  const std::size_t users_and_venue = static_cast<std::size_t>(spec.users) + 1;

  EngineState state;
  Sequencer sequencer(state);
  CountingSink sink;
  for (std::size_t i = 0; i < users_and_venue; ++i) sequencer.Execute(setup[i], sink);
  const uint64_t rss_before_concerts = bench::ResidentBytes();
  for (std::size_t i = users_and_venue; i < setup.size(); ++i) sequencer.Execute(setup[i], sink);
  const uint64_t rss_after_concerts = bench::ResidentBytes();

  const int seats = spec.sections * spec.rows * spec.seats_per_row;
  Command cmd;
  cmd.now = t0;
  cmd.actor_role = Role::kUser;
  for (int k = 0; k < spec.concerts; ++k) {
    for (int s = 0; s < seats; ++s) {
      HoldSeatsCmd h;
      h.concert = bench::ConcertIdOf(spec, k);
      h.seats.push_back(static_cast<SeatIndex>(s));
      h.requested = 1;
      cmd.actor = 1 + static_cast<UserId>((static_cast<int64_t>(k) * seats + s) % spec.users);
      cmd.body = h;
      sequencer.Execute(cmd, sink);
    }
  }
  const uint64_t rss_after_holds = bench::ResidentBytes();
  const double total_seats = static_cast<double>(seats) * spec.concerts;

  // What the seat maps themselves hold: 8-byte cells plus a 4-byte free count per row.
  const Concert& one = *state.FindConcert(bench::ConcertIdOf(spec, 0));
  const double seat_state_bytes =
      (static_cast<double>(one.seats.size()) * 8 + static_cast<double>(one.venue->rows.size()) * 4) /
      static_cast<double>(one.seats.size());

  bench::Report r("memory");
  r.Add("concerts", spec.concerts, "");
  r.Add("seats_total", total_seats, "");
  r.Add("live_holds", static_cast<double>(state.timers().size()), "");
  r.Add("rss_users_and_venue_mb", static_cast<double>(rss_before_concerts) / 1048576.0, "MiB");
  r.Add("rss_with_concerts_mb", static_cast<double>(rss_after_concerts) / 1048576.0, "MiB");
  r.Add("rss_with_holds_mb", static_cast<double>(rss_after_holds) / 1048576.0, "MiB");
  r.Add("seat_state_bytes_per_seat", seat_state_bytes, "B");
  r.Add("rss_bytes_per_seat_concerts",
        static_cast<double>(rss_after_concerts - rss_before_concerts) / total_seats, "B");
  r.Add("rss_bytes_per_live_hold",
        static_cast<double>(rss_after_holds - rss_after_concerts) /
            static_cast<double>(state.timers().size()),
        "B");
  // Where a hold's bytes go, from the containers' own sizes (capacity, so a little above what
  // RSS sees of them).
  const double holds = static_cast<double>(state.timers().size());
  double seats_per_user_bytes = 0;
  for (const auto& [id, c] : state.concerts()) seats_per_user_bytes += c->seats_per_user.bytes();
  r.Add("reservation_table_bytes_per_hold",
        static_cast<double>(state.reservations().bytes()) / holds, "B");
  r.Add("seat_pool_bytes_per_hold", static_cast<double>(state.seat_pool().bytes()) / holds, "B");
  r.Add("hold_timer_bytes_per_hold", static_cast<double>(state.timers().bytes()) / holds, "B");
  r.Add("seats_per_user_bytes_per_hold", seats_per_user_bytes / holds, "B");
  r.Add("rss_bytes_per_seat_all_in",
        static_cast<double>(rss_after_holds - rss_before_concerts) / total_seats, "B");
  r.Print();
  return sink.holds == state.timers().size() ? 0 : 1;
}
