// Benchmark 3: replay. (a) Events per second from the RocksDB journal into the state, full
// replay. (b) Restart time from a snapshot of a 1,000,000-seat state plus a 1,000,000-event
// tail. The journals are written first (not timed) with the real writer and codec, by a child
// process, and each part then recovers in a process of its own: in a heap that never held a
// state, as after a real restart (in the writer's process, or after the other part, it would
// reuse freed pages and skip their faults).

#include <CLI/CLI.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime/huge_page_heap.h"
#include "bench/bench_report.h"
#include "bench/workload.h"
#include "engine/engine_state.h"
#include "engine/sequencer.h"
#include "engine/codec/state_codec.h"
#include "journal/journal_writer.h"
#include "journal/recovery.h"
#include "journal/snapshot_files.h"

using namespace cm;
using namespace cm::engine;

namespace {

// Sends a world's setup and `commands` mix commands through a sequencer, journaling every
// event in batches of 1,000; optionally snapshots after `snapshot_after` commands.
class Writer : public EventSink {
 public:
  Writer(journal::JournalStore& store, bench::HoldReleaseMix& mix)
      : writer_(store, 1), mix_(mix) {}
  void OnEvent(const Event& e, uint64_t token, bool ends) override {
    mix_.OnEvent(e, token, ends);
    writer_.Add(e);
    if (writer_.pending_events() == 1000 && !writer_.Commit().ok()) std::abort();
  }
  void Flush() {
    if (!writer_.Commit().ok()) std::abort();
  }

 private:
  journal::JournalWriter writer_;
  bench::HoldReleaseMix& mix_;
};

struct Written {
  Seq last_seq = 0;
  Seq snapshot_seq = 0;
  uint64_t hash = 0;
};

// What WriteJournal left in `dir`, kept beside it for --reuse.
std::string WrittenFile(const std::string& dir) { return dir + "/written.txt"; }

bool ReadWritten(const std::string& dir, Written* w) {
  std::ifstream in(WrittenFile(dir));
  return static_cast<bool>(in >> w->last_seq >> w->snapshot_seq >> w->hash);
}

void WriteJournal(const std::string& dir, const bench::WorldSpec& spec, uint64_t commands,
                  uint64_t snapshot_after) {
  std::filesystem::remove_all(dir);
  auto store = journal::OpenRocksJournal(journal::JournalDir(dir), journal::Durability::kAsync);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    std::exit(1);
  }
  // Part (b) stresses restart with one 1,000,000-seat venue: past the product's bound on new
  // venues (EngineConfig::max_venue_seats), within the engine's own.
  EngineConfig config;
  config.max_venue_seats = kMaxVenueSeats;
  EngineState state(config);
  Sequencer sequencer(state);
  bench::HoldReleaseMix mix(spec, 3);
  Writer writer(*store.value(), mix);
  const TimeMs t0 = 1'800'000'000'000;
  for (const Command& c : bench::WorldSetup(spec, t0)) sequencer.Execute(c, writer);
  Written w;
  Command cmd;
  for (uint64_t i = 0; i < commands; ++i) {
    mix.Next(t0 + static_cast<TimeMs>(i / 10), &cmd);
    sequencer.Execute(cmd, writer);
    if (i + 1 == snapshot_after) {
      writer.Flush();
      std::string payload;
      EncodeState(state, &payload);
      if (!journal::WriteSnapshot(journal::SnapshotDir(dir), state.last_seq(), payload).ok())
        std::exit(1);
      w.snapshot_seq = state.last_seq();
    }
  }
  writer.Flush();
  w.last_seq = state.last_seq();
  w.hash = StateHash(state);
  std::ofstream(WrittenFile(dir)) << w.last_seq << ' ' << w.snapshot_seq << ' ' << w.hash << '\n';
}

// The journals of both parts. The child forks before this process has started any thread
// (RocksDB's included), so it may open a database of its own.
struct Journals {
  Written full, restart;
};

bench::WorldSpec FullSpec() { return bench::WorldSpec{}; }

bench::WorldSpec RestartSpec() {
  bench::WorldSpec spec;
  spec.sections = 20;
  spec.rows = 50;
  spec.seats_per_row = 1000;
  return spec;
}

Journals WriteJournals(const std::string& data_dir, uint64_t events, bool reuse) {
  Journals j;
  if (reuse && ReadWritten(data_dir + "/full", &j.full) &&
      ReadWritten(data_dir + "/restart", &j.restart))
    return j;
  std::fflush(nullptr);
  const pid_t child = fork();
  if (child < 0) std::exit(1);
  if (child == 0) {
    WriteJournal(data_dir + "/full", FullSpec(), events, 0);
    // Part (b): a snapshot after 500,000 commands, then a 1,000,000-command tail.
    WriteJournal(data_dir + "/restart", RestartSpec(), 1'500'000, 500'000);
    std::_Exit(0);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
      !ReadWritten(data_dir + "/full", &j.full) ||
      !ReadWritten(data_dir + "/restart", &j.restart)) {
    std::fprintf(stderr, "writing the journals failed\n");
    std::exit(1);
  }
  return j;
}

struct Timed {
  double seconds = 0;
  double cpu_seconds = 0;   // every thread of this process: less moved by a busy machine
  double minor_faults = 0;  // first touches of fresh memory
  journal::Recovered r;
};

double MinorFaults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_minflt);
}

Timed TimeRecovery(const std::string& dir, bool use_snapshots) {
  auto store = journal::OpenRocksJournal(journal::JournalDir(dir), journal::Durability::kSync);
  if (!store.ok()) std::exit(1);
  journal::RecoveryOptions options;
  options.use_snapshots = use_snapshots;
  const int64_t start = bench::NowNs();
  const bench::ProcessUsage usage = bench::ProcessUsage::Now();
  const double faults = MinorFaults();
  auto r = journal::Recover(*store.value(), journal::SnapshotDir(dir), options);
  const double seconds = static_cast<double>(bench::NowNs() - start) / 1e9;
  const double cpu_seconds = (bench::ProcessUsage::Now() - usage).cpu_us / 1e6;
  const double minor_faults = MinorFaults() - faults;
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
    std::exit(1);
  }
  return Timed{seconds, cpu_seconds, minor_faults, std::move(r).value()};
}

// Runs one part in a process of its own (this program again), so each recovers in a heap that
// never held a state: in one process the second part would reuse the first's freed pages.
int RunPart(const char* self, const std::string& part, const std::string& data_dir,
            uint64_t events) {
  std::fflush(nullptr);
  const pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    const std::string events_arg = std::to_string(events);
    const char* args[] = {self,   "--reuse",          "--data", data_dir.c_str(), "--part",
                          part.c_str(), "--events", events_arg.c_str(), nullptr};
    ::execv("/proc/self/exe", const_cast<char* const*>(args));
    std::_Exit(127);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status)) return 1;
  return WEXITSTATUS(status);
}

}  // namespace

int main(int argc, char** argv) {
  // As the server runs (runtime/huge_page_heap.h); GLIBC_TUNABLES= (empty) measures without.
  cm::runtime::UseHugePageHeap(argv);
  CLI::App app{"Replay speed and restart time"};
  std::string data_dir = "./bench-data/replay";
  uint64_t events = 5'000'000;
  app.add_option("--data", data_dir, "Scratch directory (wiped first)");
  bool reuse = false;
  app.add_option("--events", events, "Commands in the full-replay journal");
  app.add_flag("--reuse", reuse,
               "Keep the journals and recover from the last run's when they are there, so a "
               "profiler sees recovery alone (--events must match that run)");
  std::string part = "both";
  app.add_option("--part", part,
                 "full (a), restart (b), or both: each then runs in a fresh process")
      ->check(CLI::IsMember({"both", "full", "restart"}));
  CLI11_PARSE(app, argc, argv);

  const Journals journals = WriteJournals(data_dir, events, reuse);
  if (part == "both") {
    int rc = RunPart(argv[0], "full", data_dir, events);
    if (rc == 0) rc = RunPart(argv[0], "restart", data_dir, events);
    if (!reuse) std::filesystem::remove_all(data_dir);
    return rc;
  }
  bench::Report r("replay");
  r.Note("heap_huge_pages", cm::runtime::HugePageHeap() ? "yes" : "no");
  if (part == "full") {  // (a) full replay speed, 50,000 seats
    const Written& w = journals.full;
    const Timed t = TimeRecovery(data_dir + "/full", false);
    r.Add("full_replay_events", static_cast<double>(t.r.events_replayed), "");
    r.Add("full_replay_seconds", t.seconds, "s");
    r.Add("full_replay_cpu_seconds", t.cpu_seconds, "s");
    r.Add("full_replay_minor_faults", t.minor_faults, "");
    r.Add("full_replay_events_per_sec", static_cast<double>(t.r.events_replayed) / t.seconds,
          "ev/s");
    r.Note("full_replay_hash_matches", StateHash(*t.r.state) == w.hash ? "yes" : "NO");
  } else {  // (b) 1,000,000 seats: snapshot after 500,000 commands, then a 1,000,000-event tail
    const bench::WorldSpec spec = RestartSpec();
    const Written& w = journals.restart;
    const Timed t = TimeRecovery(data_dir + "/restart", true);
    r.Add("restart_seats", spec.sections * spec.rows * spec.seats_per_row, "");
    r.Add("restart_snapshot_seq", static_cast<double>(t.r.snapshot_seq), "");
    r.Add("restart_tail_events", static_cast<double>(t.r.events_replayed), "");
    r.Add("restart_seconds", t.seconds, "s");
    r.Add("restart_snapshot_seconds", t.r.snapshot_seconds, "s");
    r.Add("restart_tail_seconds", t.r.replay_seconds, "s");
    r.Add("restart_cpu_seconds", t.cpu_seconds, "s");
    r.Add("restart_minor_faults", t.minor_faults, "");
    r.Note("restart_hash_matches", StateHash(*t.r.state) == w.hash ? "yes" : "NO");
    // What the snapshot taker spends on each snapshot of this state, off the sequencer
    // (runtime/snapshot_taker.h): the encoding, then the digest the log records. Best of three.
    double encode_s = 1e9, digest_s = 1e9;
    std::string payload;
    uint64_t digest = 0;
    for (int i = 0; i < 3; ++i) {
      payload.clear();
      const int64_t start = bench::NowNs();
      engine::EncodeState(*t.r.state, &payload);
      const int64_t encoded = bench::NowNs();
      digest ^= engine::EncodedStateDigest(payload);
      const int64_t hashed = bench::NowNs();
      encode_s = std::min(encode_s, static_cast<double>(encoded - start) / 1e9);
      digest_s = std::min(digest_s, static_cast<double>(hashed - encoded) / 1e9);
    }
    r.Add("snapshot_bytes", static_cast<double>(payload.size()), "B");
    r.Add("snapshot_encode_ms", encode_s * 1e3, "ms");
    r.Add("state_digest_ms", digest_s * 1e3, "ms");
    r.Note("state_digest", digest != 0 ? "computed" : "zero");
  }
  r.Print();
  if (!reuse) std::filesystem::remove_all(data_dir);
  return 0;
}
