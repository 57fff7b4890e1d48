#include "journal/recovery.h"

#include <array>
#include <chrono>

#include "engine/codec/event_codec.h"
#include "engine/codec/state_codec.h"
#include "engine/codec/state_hash_checker.h"
#include "journal/snapshot_files.h"

namespace cm::journal {

namespace {

Status LoadSnapshot(const std::string& dir, const RecoveryOptions& options, Recovered* out) {
  for (const SnapshotFile& file : ListSnapshots(dir)) {
    if (file.seq > options.until) continue;
    SnapshotBytes bytes;
    if (Status s = MapSnapshot(file, &bytes); !s.ok()) return s;
    const std::string_view payload = bytes.payload();
    // Written by an earlier release in an older state format: the journal holds every event,
    // so an older snapshot (or a full replay) serves instead of refusing to start.
    if (!payload.empty() && static_cast<uint8_t>(payload[0]) < engine::kOldestStateFormatVersion) {
      out->skipped_old_snapshots.push_back(file.path);
      continue;
    }
    auto state = engine::DecodeState(payload, options.config);
    // An older format that this version cannot load exactly (engine::DecodeState): likewise.
    if (!state.ok() && state.status().IsInvalidArgument()) {
      out->skipped_old_snapshots.push_back(file.path);
      continue;
    }
    if (!state.ok())
      return Status::Corruption("snapshot " + file.path + " (seq " + std::to_string(file.seq) +
                                "): " + state.status().message());
    if (state.value()->last_seq() != file.seq)
      return Status::Corruption("snapshot " + file.path + " holds the state at seq " +
                                std::to_string(state.value()->last_seq()));
    out->state = std::move(state).value();
    out->snapshot_seq = file.seq;
    out->snapshot_path = file.path;
    return Status::OK();
  }
  return Status::OK();
}

}  // namespace

Result<Recovered> Recover(JournalStore& journal, const std::string& snapshot_dir,
                          const RecoveryOptions& options) {
  Recovered out;
  using Clock = std::chrono::steady_clock;
  const auto seconds_since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  const Clock::time_point start = Clock::now();
  if (options.use_snapshots) {
    if (Status s = LoadSnapshot(snapshot_dir, options, &out); !s.ok()) return s;
  }
  out.snapshot_seconds = seconds_since(start);
  const Clock::time_point replay_start = Clock::now();
  if (!out.state) out.state = std::make_unique<engine::EngineState>(options.config);
  engine::EngineState& state = *out.state;

  Status error;
  Seq journal_last = 0;
  bool reached_until = state.last_seq() >= options.until;
  engine::StateHashChecker checker;
  // Applies one decoded event; false stops the scan (at `until`, or with `error` set).
  auto apply = [&](Seq first, const engine::Event& e) {
    journal_last = e.seq;
    if (e.seq <= state.last_seq()) return true;  // before the snapshot
    if (e.seq != state.last_seq() + 1) {
      error = Status::Corruption(journal.Describe(first) + ": events " +
                                 std::to_string(state.last_seq() + 1) + ".." +
                                 std::to_string(e.seq - 1) + " are missing");
      return false;
    }
    if (options.check_state_hashes) {
      if (Status s = checker.Before(state, e); !s.ok()) {
        error = Status::Corruption(journal.Describe(first) + ": " + s.message());
        return false;
      }
      out.state_hashes_checked = checker.checked();
      out.state_hashes_unchecked = checker.unchecked();
    }
    if (Status s = state.Apply(e); !s.ok()) {
      error = Status::Corruption(journal.Describe(first) + ": " + s.message());
      return false;
    }
    ++out.events_replayed;
    if (options.on_event) options.on_event(e);
    if (e.seq >= options.until) {
      reached_until = true;
      return false;
    }
    return true;
  };
  // Events are decoded a few ahead of the one applied, and what each will write is asked of
  // the cache as it is decoded (EngineState::Prefetch): a restart's tail is mostly waiting
  // for memory (seat cells and records scattered over a large state), and this overlaps it.
  // Reused: decoding and applying a record allocates nothing (no_allocation_test).
  constexpr std::size_t kAhead = 8;
  std::array<engine::Event, kAhead> ahead;
  Status scan = journal.Scan(state.last_seq() + 1, [&](Seq first, std::string_view records) {
    if (reached_until) return false;
    std::string_view in = records;
    Seq expected_in_batch = first;
    std::size_t next = 0, decoded = 0;  // ahead[next] is applied next, `decoded` are ready
    Status bad_record;  // reported once the events before it are applied, as they were
    for (;;) {
      while (decoded < kAhead && !in.empty() && bad_record.ok()) {
        engine::Event& e = ahead[(next + decoded) % kAhead];
        if (Status s = engine::DecodeEvent(&in, &e); !s.ok()) {
          bad_record = Status::Corruption(journal.Describe(first) + ": " + s.message());
        } else if (e.seq != expected_in_batch) {
          bad_record = Status::Corruption(journal.Describe(first) + ": event seq " +
                                          std::to_string(e.seq) + " where seq " +
                                          std::to_string(expected_in_batch) + " belongs");
        } else {
          ++expected_in_batch;
          state.Prefetch(e);
          ++decoded;
        }
      }
      if (decoded == 0) break;
      if (!apply(first, ahead[next])) return false;
      next = (next + 1) % kAhead;
      --decoded;
    }
    if (!bad_record.ok()) {
      error = bad_record;
      return false;
    }
    return true;
  });
  if (!scan.ok()) return scan;
  if (!error.ok()) return error;
  out.replay_seconds = seconds_since(replay_start);
  // Only disk loss makes a snapshot newer than the journal (snapshots wait for durability);
  // carrying on would leave a gap in the journal.
  if (!reached_until && journal_last < state.last_seq())
    return Status::Corruption(journal.Describe(journal_last) + ": the journal ends at seq " +
                              std::to_string(journal_last) + " but snapshot " +
                              out.snapshot_path + " is at seq " + std::to_string(out.snapshot_seq));
  return out;
}

}  // namespace cm::journal
