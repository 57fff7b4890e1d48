#pragma once
// Rebuilding the engine state from disk: the newest snapshot (at or before `until`), then every
// journal event after it, checked record by record. Any damage stops recovery with an error
// naming the sequence number and where it lives; nothing is skipped.

#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine_state.h"
#include "journal/journal_store.h"

namespace cm::journal {

struct RecoveryOptions {
  engine::EngineConfig config;
  bool use_snapshots = true;                          // false: replay the whole journal
  Seq until = std::numeric_limits<Seq>::max();        // stop after this seq
  std::function<void(const engine::Event&)> on_event;  // sees every replayed event
  // Compares the state with each StateHashed digest the replay meets (engine/codec/
  // state_hash_checker.h); each costs a snapshot's encoding. A difference is Corruption.
  bool check_state_hashes = false;
};

struct Recovered {
  std::unique_ptr<engine::EngineState> state;
  Seq snapshot_seq = 0;       // 0 when no snapshot was used
  std::string snapshot_path;
  uint64_t events_replayed = 0;  // after the snapshot
  // Wall-clock time spent reading and decoding the snapshot, and replaying the journal after it.
  double snapshot_seconds = 0;
  double replay_seconds = 0;
  uint64_t state_hashes_checked = 0;
  // Recorded digests that could not be compared (engine::StateHashChecker::unchecked).
  uint64_t state_hashes_unchecked = 0;
  // Snapshots in an older state format, passed over (the journal replays what they held).
  std::vector<std::string> skipped_old_snapshots;
};

Result<Recovered> Recover(JournalStore& journal, const std::string& snapshot_dir,
                          const RecoveryOptions& options);

// The data directory's layout.
inline std::string JournalDir(const std::string& data_dir) { return data_dir + "/journal"; }
inline std::string SnapshotDir(const std::string& data_dir) { return data_dir + "/snapshots"; }
// Journal segments retention moved out of the live journal (journal/archive.h).
inline std::string ArchiveDir(const std::string& data_dir) { return data_dir + "/journal-archive"; }
// Online backups (journal/backup.h): one directory per backup, named by the seq it covers.
inline std::string BackupDir(const std::string& data_dir) { return data_dir + "/backups"; }

}  // namespace cm::journal
