#pragma once
// Snapshot files: the engine state at seq N (engine/state_codec.h) in
// <data>/snapshots/snapshot-<N, 20 digits>.snap, written to a temporary name, fsynced, then
// renamed, so a crash never leaves a half-written file under the real name.
//
// file := magic "CMSNAP\r\n" (8 bytes) | version: u8 (= 1) | seq: fixed64
//         | length: fixed64 | payload[length] | crc: fixed32 (crc32c of everything before it)

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"
#include "engine/types.h"

namespace cm::journal {

struct SnapshotFile {
  engine::Seq seq = 0;
  std::string path;
};

// Where WriteSnapshot puts the snapshot of seq `seq` in `dir`.
std::string SnapshotPath(const std::string& dir, engine::Seq seq);

// Writes the snapshot of seq `seq` into `dir` (created if needed) and keeps only the newest
// `keep` snapshot files.
Status WriteSnapshot(const std::string& dir, engine::Seq seq, const std::string& payload,
                     int keep = 2);

// The snapshot files in `dir`, newest first. Temporary files are ignored.
std::vector<SnapshotFile> ListSnapshots(const std::string& dir);

// A snapshot file mapped read-only and checked, its payload read in place. A restart decodes
// straight from the page cache: no 100 MB buffer to fault in and copy into first.
class SnapshotBytes {
 public:
  SnapshotBytes() = default;
  SnapshotBytes(SnapshotBytes&& o) noexcept { *this = std::move(o); }
  SnapshotBytes& operator=(SnapshotBytes&& o) noexcept;
  ~SnapshotBytes();

  std::string_view payload() const { return payload_; }

 private:
  friend Status MapSnapshot(const SnapshotFile& file, SnapshotBytes* out);
  void Unmap();

  void* base_ = nullptr;
  std::size_t size_ = 0;
  std::string_view payload_;
};

// Maps and checks one snapshot file. Corruption names the file.
Status MapSnapshot(const SnapshotFile& file, SnapshotBytes* out);

// The same, with the payload copied to *payload.
Status ReadSnapshot(const SnapshotFile& file, std::string* payload);

}  // namespace cm::journal
