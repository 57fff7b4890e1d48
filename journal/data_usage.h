#pragma once
// How much disk a data directory uses, and how much is left: the numbers an operator alerts on
// before a full disk halts the engine (the journal keeps every decision, rejections included).
// Reads only file sizes and the file system's counts, so any thread may call it beside the
// journal writer.

#include <cstdint>
#include <string>

namespace cm::journal {

struct DataUsage {
  uint64_t journal_bytes = 0;    // <data>/journal (RocksDB: table files, WAL, manifest)
  uint64_t snapshot_bytes = 0;   // <data>/snapshots
  uint64_t archive_bytes = 0;    // <data>/journal-archive (retention's moved segments)
  uint64_t backup_bytes = 0;     // <data>/backups
  uint64_t disk_free_bytes = 0;  // available to this process on the data directory's file system
  uint64_t disk_size_bytes = 0;
};

DataUsage MeasureDataUsage(const std::string& data_dir);

}  // namespace cm::journal
