#pragma once
// Takes the pipeline's snapshots off the sequencer thread (docs/architecture.md, "Snapshots
// off the sequencer"). It keeps a state of its own: rebuilt when it starts from the newest
// snapshot and the journal, as recovery does, then kept current from the journal alone, never
// past what is durable. Where the log marks a snapshot (engine/event.h SnapshotMarked, at seq
// S + 1) its state is exactly the one the sequencer had at S: it encodes it there, writes the
// file and hands the digest back for the log. It checks the log's digests as a follower does
// (engine/codec/state_hash_checker.h); a difference, or an event that does not apply, stops it
// and is reported as a failure.
//
// The sequencer only writes the mark (an event, about a microsecond). Applying every durable
// event a second time and encoding each snapshot cost this thread, on another core.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "engine/codec/state_hash_checker.h"
#include "engine/engine_state.h"
#include "engine/event.h"
#include "journal/journal_store.h"

namespace cm::runtime {

struct SnapshotTakerOptions {
  std::string data_dir;  // snapshots go to journal::SnapshotDir(data_dir)
  int snapshots_kept = 2;
  engine::EngineConfig engine;
  // 0: a snapshot at every mark (a leader's taker: the sequencer marks on its schedule). Else
  // (a follower's) one every this many events, at a mark when one comes past half of that.
  uint64_t snapshot_every = 0;
};

class SnapshotTaker {
 public:
  struct Taken {
    engine::Seq seq = 0;  // of the state
    uint8_t format = 0;
    uint64_t digest = 0;  // EncodedStateDigest of the payload
    std::string path;     // the file, when `written` is OK
    Status written;
  };
  struct Hooks {
    std::function<engine::Seq()> durable_seq;  // how far it may read
    // On the taker's thread, after the file is written (or could not be), with its bytes.
    std::function<void(const Taken&, std::string_view payload)> on_taken;
    // On the taker's thread; it stops after this.
    std::function<void(const std::string& reason)> on_failure;
    // Optional, on the taker's thread: this many more of the log's digests matched.
    std::function<void(uint64_t more)> on_checked;
  };

  // `journal` must outlive the taker; its Scan runs beside the writer.
  SnapshotTaker(SnapshotTakerOptions options, journal::JournalStore& journal, Hooks hooks);
  ~SnapshotTaker();
  SnapshotTaker(const SnapshotTaker&) = delete;
  SnapshotTaker& operator=(const SnapshotTaker&) = delete;

  // `start`: the seq it begins at, read by the caller on the thread that owns the journal's
  // progress (every later event, a mark included, is then read and handled here).
  void Start(engine::Seq start);
  // Reads what is durable by now, taking any snapshot marked there, and stops; or, with
  // `catch_up` false, stops after the batch in hand. Idempotent.
  void Stop(bool catch_up = true);
  // Looks at the journal now rather than at its next poll.
  void Wake();

  engine::Seq applied_seq() const { return applied_seq_.load(std::memory_order_acquire); }

 private:
  void Loop(engine::Seq start);
  Status Recover(engine::Seq start);
  // Applies the durable events after its state, up to `durable`, taking snapshots on the way.
  Status CatchUp(engine::Seq durable);
  // Checks and applies event_ (of the batch starting at `batch`); at a mark, takes it first.
  Status Step(engine::Seq batch);
  // The state as it stands, encoded in `payload` (`format`), written and handed on.
  void Take(uint8_t format, const std::string& payload);

  const SnapshotTakerOptions options_;
  journal::JournalStore& journal_;
  const Hooks hooks_;
  std::unique_ptr<engine::EngineState> state_;
  engine::StateHashChecker checker_;
  engine::Event event_;  // reused while decoding
  engine::Seq last_taken_ = 0;  // the newest snapshot written, or tried
  std::string encoded_;         // a snapshot not taken at a mark, while it is written
  uint64_t reported_checks_ = 0;

  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;  // guarded by mu_
  std::atomic<bool> stop_{false};
  std::atomic<bool> abandon_{false};
  std::atomic<engine::Seq> applied_seq_{0};
};

}  // namespace cm::runtime
