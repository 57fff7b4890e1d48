#include "journal/data_usage.h"

#include <filesystem>
#include <system_error>

#include "journal/recovery.h"

namespace cm::journal {
namespace {

namespace fs = std::filesystem;

// Bytes of the regular files under `dir`; 0 when it does not exist. Files that vanish while
// we look (RocksDB deletes obsolete ones at any time) are skipped, not errors.
uint64_t TreeBytes(const std::string& dir) {
  std::error_code ec;
  uint64_t total = 0;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (!it->is_regular_file(size_ec)) continue;
    const auto size = it->file_size(size_ec);
    if (!size_ec) total += size;
  }
  return total;
}

}  // namespace

DataUsage MeasureDataUsage(const std::string& data_dir) {
  DataUsage u;
  u.journal_bytes = TreeBytes(JournalDir(data_dir));
  u.snapshot_bytes = TreeBytes(SnapshotDir(data_dir));
  u.archive_bytes = TreeBytes(ArchiveDir(data_dir));
  u.backup_bytes = TreeBytes(BackupDir(data_dir));
  std::error_code ec;
  const fs::space_info space = fs::space(data_dir, ec);
  if (!ec) {
    u.disk_free_bytes = space.available;
    u.disk_size_bytes = space.capacity;
  }
  return u;
}

}  // namespace cm::journal
