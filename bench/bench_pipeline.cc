// Benchmark 2: ring -> sequencer -> journal (RocksDB, group commit) -> publisher, with the
// producer on its own thread. Reports durable commands per second when the producer pushes as
// hard as it can, and the latency from publish to durable delivery, both saturated and at a
// fixed offered rate (where latency means something: a saturated ring is mostly queueing).

#include <CLI/CLI.hpp>

#include <atomic>
#include <algorithm>
#include <filesystem>
#include <mutex>
#include <thread>

#include "bench/bench_report.h"
#include "bench/workload.h"
#include "runtime/pipeline.h"

using namespace cm;
using namespace cm::engine;

namespace {

// Measures publish-to-durable latency from the token (the publish time) and hands placed holds
// back to the producer so it can release them.
class Listener : public runtime::DurableListener {
 public:
  void OnDurable(const EventSlot& slot) override {
    if (TypeOf(slot.event) == EventType::kHoldPlaced) {
      const auto& h = std::get<HoldPlaced>(slot.event.body);
      placed_.emplace_back(h.reservation, h.user);
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Durable commands per second through the whole pipeline"};
  std::string data_dir = "./bench-data/pipeline";
  uint64_t commands = 2'000'000;
  uint64_t rate = 200'000;
  double paced_seconds = 5;
  std::string durability = "sync";
  app.add_option("--data", data_dir, "Scratch data directory (wiped first)");
  app.add_option("--commands", commands, "Commands in the saturated run");
  app.add_option("--rate", rate, "Offered rate for the latency run, commands/s");
  app.add_option("--paced-seconds", paced_seconds, "Length of the latency run");
  app.add_option("--durability", durability,
                 "sync (fsync per group commit) or async (BENCHMARK ONLY: no fsync)")
      ->check(CLI::IsMember({"sync", "async"}));
  CLI11_PARSE(app, argc, argv);

  std::filesystem::remove_all(data_dir);
  runtime::PipelineOptions options;
  options.data_dir = data_dir;
  options.durability =
      durability == "sync" ? journal::Durability::kSync : journal::Durability::kAsync;
  options.snapshot_every = 0;  // measured separately (bench_replay)
  options.stage_timestamps = true;
  Listener listener;
  auto opened = runtime::Pipeline::Open(options, &listener);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  runtime::Pipeline& pipeline = *opened.value();

  bench::WorldSpec spec;
  const TimeMs t0 = 1'800'000'000'000;
  uint64_t sent = 0;
  for (Command c : bench::WorldSetup(spec, t0)) {
    c.request_token = static_cast<uint64_t>(bench::NowNs());
    while (pipeline.TryPublish(std::move(c)) != runtime::Pipeline::PublishResult::kOk)
      std::this_thread::yield();
    ++sent;
  }
  WaitAnswered(listener, sent);

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
  std::atomic<bool> probing{true};
  bench::Latencies probe_late;
  std::thread probe([&] {
    while (probing.load(std::memory_order_relaxed)) {
      const int64_t before = bench::NowNs();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      probe_late.Add(std::max<int64_t>(0, bench::NowNs() - before - 1'000'000));
    }
  });
  listener.StartMeasuring();
  const bench::ProcessUsage usage_before = bench::ProcessUsage::Now();
  const int64_t paced_start = bench::NowNs();
  const auto paced_total = static_cast<uint64_t>(static_cast<double>(rate) * paced_seconds);
  for (uint64_t k = 0; k < paced_total; ++k) {
    const int64_t due = paced_start + static_cast<int64_t>(k * 1'000'000'000ULL / rate);
    // Sleep rather than spin: on two cores a spinning producer steals the pipeline's CPU.
    if (const int64_t ahead = due - bench::NowNs(); ahead > 50'000)
      std::this_thread::sleep_for(std::chrono::nanoseconds(ahead));
    publish_one(commands + k);
  }
  WaitAnswered(listener, sent);
  const double paced_elapsed = static_cast<double>(bench::NowNs() - paced_start) / 1e9;
  bench::Latencies paced = listener.TakeLatencies();
  const bench::ProcessUsage paced_usage = bench::ProcessUsage::Now() - usage_before;
  probing.store(false);
  probe.join();
  bench::Latencies stages[Listener::kStages];
  for (int i = 0; i < Listener::kStages; ++i) stages[i] = listener.TakeStage(i);
  pipeline.Stop();

  bench::Report r("pipeline");
  r.Note("durability", durability == "sync" ? "sync" : "async (benchmark only)");
  r.Add("saturated_commands", static_cast<double>(commands), "");
  r.Add("saturated_durable_cmd_per_sec", static_cast<double>(commands) / seconds, "cmd/s");
  r.Add("saturated_group_commits", static_cast<double>(batches), "");
  r.Add("saturated_events_per_commit", static_cast<double>(commands) / static_cast<double>(batches), "");
  r.Add("saturated_p50_us", saturated.PercentileUs(50), "us");
  r.Add("saturated_p99_us", saturated.PercentileUs(99), "us");
  r.Add("saturated_p999_us", saturated.PercentileUs(99.9), "us");
  r.Add("ring_full_retries", static_cast<double>(full_rejections), "");
  r.Add("paced_offered_cmd_per_sec", static_cast<double>(rate), "cmd/s");
  r.Add("paced_achieved_cmd_per_sec", static_cast<double>(paced_total) / paced_elapsed, "cmd/s");
  r.Add("paced_p50_us", paced.PercentileUs(50), "us");
  r.Add("paced_p99_us", paced.PercentileUs(99), "us");
  r.Add("paced_p999_us", paced.PercentileUs(99.9), "us");
  r.Add("paced_max_us", paced.MaxUs(), "us");
  // Where the paced run's time goes, stage by stage (each command's answering event).
  for (int i = 0; i < Listener::kStages; ++i) {
    const std::string name = std::string("paced_") + Listener::kStageNames[i];
    r.Add(name + "_p50_us", stages[i].PercentileUs(50), "us");
    r.Add(name + "_p99_us", stages[i].PercentileUs(99), "us");
    r.Add(name + "_p999_us", stages[i].PercentileUs(99.9), "us");
    r.Add(name + "_max_us", stages[i].MaxUs(), "us");
  }
  r.Add("paced_probe_wakeups", static_cast<double>(probe_late.size()), "");
  r.Add("paced_probe_late_p99_us", probe_late.PercentileUs(99), "us");
  r.Add("paced_probe_late_p999_us", probe_late.PercentileUs(99.9), "us");
  r.Add("paced_probe_late_max_us", probe_late.MaxUs(), "us");
  const double per_k = 1000.0 / static_cast<double>(paced_total);
  r.Add("paced_cpu_us_per_cmd", paced_usage.cpu_us / static_cast<double>(paced_total), "us");
  r.Add("paced_voluntary_switches_per_1k_cmd", paced_usage.voluntary_switches * per_k, "");
  r.Add("paced_involuntary_switches_per_1k_cmd", paced_usage.involuntary_switches * per_k, "");
  r.Print();
  std::filesystem::remove_all(data_dir);
  return 0;
}
