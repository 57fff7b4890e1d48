// Benchmark 2: ring -> sequencer -> journal (RocksDB, group commit) -> publisher, with the
// producer on its own thread. Reports durable commands per second when the producer pushes as
// hard as it can, and the latency from publish to durable delivery, both saturated and at a
// fixed offered rate (where latency means something: a saturated ring is mostly queueing).
//
// The state is big: beside the mix's concert a hall of --held-seats seats is held to the last
// seat (1 M seats and 1 M live holds by default). The paced run is made twice, with snapshots
// off and then every --snapshot-every events, and prints the sequencer's longest pause in each.
// After the runs it times, on the same state, what a snapshot cost the sequencer before it was
// taken elsewhere (encoding and hashing the state in place) and what fork() would pause.

#include <CLI/CLI.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <algorithm>
#include <filesystem>
#include <mutex>
#include <thread>

#include "runtime/huge_page_heap.h"
#include "bench/bench_report.h"
#include "bench/workload.h"
#include "engine/codec/state_codec.h"
#include "runtime/pipeline.h"

using namespace cm;
using namespace cm::engine;

namespace {

// Measures publish-to-durable latency from the token (the publish time) and hands placed holds
// back to the producer so it can release them.
class Listener : public runtime::DurableListener {
 public:
  explicit Listener(ConcertId last_mix_concert) : last_mix_concert_(last_mix_concert) {}
  void OnDurable(const EventSlot& slot) override {
    if (TypeOf(slot.event) == EventType::kHoldPlaced) {
      const auto& h = std::get<HoldPlaced>(slot.event.body);
      if (h.concert <= last_mix_concert_) placed_.emplace_back(h.reservation, h.user);  // not the held hall's
    }
    if (slot.ends_command && slot.request_token != 0) {
      if (measuring_.load(std::memory_order_relaxed)) {
        const int64_t handed = bench::NowNs();
        const int64_t published = static_cast<int64_t>(slot.request_token);
        latencies_.Add(handed - published);
        const auto& t = slot.stages;
        stages_[0].Add(t.decided - published);
        stages_[1].Add(t.written - t.decided);
        stages_[2].Add(t.synced - t.written);
        stages_[3].Add(handed - t.synced);
      }
      answered_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  void OnBatchDelivered(Seq) override {
    ++batches_;
    std::lock_guard lock(mu_);
    handoff_.insert(handoff_.end(), placed_.begin(), placed_.end());
    placed_.clear();
  }
  void TakePlaced(bench::HoldReleaseMix& mix) {
    std::lock_guard lock(mu_);
    for (auto [r, u] : handoff_) mix.AddLive(r, u);
    handoff_.clear();
  }
  static constexpr int kStages = 4;
  static constexpr const char* kStageNames[kStages] = {"publish_to_decided", "decided_to_written",
                                                       "written_to_synced", "synced_to_handed"};
  void StartMeasuring() {
    latencies_ = bench::Latencies();
    latencies_.Reserve(4'000'000);
    for (auto& s : stages_) {
      s = bench::Latencies();
      s.Reserve(4'000'000);
    }
    measuring_ = true;
  }
  bench::Latencies TakeLatencies() {
    measuring_ = false;
    return std::move(latencies_);
  }
  bench::Latencies TakeStage(int i) { return std::move(stages_[i]); }
  uint64_t answered() const { return answered_.load(); }
  uint64_t batches() const { return batches_; }

 private:
  const ConcertId last_mix_concert_;
  std::atomic<uint64_t> answered_{0};
  std::atomic<bool> measuring_{false};
  std::atomic<uint64_t> batches_{0};
  bench::Latencies latencies_;
  bench::Latencies stages_[kStages];
  std::vector<std::pair<ReservationId, UserId>> placed_;
  std::mutex mu_;  // bench bookkeeping only, never on the sequencer
  std::vector<std::pair<ReservationId, UserId>> handoff_;
};

void WaitAnswered(const Listener& l, uint64_t n) {
  while (l.answered() < n) std::this_thread::sleep_for(std::chrono::microseconds(200));
}

// One paced run's figures.
struct Paced {
  uint64_t commands = 0;
  double seconds = 0;
  bench::Latencies latencies;
  bench::Latencies stages[Listener::kStages];
  bench::Latencies probe_late;
  bench::ProcessUsage usage;
  runtime::Pipeline::LongestPauses pauses;
  uint64_t snapshots = 0;
};

void Print(bench::Report& r, const std::string& prefix, Paced& p) {
  r.Add(prefix + "achieved_cmd_per_sec", static_cast<double>(p.commands) / p.seconds, "cmd/s");
  r.Add(prefix + "p50_us", p.latencies.PercentileUs(50), "us");
  r.Add(prefix + "p99_us", p.latencies.PercentileUs(99), "us");
  r.Add(prefix + "p999_us", p.latencies.PercentileUs(99.9), "us");
  r.Add(prefix + "max_us", p.latencies.MaxUs(), "us");
  // Where the time goes, stage by stage (each command's answering event).
  for (int i = 0; i < Listener::kStages; ++i) {
    const std::string name = prefix + Listener::kStageNames[i];
    r.Add(name + "_p50_us", p.stages[i].PercentileUs(50), "us");
    r.Add(name + "_p99_us", p.stages[i].PercentileUs(99), "us");
    r.Add(name + "_p999_us", p.stages[i].PercentileUs(99.9), "us");
    r.Add(name + "_max_us", p.stages[i].MaxUs(), "us");
  }
  r.Add(prefix + "sequencer_longest_batch_us", static_cast<double>(p.pauses.batch_ns) / 1e3, "us");
  r.Add(prefix + "sequencer_longest_snapshot_pause_us",
        static_cast<double>(p.pauses.snapshot_ns) / 1e3, "us");
  r.Add(prefix + "snapshots_written", static_cast<double>(p.snapshots), "");
  r.Add(prefix + "probe_wakeups", static_cast<double>(p.probe_late.size()), "");
  r.Add(prefix + "probe_late_p99_us", p.probe_late.PercentileUs(99), "us");
  r.Add(prefix + "probe_late_p999_us", p.probe_late.PercentileUs(99.9), "us");
  r.Add(prefix + "probe_late_max_us", p.probe_late.MaxUs(), "us");
  const double per_k = 1000.0 / static_cast<double>(p.commands);
  r.Add(prefix + "cpu_us_per_cmd", p.usage.cpu_us / static_cast<double>(p.commands), "us");
  r.Add(prefix + "voluntary_switches_per_1k_cmd", p.usage.voluntary_switches * per_k, "");
  r.Add(prefix + "involuntary_switches_per_1k_cmd", p.usage.involuntary_switches * per_k, "");
}

// Times fork() in this process as it stands (the child leaves at once): the pause a
// copy-on-write snapshot (Redis's BGSAVE) would put on the sequencer, before any page copied.
double ForkPauseMs() {
  const int64_t before = bench::NowNs();
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  const int64_t after = bench::NowNs();
  if (child > 0) ::waitpid(child, nullptr, 0);
  return child < 0 ? -1 : static_cast<double>(after - before) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  // As the server runs (runtime/huge_page_heap.h); GLIBC_TUNABLES= (empty) measures without.
  cm::runtime::UseHugePageHeap(argv);
  CLI::App app{"Durable commands per second through the whole pipeline"};
  std::string data_dir = "./bench-data/pipeline";
  uint64_t commands = 2'000'000;
  uint64_t rate = 200'000;
  double paced_seconds = 5;
  std::string durability = "sync";
  uint32_t held_seats = 1'000'000;
  uint64_t snapshot_every = 1'000'000;
  app.add_option("--data", data_dir, "Scratch data directory (wiped first)");
  app.add_option("--commands", commands, "Commands in the saturated run");
  app.add_option("--rate", rate, "Offered rate for the latency run, commands/s");
  app.add_option("--paced-seconds", paced_seconds, "Length of each latency run");
  app.add_option("--durability", durability,
                 "sync (fsync per group commit) or async (BENCHMARK ONLY: no fsync)")
      ->check(CLI::IsMember({"sync", "async"}));
  app.add_option("--held-seats", held_seats,
                 "Seats of the hall held to the last seat beside the mix (a multiple of 2,000; 0: none)");
  app.add_option("--snapshot-every", snapshot_every,
                 "Events between snapshots in the second paced run");
  CLI11_PARSE(app, argc, argv);
  if (!bench::CheckHeldSeats(held_seats)) return 2;

  std::filesystem::remove_all(data_dir);
  runtime::PipelineOptions options;
  options.data_dir = data_dir;
  options.durability =
      durability == "sync" ? journal::Durability::kSync : journal::Durability::kAsync;
  options.snapshot_every = 0;  // off until the second paced run
  options.stage_timestamps = true;
  options.engine.max_venue_seats = kMaxVenueSeats;  // the held hall may pass the product's bound
  bench::WorldSpec spec;
  Listener listener(bench::ConcertIdOf(spec, spec.concerts - 1));
  auto opened = runtime::Pipeline::Open(options, &listener);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  runtime::Pipeline& pipeline = *opened.value();

  const TimeMs t0 = 1'800'000'000'000;
  uint64_t sent = 0;
  auto setup = [&](std::vector<Command> cmds) {
    for (Command& c : cmds) {
      c.request_token = static_cast<uint64_t>(bench::NowNs());
      while (pipeline.TryPublish(std::move(c)) != runtime::Pipeline::PublishResult::kOk)
        std::this_thread::yield();
      ++sent;
    }
    WaitAnswered(listener, sent);
  };
  setup(bench::WorldSetup(spec, t0));
  if (held_seats > 0) setup(bench::HeldHallSetup(held_seats, t0, pipeline.durable_seq() + 1));
  const Seq setup_seq = pipeline.durable_seq();

  bench::HoldReleaseMix mix(spec, 7);
  Command cmd;
  uint64_t full_rejections = 0;
  auto publish_one = [&](uint64_t i) {
    if ((i & 1023) == 0) listener.TakePlaced(mix);
    mix.Next(t0 + static_cast<TimeMs>(i / 10), &cmd);
    cmd.request_token = static_cast<uint64_t>(bench::NowNs());
    while (pipeline.TryPublish(cmd) == runtime::Pipeline::PublishResult::kFull) {
      ++full_rejections;
      std::this_thread::yield();
    }
    ++sent;
  };

  // Saturated: as fast as the producer can push.
  listener.StartMeasuring();
  const uint64_t batches_before = listener.batches();
  const int64_t start = bench::NowNs();
  for (uint64_t i = 0; i < commands; ++i) publish_one(i);
  WaitAnswered(listener, sent);
  const double seconds = static_cast<double>(bench::NowNs() - start) / 1e9;
  bench::Latencies saturated = listener.TakeLatencies();
  const uint64_t batches = listener.batches() - batches_before;

  // Paced: a steady offered rate, to see latency without queueing. Beside it a probe thread
  // sleeps 1 ms at a time and records how late it wakes: the floor the machine's scheduler
  // puts under every stage (a tail the probe shares is the CPU's, not the pipeline's).
  const auto paced_total = static_cast<uint64_t>(static_cast<double>(rate) * paced_seconds);
  uint64_t next_command = commands;
  auto paced_run = [&](uint64_t every) {
    Paced out;
    pipeline.set_snapshot_every(every);
    const uint64_t snapshots_before = pipeline.snapshots_written();
    std::atomic<bool> probing{true};
    std::thread probe([&] {
      while (probing.load(std::memory_order_relaxed)) {
        const int64_t before = bench::NowNs();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        out.probe_late.Add(std::max<int64_t>(0, bench::NowNs() - before - 1'000'000));
      }
    });
    listener.StartMeasuring();
    pipeline.TakeLongestPauses();
    const bench::ProcessUsage usage_before = bench::ProcessUsage::Now();
    const int64_t paced_start = bench::NowNs();
    for (uint64_t k = 0; k < paced_total; ++k) {
      const int64_t due = paced_start + static_cast<int64_t>(k * 1'000'000'000ULL / rate);
      // Sleep rather than spin: on two cores a spinning producer steals the pipeline's CPU.
      if (const int64_t ahead = due - bench::NowNs(); ahead > 50'000)
        std::this_thread::sleep_for(std::chrono::nanoseconds(ahead));
      publish_one(next_command++);
    }
    WaitAnswered(listener, sent);
    out.seconds = static_cast<double>(bench::NowNs() - paced_start) / 1e9;
    out.commands = paced_total;
    out.latencies = listener.TakeLatencies();
    out.usage = bench::ProcessUsage::Now() - usage_before;
    out.pauses = pipeline.TakeLongestPauses();
    probing.store(false);
    probe.join();
    for (int i = 0; i < Listener::kStages; ++i) out.stages[i] = listener.TakeStage(i);
    pipeline.set_snapshot_every(0);
    // Snapshots marked in the run are written by the taker; count those done by now.
    out.snapshots = pipeline.snapshots_written() - snapshots_before;
    return out;
  };
  Paced off = paced_run(0);
  Paced on = paced_run(snapshot_every);
  pipeline.Stop();
  const uint64_t snapshots_total = pipeline.snapshots_written();

  // On the state as it stands, what a snapshot paused the sequencer before it moved off it
  // (encode and hash in place), and what fork() would pause.
  const engine::EngineState& state = pipeline.state_after_stop();
  const int64_t encode_start = bench::NowNs();
  std::string payload;
  EncodeState(state, &payload);
  const uint64_t digest = EncodedStateDigest(payload);
  asm volatile("" : : "r"(digest));  // computed, as the sequencer did, not optimised away
  const double inline_ms = static_cast<double>(bench::NowNs() - encode_start) / 1e6;
  const double fork_ms = ForkPauseMs();

  bench::Report r("pipeline");
  r.Note("heap_huge_pages", cm::runtime::HugePageHeap() ? "yes" : "no");
  r.Note("durability", durability == "sync" ? "sync" : "async (benchmark only)");
  r.Add("held_seats_and_live_holds", static_cast<double>(held_seats), "");
  r.Add("setup_events", static_cast<double>(setup_seq), "");
  r.Add("saturated_commands", static_cast<double>(commands), "");
  r.Add("saturated_durable_cmd_per_sec", static_cast<double>(commands) / seconds, "cmd/s");
  r.Add("saturated_group_commits", static_cast<double>(batches), "");
  r.Add("saturated_events_per_commit", static_cast<double>(commands) / static_cast<double>(batches), "");
  r.Add("saturated_p50_us", saturated.PercentileUs(50), "us");
  r.Add("saturated_p99_us", saturated.PercentileUs(99), "us");
  r.Add("saturated_p999_us", saturated.PercentileUs(99.9), "us");
  r.Add("ring_full_retries", static_cast<double>(full_rejections), "");
  r.Add("paced_offered_cmd_per_sec", static_cast<double>(rate), "cmd/s");
  r.Add("snapshot_every_events", static_cast<double>(snapshot_every), "");
  Print(r, "paced_snapshots_off_", off);
  Print(r, "paced_snapshots_on_", on);
  r.Add("snapshots_written_in_all", static_cast<double>(snapshots_total), "");
  r.Add("state_bytes_encoded", static_cast<double>(payload.size()), "B");
  r.Add("inline_snapshot_pause_ms", inline_ms, "ms");
  r.Add("fork_pause_ms", fork_ms, "ms");
  r.Print();
  std::filesystem::remove_all(data_dir);
  return 0;
}
