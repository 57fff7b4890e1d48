#pragma once
// Online backups as the admin API starts and serves them. app/backup_service.cc implements it
// over the running pipeline and journal/backup.h.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/status.h"

namespace cm::api {

struct BackupFileInfo {
  std::string path;  // relative to the backup, '/'-separated
  uint64_t size = 0;
  uint32_t crc32c = 0;
};

struct BackupInfo {
  uint64_t seq = 0;         // the snapshot's seq: the state the hash is of
  uint64_t state_hash = 0;  // StateHash at seq (replay --until seq prints the same)
  int64_t created_at_ms = 0;
  std::vector<BackupFileInfo> files;
};

class BackupPort {
 public:
  enum class Start { kStarted, kBusy, kUnavailable };
  virtual ~BackupPort() = default;
  // Starts one; `done` runs on another thread once it is written (or failed). kBusy while
  // another is being taken; kUnavailable when the engine is not taking commands.
  virtual Start StartBackup(std::function<void(Result<BackupInfo>)> done) = 0;
  virtual std::vector<BackupInfo> List() const = 0;
  virtual std::optional<BackupInfo> Find(uint64_t seq) const = 0;
  // The bytes of a file the backup lists (or its MANIFEST); NotFound for anything else.
  virtual Result<std::string> ReadFile(uint64_t seq, const std::string& path) const = 0;
};

}  // namespace cm::api
