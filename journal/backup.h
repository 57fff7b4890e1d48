#pragma once
// Online backups and their restore. A backup is a directory laid out like a data directory:
//
//   <backup>/journal/        a RocksDB checkpoint of the journal (taken beside the writer)
//   <backup>/snapshots/      the snapshot of seq N the backup is named after
//   <backup>/journal-archive/ the segments journal retention archived (hard links)
//   <backup>/MANIFEST        what it covers, and every file with its size and crc32c
//
// The keys (jwt-secret, ticket-signing-key) are not in a backup: a backup is what the API
// lets an admin token download, and a stolen token must not yield the key that signs every
// ticket. They never change, so an operator backs them up once, apart (README), and a restore
// takes them with --keys-from. Backups made before listed them; those are never served either.
//
// MANIFEST := "concertmania-backup 1\n" | "seq N\n" | "state-hash <16 hex>\n"
//             | "created-at-ms T\n" | ("file <crc32c, 8 hex> <size> <relative path>\n")*
//
// The state hash is of the snapshot's state at seq N; the journal may hold events after N
// (sales went on while it was copied), which a restored server replays.

#include <functional>
#include <string>
#include <vector>

#include "engine/status.h"
#include "engine/types.h"

namespace cm::journal {

struct BackupFile {
  std::string path;  // relative to the backup directory, '/'-separated
  uint64_t size = 0;
  uint32_t crc32c = 0;
};

struct Backup {
  std::string dir;
  engine::Seq seq = 0;
  uint64_t state_hash = 0;
  int64_t created_at_ms = 0;
  std::vector<BackupFile> files;
};

// Builds <data>/backups/<seq>/ from the snapshot file of `seq` and a journal copy that
// `checkpoint(dir)` makes; assembled under a temporary name and renamed, so a backup directory
// is whole or absent. A backup of that seq already there is returned as it is.
Result<Backup> MakeBackup(const std::string& data_dir, engine::Seq seq, uint64_t state_hash,
                          const std::string& snapshot_path, int64_t now_ms,
                          const std::function<Status(const std::string& dir)>& checkpoint);

// Reads a backup's MANIFEST. With `verify`, every file listed is checked for its size and
// crc32c, and a file the manifest does not list is an error too.
Result<Backup> ReadBackup(const std::string& dir, bool verify);

// The backups under <data>/backups, oldest first (unreadable ones are skipped).
std::vector<Backup> ListBackups(const std::string& data_dir);

// The text of a backup's MANIFEST.
std::string FormatManifest(const Backup& b);

// Where restores record the timelines they took (journal/timeline.h): written after the backup
// was made, so not in its MANIFEST, never served and never restored.
inline constexpr const char* kRestoredFile = "RESTORED";

// Whether `path` is a file the backup lists (or MANIFEST): the only names restored.
bool ListsFile(const Backup& b, const std::string& path);

// The server's key files, as they are named in <data>.
inline constexpr const char* kKeyFiles[] = {"jwt-secret", "ticket-signing-key"};
bool IsKeyFile(const std::string& path);

// Whether the API may serve `path` of the backup: a file it lists that is not a key.
bool ServesFile(const Backup& b, const std::string& path);

// Whether the backup directory `dir` holds every key file (an older server's backup did).
bool HoldsKeys(const std::string& dir);

// Verifies the backup in `from`, then copies it into `data_dir`, which must not exist or be
// empty: the result is a data directory a server starts on. The key files come from the
// backup when it holds them (an older one), else from `keys_from` when given (each key file
// there is copied, 0600; it must hold at least one).
Status RestoreBackup(const std::string& from, const std::string& data_dir,
                     const std::string& keys_from);

}  // namespace cm::journal
