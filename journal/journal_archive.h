#pragma once
// Journal retention and its archive. Every decision is journaled, rejections included (a flash
// sale here wrote 13 MB in 15 s), so an operator may move the batches a snapshot already covers
// out of the live RocksDB journal: into segment files of an archive directory, or nowhere
// (deleted). Recovery and `concertmania-replay` read the archive and the live journal as one.
//
//   <data>/journal-archive/segment-<first, 20 digits>-<last, 20 digits>.cmj
//   segment := magic "CMSEG\r\n" (8 bytes, NUL-padded)
//              | (first: fixed64 | length: fixed32 | records[length] | crc: fixed32)*
//   where crc is the crc32c of first, length and records, and records are one journal batch
//   (engine/codec/event_codec.h) exactly as RocksDB held it.

#include <memory>
#include <string>
#include <vector>

#include "journal/journal_store.h"

namespace cm::journal {

enum class Retention {
  kOff,      // the live journal keeps everything (the default)
  kArchive,  // batches a snapshot covers move to <data>/journal-archive
  kDelete,   // they are deleted: only snapshots and the live tail remain
};

struct ArchivedSegment {
  Seq first = 0, last = 0;
  std::string path;
};

// The archive's segments, ascending (files that are not segments are ignored).
std::vector<ArchivedSegment> ListArchive(const std::string& archive_dir);

struct RetentionResult {
  Seq first = 0, last = 0;  // the events moved out (0, 0: none)
  uint64_t batches = 0, bytes = 0;
  std::string segment;  // the archive file written (kArchive)
};

// Moves (kArchive) or deletes (kDelete) every live batch that ends at or before `cutoff`. The
// segment file is written, synced and renamed into place before the live journal forgets the
// batches, so a crash in between leaves them in both (the reader skips the overlap).
Result<RetentionResult> ApplyRetention(JournalStore& live, const std::string& data_dir,
                                       Seq cutoff, Retention mode);

// A read-only journal: the archive's segments, then the live store after them. Append and
// Sync fail; the writer keeps using the live store.
std::unique_ptr<JournalStore> WithArchive(const std::string& archive_dir, JournalStore& live);

}  // namespace cm::journal
