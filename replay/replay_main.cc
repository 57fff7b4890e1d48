// concertmania-replay: rebuilds the engine state from a data directory and reports it.
//
// Exit codes: 0 ok; 1 bad usage or the data cannot be opened; 2 corruption (the message names
// the seq and the file; with --verify, a state that differs from a digest the leader recorded
// too); 3 an invariant does not hold; 4 snapshot + tail and a full replay
// disagree.

#include <CLI/CLI.hpp>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "engine/codec/state_codec.h"
#include "engine/invariants.h"
#include "journal/journal_archive.h"
#include "journal/recovery.h"
#include "views/event_json.h"

namespace {

using namespace cm;

constexpr int kExitOk = 0, kExitUsage = 1, kExitCorrupt = 2, kExitInvariant = 3,
              kExitMismatch = 4;

int Fail(const Status& s) {
  std::fprintf(stderr, "replay: %s\n", s.ToString().c_str());
  return s.IsCorruption() ? kExitCorrupt : kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Rebuilds Concert Mania's state from its journal and prints the event count, the "
               "last sequence number and the state hash."};
  std::string data_dir = "./data";
  uint64_t until = 0;
  bool verify = false, dump = false, full = false, check_snapshot = false;
  app.add_option("--data", data_dir, "Data directory (holds journal/ and snapshots/)")
      ->envname("CM_DATA_DIR");
  app.add_option("--until", until, "Stop after this sequence number (a point in time)");
  app.add_flag("--verify", verify,
               "Check every invariant of the rebuilt state (exit 3 when one fails), and the "
               "state against each digest the leader recorded in the journal (exit 2)");
  app.add_flag("--dump", dump,
               "Print every event as one JSON line on stdout (implies --full; the summary goes "
               "to stderr)");
  app.add_flag("--full", full, "Ignore snapshots and replay the whole journal");
  app.add_flag("--check-snapshot", check_snapshot,
               "Replay both ways, from the newest snapshot and in full, and compare the hashes "
               "(exit 4 when they differ)");
  CLI11_PARSE(app, argc, argv);

  if (!std::filesystem::is_directory(journal::JournalDir(data_dir))) {
    std::fprintf(stderr, "replay: no journal in %s\n", data_dir.c_str());
    return kExitUsage;
  }
  auto live = journal::OpenRocksJournal(journal::JournalDir(data_dir), journal::Durability::kSync);
  if (!live.ok()) return Fail(live.status());
  // Segments journal retention archived come first, then the live journal.
  auto store = journal::WithArchive(journal::ArchiveDir(data_dir), *live.value());

  journal::RecoveryOptions options;
  if (until > 0) options.until = until;
  options.use_snapshots = !(full || dump);
  options.check_state_hashes = verify;
  std::string line;
  if (dump) {
    options.on_event = [&line](const engine::Event& e) {
      line.clear();
      views::AppendEventJson(e, &line);
      line.push_back('\n');
      std::fwrite(line.data(), 1, line.size(), stdout);
    };
  }
  const auto start = std::chrono::steady_clock::now();
  auto r = journal::Recover(*store, journal::SnapshotDir(data_dir), options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!r.ok()) return Fail(r.status());
  const engine::EngineState& state = *r->state;
  const uint64_t hash = engine::StateHash(state);

  FILE* out = dump ? stderr : stdout;
  std::fprintf(out, "snapshot:   %s\n",
               r->snapshot_seq ? (r->snapshot_path + " (seq " + std::to_string(r->snapshot_seq) +
                                  ")").c_str()
                               : "none");
  std::fprintf(out, "events:     %" PRIu64 " replayed in %.3f s\n", r->events_replayed, seconds);
  std::fprintf(out, "last seq:   %" PRIu64 "\n", state.last_seq());
  std::fprintf(out, "state hash: %016" PRIx64 "\n", hash);

  int rc = kExitOk;
  if (check_snapshot) {
    journal::RecoveryOptions other = options;
    other.on_event = nullptr;
    other.use_snapshots = !options.use_snapshots;
    auto r2 = journal::Recover(*store, journal::SnapshotDir(data_dir), other);
    if (!r2.ok()) return Fail(r2.status());
    const uint64_t hash2 = engine::StateHash(*r2->state);
    std::fprintf(out, "%s hash: %016" PRIx64 "%s\n",
                 other.use_snapshots ? "snapshot+tail" : "full replay", hash2,
                 hash2 == hash ? " (same)" : " (DIFFERENT)");
    if (hash2 != hash) rc = kExitMismatch;
  }
  if (verify) {
    const auto problems = engine::CheckInvariants(state);
    for (const auto& p : problems) std::fprintf(stderr, "invariant violated: %s\n", p.c_str());
    std::fprintf(out, "invariants: %s\n",
                 problems.empty() ? "all hold" : (std::to_string(problems.size()) + " violated").c_str());
    std::fprintf(out, "state hashes: %" PRIu64 " recorded digests matched", r->state_hashes_checked);
    // Of marks before the snapshot the replay began from, or of an older format this version
    // cannot encode as written (engine::EncodesAsWritten).
    if (r->state_hashes_unchecked > 0)
      std::fprintf(out, ", %" PRIu64 " could not be checked", r->state_hashes_unchecked);
    std::fprintf(out, "\n");
    if (!problems.empty()) return kExitInvariant;
  }
  return rc;
}
