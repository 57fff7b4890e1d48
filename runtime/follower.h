#pragma once
// A follower: a hot standby or a read replica. It runs no sequencer; it applies the leader's
// replicated journal (runtime/journal_source.h) batch by batch, to its own state and to its own
// journal, and hands each batch to the same durable listener a leader's pipeline feeds (read
// model, live seat map, notices), so it serves reads exactly as the leader would at that seq.
//
// For each batch, in log order:
//   - every record is decoded and its checksum checked; the seqs must be consecutive and
//     match the batch's labels;
//   - a batch of an older term than the state's is a fenced-off leader's (its writes were
//     never acknowledged, engine/event.h TermStarted): passed over;
//   - a batch the follower already has (its last seq at or below the applied one) is passed
//     over, unless it belongs to a newer term: then this journal holds events of an older term
//     that the log replaced (a former leader's that never reached Kafka, so were never
//     acknowledged; or a fenced-off leader's). The follower cuts its journal back to just
//     before the batch, keeps the cut events aside in <data>/diverged/ for an operator, rebuilds
//     its state (and its listener's) at that seq, and applies the batch;
//   - a batch that does not start right after the applied seq is a gap: the follower stops;
//   - otherwise its events are applied to the state (which checks them), then the batch is
//     appended to the local journal and synced, then delivered to the listener.
// Beside it, on a thread of its own, a snapshot taker (runtime/snapshot_taker.h) follows the
// local journal: where the leader marked a snapshot (SnapshotMarked) it encodes its state,
// writes the follower's snapshot, and compares digests when the leader's StateHashed of that
// seq comes; a difference stops the follower. So the thread that applies never encodes.
// So the follower's journal is a prefix of the leader's, byte for byte, and recovery and
// `replay --verify` work on it as on the leader's.
//
// Fail-stop, as the pipeline: after a failure nothing more is applied, OnHalted is called, and
// failure() says why. Thread-safety: Start/Stop/CatchUpAndStop from one controlling thread; the
// getters from any thread.

#include <atomic>
#include <string_view>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine_state.h"
#include "journal/journal_store.h"
#include "runtime/journal_source.h"
#include "runtime/pipeline.h"
#include "runtime/snapshot_taker.h"

namespace cm::runtime {

struct FollowerOptions {
  std::string data_dir = "./data";
  journal::Durability durability = journal::Durability::kSync;
  engine::EngineConfig engine;
  // A snapshot every this many applied events (0 = only where the leader marked one), written
  // by the snapshot taker, so a restart or a promotion replays only the journal's tail.
  uint64_t snapshot_every = 1'000'000;
  int snapshots_kept = 2;
};

class Follower {
 public:
  // Recovers the state from options.data_dir as a pipeline would (snapshot + journal), and
  // gives it to `listener` (which may be null, else must outlive the follower).
  static Result<std::unique_ptr<Follower>> Open(const FollowerOptions& options,
                                                DurableListener* listener);
  static Result<std::unique_ptr<Follower>> Open(const FollowerOptions& options,
                                                std::unique_ptr<journal::JournalStore> store,
                                                DurableListener* listener);
  ~Follower();
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  // Starts applying the log from `source`, which must outlive Stop().
  void Start(JournalSource& source);
  // Stops after the batch in hand. Idempotent.
  void Stop();
  // A promotion's first step: applies every batch the log holds, then stops. Fails if the log
  // cannot be read to its end within `timeout`, or the follower has failed.
  Status CatchUpAndStop(std::chrono::milliseconds timeout);

  engine::Seq applied_seq() const { return applied_seq_.load(std::memory_order_acquire); }
  engine::Term term() const { return term_.load(std::memory_order_relaxed); }
  // The leader's clock on the last applied event (for the lag).
  engine::TimeMs last_event_ts() const { return last_ts_.load(std::memory_order_relaxed); }
  // Batches of the log not applied yet; -1 when unknown.
  int64_t batches_behind() const;
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  std::string failure() const;
  engine::Seq recovered_seq() const { return recovered_seq_; }
  // After Stop: hands the local journal over (to the pipeline a promotion opens on it). The
  // getters above keep working.
  std::unique_ptr<journal::JournalStore> ReleaseJournal();

  struct Stats {
    std::atomic<uint64_t> applied_batches{0};
    std::atomic<uint64_t> applied_events{0};
    std::atomic<uint64_t> duplicate_batches{0};  // already applied (a resend)
    std::atomic<uint64_t> fenced_batches{0};     // an older term's
    std::atomic<uint64_t> cut_events{0};         // cut back: a newer term replaced them
    std::atomic<uint64_t> snapshots{0};          // snapshots written
    std::atomic<uint64_t> state_checks{0};       // leader's state digests matched
  };
  const Stats& stats() const { return stats_; }

  // The state, for tests and tools after Stop() (not while running).
  const engine::EngineState& state_after_stop() const { return *state_; }

 private:
  Follower(const FollowerOptions& options, std::unique_ptr<journal::JournalStore> store,
           std::unique_ptr<engine::EngineState> state, DurableListener* listener);
  void Loop();
  // Decodes, checks, applies, journals and delivers one batch (the list above).
  Status Handle(const ReplicatedBatch& batch);
  Status Deliver(engine::Seq last, int64_t leader_sent_us);
  // Cuts the journal back to before `from` (the divergence above), the cut batches kept aside.
  Status CutBack(engine::Seq from);
  // The snapshot taker: it checks the leader's digests and writes snapshots, on its own thread.
  void StartTaker();
  void StopThreads(bool catch_up);
  void Fail(const std::string& reason);
  // The taker's failures, from its thread, are raised on the applying thread between batches
  // (so a batch in hand is never half-reported: once failed(), applied_seq() moves no more), or
  // by StopThreads once both threads have stopped: OnHalted may then run inside Stop(),
  // CatchUpAndStop(), ReleaseJournal() or the destructor, on the controlling thread.
  void OnTakerFailure(const std::string& reason);
  void RaiseTakerFailure();

  const FollowerOptions options_;
  std::unique_ptr<journal::JournalStore> store_;
  std::unique_ptr<engine::EngineState> state_;
  DurableListener* listener_;
  const engine::Seq recovered_seq_;
  std::unique_ptr<SnapshotTaker> taker_;
  std::vector<engine::EventSlot> slots_;  // the batch in hand, reused

  JournalSource* source_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> catch_up_{false};

  mutable std::mutex mu_;
  std::condition_variable finished_cv_;
  bool finished_ = false;     // guarded by mu_: the loop has exited
  bool reached_end_ = false;  // guarded by mu_: it exited at the end of the log (catch-up)
  std::string failure_;       // guarded by mu_
  std::string taker_failure_;  // guarded by mu_: raised by the applying thread
  std::atomic<bool> taker_failed_{false};

  std::atomic<engine::Seq> applied_seq_{0};
  std::atomic<engine::Term> term_{0};
  std::atomic<engine::TimeMs> last_ts_{0};
  std::atomic<bool> failed_{false};
  Stats stats_;
};

}  // namespace cm::runtime
