#pragma once
// Where journal batches live. A batch is the packed records (engine/event_codec.h) of one group
// commit, stored under its first sequence number, so batches sort by sequence. The RocksDB
// store is the real one; tests use the in-memory store to inject failures.
// Thread-safety: one writer thread. Scan may run on other threads beside it (the outbox tails
// the journal): it sees whole batches, and every batch at or below the durable seq.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "engine/status.h"
#include "engine/types.h"

namespace cm::journal {

using engine::Seq;

enum class Durability {
  kSync,   // every batch is fsynced before durable_seq moves (the default, and the only
           // mode a server may run with)
  kAsync,  // BENCHMARKS ONLY: written to the OS, not fsynced; a crash can lose acknowledged
           // events
};

class JournalStore {
 public:
  virtual ~JournalStore() = default;

  // Appends one batch holding events [first, last]: written, not yet durable. Atomic: after a
  // crash either the whole batch is there or none of it. REQUIRES: first == the last stored
  // seq + 1.
  virtual Status Append(Seq first, Seq last, std::string_view records) = 0;
  // Makes every appended batch durable (kSync; a no-op in kAsync). Apart from Append so the
  // journal can time the write and the sync separately.
  virtual Status Sync() = 0;

  // Visits batches in order, starting with the batch that contains `from` (or the first batch
  // after it). `visit` returns false to stop. Returns the store's error, if any.
  virtual Status Scan(Seq from,
                      const std::function<bool(Seq first, std::string_view records)>& visit) = 0;

  // Where the batch starting at `first` lives, for error messages.
  virtual std::string Describe(Seq first) const = 0;

  // Bytes the store keeps in memory for batches not yet flushed to files (RocksDB's
  // memtables), for memory figures; 0 when it cannot say. Thread-safe beside the writer.
  virtual uint64_t MemoryBytes() const { return 0; }

  // Forgets every batch that starts before `first_kept` (journal retention, on another thread
  // beside the writer). REQUIRES: those batches are no longer needed by anyone reading.
  virtual Status DropBefore(Seq first_kept) {
    return Status::InvalidArgument("this journal store cannot drop batches (before " +
                                   std::to_string(first_kept) + ")");
  }

  // Forgets every batch that starts at or after `first_dropped`, durably (a follower cutting
  // back a tail its leader's log superseded; runtime/follower.h). No writer may run meanwhile.
  virtual Status DropFrom(Seq first_dropped) {
    return Status::InvalidArgument("this journal store cannot drop its tail (from " +
                                   std::to_string(first_dropped) + ")");
  }

  // Copies the journal as it stands into `dir` (which must not exist), beside the writer: every
  // batch durable before the call is in the copy, and whole batches only. A store that cannot
  // (the in-memory one) says so.
  virtual Status Checkpoint(const std::string& dir) {
    return Status::InvalidArgument("this journal store cannot be checkpointed (" + dir + ")");
  }
};

// Opens (creating if needed) the RocksDB journal in `dir`.
Result<std::unique_ptr<JournalStore>> OpenRocksJournal(const std::string& dir,
                                                       Durability durability);

}  // namespace cm::journal
