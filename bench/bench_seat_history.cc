// The seat history at scale (history/seat_history.h): a journal of N events from a real
// sequencer (fans holding, releasing, letting holds lapse, buying and being refunded, with the
// rejections a crowd gets), folded into the index as the server's tail does it, in rounds of
// 4 MB of batches; then the index is reopened (its block cache empty) and random seats' histories
// are read. Reports the fold's rate, the index's size, and a seat's query time (p50, p99, max),
// which the issue bounds at 200 ms in a journal of 10 M events.
#include <CLI/CLI.hpp>

#include <chrono>
#include <filesystem>
#include <random>

#include "bench/bench_report.h"
#include "bench/engine_command.h"
#include "engine/codec/event_codec.h"
#include "engine/engine_state.h"
#include "engine/grid_venue.h"
#include "engine/sequencer.h"
#include "history/seat_history.h"

using namespace cm;
using namespace cm::engine;
using cm::bench::As;
using Clock = std::chrono::steady_clock;

namespace {

// The journal as the writer packs it: `per_batch` records a batch (a group commit).
struct JournalSink : EventSink {
  explicit JournalSink(std::size_t per_batch) : per_batch(per_batch) {}
  void OnEvent(const Event& e, uint64_t, bool) override {
    if (batches.empty() || in_batch == per_batch) {
      batches.emplace_back();
      in_batch = 0;
    }
    EncodeEvent(e, &batches.back());
    ++in_batch;
    last = e;
  }
  std::size_t per_batch, in_batch = 0;
  std::vector<std::string> batches;
  Event last;
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The seat history: the journal folded by seat, and a seat's history read back"};
  uint64_t events = 10'000'000, queries = 2'000;
  int sections = 10, rows = 50, per_row = 100;
  std::string dir = "/tmp/cm-bench-seat-history";
  app.add_option("--events", events, "Journal events to make and index")->capture_default_str();
  app.add_option("--queries", queries, "Random seats whose history is read")->capture_default_str();
  app.add_option("--dir", dir, "Where the index is built (emptied first)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // The journal.
  EngineState state;
  Sequencer seq(state);
  JournalSink sink(64);
  TimeMs now = 1'800'000'000'000;
  const uint32_t kUsers = 100'000;
  for (uint64_t i = 0; i < Sequencer::kEntropyTicks; ++i)
    seq.Execute(As(0, Role::kSystem, now, TickCmd{0x5eed + i}), sink);
  seq.Execute(As(0, Role::kSystem, now,
                 CreateVenueCmd{MakeGridVenue("Hall", {"VIP", "R", "S"}, sections, rows, per_row)}),
              sink);
  const VenueId venue = state.last_seq();
  const uint32_t seats = static_cast<uint32_t>(state.FindVenue(venue)->seat_count());
  auto spec = std::make_shared<ConcertSpec>();
  spec->venue = venue;
  spec->title = "History Bench";
  spec->sales_open_at = now;
  spec->sales_close_at = now + 30LL * 86'400'000;
  spec->starts_at = spec->sales_close_at;
  spec->doors_open_at = spec->starts_at - 3'600'000;
  spec->price_per_grade = {150'000, 120'000, 90'000};
  spec->max_seats_per_user = 4;
  spec->hold_ttl_ms = 60'000;
  seq.Execute(As(0, Role::kSystem, now, CreateConcertCmd{spec}), sink);
  const ConcertId concert = sink.last.seq;
  seq.Execute(As(0, Role::kSystem, now, OpenSalesCmd{concert}), sink);
  std::vector<UserId> users;
  for (uint32_t u = 0; u < kUsers; ++u) {
    seq.Execute(As(0, Role::kSystem, now,
                   RegisterUserCmd{"fan" + std::to_string(u) + "@x.io", "h", Role::kUser, ""}),
                sink);
    users.push_back(sink.last.seq);
  }
  std::mt19937_64 rng(42);
  auto pick = [&](uint64_t n) { return rng() % n; };
  const auto made_from = Clock::now();
  while (state.last_seq() < events) {
    now += 2;
    const UserId fan = users[pick(users.size())];
    HoldSeatsCmd h;
    h.concert = concert;
    h.seats.push_back(static_cast<SeatIndex>(pick(seats)));
    h.seats.push_back(static_cast<SeatIndex>(pick(seats)));
    h.requested = 2;
    seq.Execute(As(fan, Role::kUser, now, h), sink);
    const auto* held = std::get_if<HoldPlaced>(&sink.last.body);
    if (held == nullptr) continue;  // taken, cooling, or over the limit: a rejection journaled
    const ReservationId r = held->reservation;
    const uint64_t fate = pick(10);
    if (fate < 4) {
      seq.Execute(As(fan, Role::kUser, now + 1, ReleaseHoldCmd{r}), sink);
    } else if (fate < 9) {
      seq.Execute(As(0, Role::kSystem, now + 1, ConfirmReservationCmd{r}), sink);
      seq.Execute(As(0, Role::kSystem, now + 1, RefundReservationCmd{r, "bench"}), sink);
    }  // else it lapses on the clock (HoldExpired)
    if (pick(50) == 0) seq.Execute(As(0, Role::kSystem, now, TickCmd{rng()}), sink);
  }
  const double made_s = Seconds(Clock::now() - made_from);
  uint64_t journal_bytes = 0;
  for (const auto& b : sink.batches) journal_bytes += b.size();

  // The fold, as the tail does it.
  std::filesystem::remove_all(dir);
  double fold_s = 0;
  {
    auto opened = history::SeatHistoryIndex::Open(dir);
    if (!opened.ok()) return std::fprintf(stderr, "%s\n", opened.status().ToString().c_str()), 1;
    auto& index = *opened.value();
    const auto from = Clock::now();
    std::vector<std::string_view> round;
    std::size_t bytes = 0;
    for (std::size_t i = 0; i <= sink.batches.size(); ++i) {
      if (i == sink.batches.size() || bytes >= (4u << 20)) {
        if (Status s = index.Index(round); !s.ok())
          return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
        round.clear();
        bytes = 0;
      }
      if (i < sink.batches.size()) {
        round.push_back(sink.batches[i]);
        bytes += sink.batches[i].size();
      }
    }
    fold_s = Seconds(Clock::now() - from);
  }

  // The reads, on the index reopened.
  auto reopened = history::SeatHistoryIndex::Open(dir);
  if (!reopened.ok()) return 1;
  auto& index = *reopened.value();
  bench::Latencies latency;
  uint64_t entries = 0, most = 0;
  for (uint64_t q = 0; q < queries; ++q) {
    const auto seat = static_cast<SeatIndex>(pick(seats));
    const auto from = Clock::now();
    auto found = index.Query(concert, seat, 0, 100'000);
    latency.Add(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - from).count());
    if (!found.ok()) return 1;
    entries += found.value().size();
    most = std::max<uint64_t>(most, found.value().size());
  }

  bench::Report report("seat_history");
  report.Add("journal_events", static_cast<double>(state.last_seq()), "events");
  report.Add("journal_bytes", static_cast<double>(journal_bytes), "bytes");
  report.Add("seats", seats, "seats");
  report.Add("journal_made_s", made_s, "s");
  report.Add("fold_s", fold_s, "s");
  report.Add("fold_rate", static_cast<double>(state.last_seq()) / fold_s, "events/s");
  report.Add("index_bytes", static_cast<double>(index.DiskBytes()), "bytes");
  report.Add("entries_per_seat_mean", static_cast<double>(entries) / static_cast<double>(queries),
             "entries");
  report.Add("entries_per_seat_max", static_cast<double>(most), "entries");
  report.Add("query_p50", latency.PercentileUs(50), "us");
  report.Add("query_p99", latency.PercentileUs(99), "us");
  report.Add("query_max", latency.MaxUs(), "us");
  report.Print();
  std::filesystem::remove_all(dir);
  return 0;
}
