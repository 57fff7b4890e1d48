#pragma once
// Group commit: the journal thread adds every event of a ring batch, then commits them as one
// store append (one WriteBatch, one WAL sync). After the first failure the writer is halted for
// good (fail-stop): it refuses every later commit and keeps the reason.
// Thread-safety: the journal thread only, except halted()/reason() which any thread may read
// once halted() has returned true.

#include <atomic>
#include <string>
#include <string_view>

#include "engine/event.h"
#include "journal/journal_store.h"

namespace cm::journal {

class JournalWriter {
 public:
  // `store` must outlive the writer. `next_seq` is the first seq this writer will append.
  JournalWriter(JournalStore& store, Seq next_seq) : store_(store), next_seq_(next_seq) {}

  // REQUIRES: e.seq is the next seq after the last added one.
  void Add(const engine::Event& e);
  // Writes everything added since the last commit and makes it durable. On failure the writer
  // halts. `written_ns`, if given, gets the steady-clock time between the write and the sync.
  Status Commit(int64_t* written_ns = nullptr);

  bool halted() const { return halted_.load(std::memory_order_acquire); }
  const std::string& reason() const { return reason_; }
  Seq last_committed() const { return next_seq_ - 1; }
  std::size_t pending_events() const { return pending_; }
  // The batch Commit will write: its first seq and its bytes (what replication sends).
  Seq pending_first() const { return next_seq_; }
  std::string_view pending_records() const { return buffer_; }

 private:
  JournalStore& store_;
  Seq next_seq_;  // first seq of the pending batch
  std::size_t pending_ = 0;
  std::string buffer_;
  std::string reason_;
  std::atomic<bool> halted_{false};
};

}  // namespace cm::journal
