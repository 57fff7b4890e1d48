#pragma once
// Snapshot files: the engine state at seq N (engine/state_codec.h) in
// <data>/snapshots/snapshot-<N, 20 digits>.snap, written to a temporary name, fsynced, then
// renamed, so a crash never leaves a half-written file under the real name.
//
// file := magic "CMSNAP\r\n" (8 bytes) | version: u8 (= 1) | seq: fixed64
//         | length: fixed64 | payload[length] | crc: fixed32 (crc32c of everything before it)

#include <string>
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

// Reads and checks one snapshot file; the payload goes to *payload. Corruption names the file.
Status ReadSnapshot(const SnapshotFile& file, std::string* payload);

}  // namespace cm::journal
