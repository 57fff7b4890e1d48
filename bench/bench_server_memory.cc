// Benchmark: the server's memory per live hold, as `concertmania serve` keeps it. The server
// holds the state three times over: the sequencer's, the snapshot taker's (runtime/
// snapshot_taker.h, which applies the journal again to take snapshots off the sequencer) and
// the read model's (readmodel/read_model.h, which answers the GETs). Beside them RocksDB keeps
// the journal's newest batches in its memtables until it flushes them.
//
// A hall of --held-seats seats is created through the real pipeline, then held to the last
// seat, one hold per seat. The process RSS is read before and after the holds, once the
// sequencer, the read model and the taker have all applied every event. The server's other
// durable stages (the notifier's hold-expiry warnings, the live seat map) are not fed here:
// the figure is a lower bound of the running server's.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "bench/bench_report.h"
#include "bench/workload.h"
#include "readmodel/read_model.h"
#include "runtime/huge_page_heap.h"
#include "runtime/pipeline.h"

using namespace cm;
using namespace cm::engine;

namespace {

// The server's read model, fed as app/durable_stages.cc feeds it.
class ReadModelListener : public runtime::DurableListener {
 public:
  explicit ReadModelListener(readmodel::ReadModel& reads) : reads_(reads) {}
  void OnRecovered(const EngineState& state) override {
    if (Status s = reads_.Load(state); !s.ok()) failure_ = s.ToString();
  }
  void OnDurable(const EventSlot& slot) override {
    if (Status s = reads_.Apply(slot.event); !s.ok() && failure_.empty()) failure_ = s.ToString();
    if (slot.ends_command) answered_.fetch_add(1, std::memory_order_release);
  }
  uint64_t answered() const { return answered_.load(std::memory_order_acquire); }
  const std::string& failure() const { return failure_; }

 private:
  readmodel::ReadModel& reads_;
  std::atomic<uint64_t> answered_{0};
  std::string failure_;  // the first, read after the waits
};

double PerHold(double bytes, double holds) { return holds > 0 ? bytes / holds : 0; }

// The state's containers that grow with live holds, in bytes (capacity: a little above RSS).
double HoldBytes(const EngineState& s) {
  double bytes = static_cast<double>(s.reservations().bytes() + s.seat_pool().bytes() +
                                     s.timers().bytes());
  for (const auto& [id, c] : s.concerts()) bytes += static_cast<double>(c->seats_per_user.bytes());
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  cm::runtime::UseHugePageHeap(argv);  // as the server runs; GLIBC_TUNABLES= measures without
  CLI::App app{"The server's RSS per live hold: sequencer, snapshot taker and read model"};
  std::string data_dir = "./bench-data/server-memory";
  uint32_t held_seats = 1'000'000;
  app.add_option("--data", data_dir, "Scratch data directory (wiped first)");
  app.add_option("--held-seats", held_seats, "Seats held, one hold each (a multiple of 2,000)")
      ->check(CLI::Range(2'000u, 4'000'000u));
  CLI11_PARSE(app, argc, argv);
  if (!bench::CheckHeldSeats(held_seats)) return 2;

  std::filesystem::remove_all(data_dir);
  runtime::PipelineOptions options;
  options.data_dir = data_dir;
  options.snapshot_every = 0;  // a snapshot's buffers would come and go inside the figure
  options.engine.max_venue_seats = kMaxVenueSeats;
  readmodel::ReadModel reads(options.engine);
  ReadModelListener listener(reads);
  auto opened = runtime::Pipeline::Open(options, &listener);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  runtime::Pipeline& pipeline = *opened.value();

  uint64_t sent = 0;
  auto run = [&](std::vector<Command>::iterator from, std::vector<Command>::iterator to) {
    for (auto it = from; it != to; ++it) {
      runtime::Pipeline::PublishResult r;
      while ((r = pipeline.TryPublish(*it)) == runtime::Pipeline::PublishResult::kFull)
        std::this_thread::yield();
      if (r != runtime::Pipeline::PublishResult::kOk) return false;  // halted or stopping
      ++sent;
    }
    const int64_t deadline = bench::NowNs() + 600'000'000'000;  // bounded: ten minutes
    while ((listener.answered() < sent || pipeline.snapshot_taker_seq() < pipeline.durable_seq()) &&
           !pipeline.halted() && bench::NowNs() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return listener.answered() == sent && !pipeline.halted();
  };

  const TimeMs t0 = 1'800'000'000'000;
  std::vector<Command> setup = bench::HeldHallSetup(held_seats, t0, 1);
  const auto first_hold = std::find_if(setup.begin(), setup.end(), [](const Command& c) {
    return std::holds_alternative<HoldSeatsCmd>(c.body);
  });
  if (!run(setup.begin(), first_hold)) {
    std::fprintf(stderr, "setup failed: %s\n", pipeline.halt_reason().c_str());
    return 1;
  }
  const uint64_t rss_before = bench::ResidentBytes();
  const uint64_t journal_before = pipeline.journal_memory_bytes();
  if (!run(first_hold, setup.end())) {
    std::fprintf(stderr, "holds failed: %s\n", pipeline.halt_reason().c_str());
    return 1;
  }
  const uint64_t rss_after = bench::ResidentBytes();
  const uint64_t journal_after = pipeline.journal_memory_bytes();
  pipeline.Stop();
  if (!listener.failure().empty()) {
    std::fprintf(stderr, "read model: %s\n", listener.failure().c_str());
    return 1;
  }

  const EngineState& state = pipeline.state_after_stop();
  const auto holds = static_cast<double>(state.timers().size());
  const double rss_delta = static_cast<double>(rss_after) - static_cast<double>(rss_before);
  const double journal_delta =
      static_cast<double>(journal_after) - static_cast<double>(journal_before);
  const double read_model_holds = reads.Read([](const EngineState& s) { return HoldBytes(s); });

  bench::Report r("server_memory");
  r.Note("heap_huge_pages", cm::runtime::HugePageHeap() ? "yes" : "no");
  r.Add("live_holds", holds, "");
  r.Add("rss_before_holds_mb", static_cast<double>(rss_before) / 1048576.0, "MiB");
  r.Add("rss_with_holds_mb", static_cast<double>(rss_after) / 1048576.0, "MiB");
  r.Add("server_rss_bytes_per_live_hold", PerHold(rss_delta, holds), "B");
  r.Add("journal_memtable_bytes_per_live_hold", PerHold(journal_delta, holds), "B");
  r.Add("rss_bytes_per_live_hold_without_memtable", PerHold(rss_delta - journal_delta, holds),
        "B");
  // Each of the three states' hold containers (the taker's has the sequencer's shape).
  r.Add("sequencer_state_hold_bytes_per_hold", PerHold(HoldBytes(state), holds), "B");
  r.Add("read_model_state_hold_bytes_per_hold", PerHold(read_model_holds, holds), "B");
  r.Add("states_kept", 3, "");
  r.Print();
  std::filesystem::remove_all(data_dir);
  return holds == held_seats ? 0 : 1;
}
