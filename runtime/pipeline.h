#pragma once
// The running engine, stage by stage (docs/architecture.md draws the rest of the server):
//
//   producers: I/O threads (api/), Ticker (time), payment worker, waiting-room sweeps
//       | TryPublish: claim a slot in the input ring (multi-producer); full = kFull
//       v
//   sequencer thread: Sequencer::Execute decides each command and builds its events in
//       | output-ring slots (no I/O, no clock, no locks); every N events it marks a snapshot
//       | (one event): the snapshot taker (runtime/snapshot_taker.h), a state of its own kept
//       | from the durable journal, encodes and writes it, and the digest comes back for the log
//       v
//   journal thread: one group commit (WriteBatch + WAL sync) per batch -> durable_seq
//       | only events <= durable_seq go on
//       v
//   publisher: the DurableListener, in practice a DurableFanOut whose named stages run in
//       order (read model, live feed, workers, ..., replies)
//
// On a machine with two cores or fewer the journal thread is the publisher too (see
// PipelineOptions::publisher): one thread and one hand-off per batch fewer.
//
// Fail-stop: if the journal cannot write, the sequencer throws or a listener throws, the
// pipeline halts: it stops taking commands (TryPublish answers kHalted), and halt_reason() says
// why. Nothing after the failure is ever reported durable.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine_state.h"
#include "engine/event.h"
#include "engine/ring/ring_buffer.h"
#include "engine/ring/sequence_barrier.h"
#include "engine/sequencer.h"
#include "engine/ring/wait_strategy.h"
#include "journal/journal_archive.h"
#include "journal/journal_store.h"
#include "journal/journal_writer.h"
#include "journal/recovery.h"
#include "metrics/histogram.h"
#include "runtime/journal_replicator.h"
#include "runtime/snapshot_taker.h"

namespace cm::runtime {

using engine::Seq;

struct PipelineOptions {
  std::string data_dir = "./data";
  journal::Durability durability = journal::Durability::kSync;
  std::size_t input_ring_size = 1 << 16;   // power of two
  std::size_t output_ring_size = 1 << 16;  // power of two
  // Events between snapshots (0 = only on request); a snapshot is not marked before the taker
  // has taken the previous one.
  uint64_t snapshot_every = 1'000'000;
  int snapshots_kept = 2;
  // With each snapshot, the digest of the state it holds goes into the log (engine/event.h
  // StateHashed), for followers and `replay --verify` to check theirs against.
  bool record_state_hashes = true;
  // After each snapshot, the live journal's batches it covers are archived or deleted
  // (journal/journal_archive.h), but never past `retention_floor()` when given (the Kafka
  // outbox's acknowledged seq: it still has to read what comes after).
  journal::Retention retention = journal::Retention::kOff;
  std::function<Seq()> retention_floor;
  // Replication (runtime/journal_replicator.h): each batch is sent there beside the local
  // journal, and nothing is reported durable before it is replicated too. Open first sends
  // the local journal's tail the replicas lack, and fails when they are ahead of it. Not
  // owned; must outlive the pipeline.
  JournalReplicator* replicator = nullptr;
  // With an elected leader (app/leader_election.h): asked before anything is reported durable.
  // False means this node may no longer be the leader (its lease may have run out while it was
  // paused or cut off), and a newer leader may have read the log without these batches: the
  // pipeline halts and answers nothing more.
  std::function<bool()> holds_leadership;
  // Benchmarks: stamp each event with the time it passed each stage (EventSlot::stages).
  bool stage_timestamps = false;
  // Deliver durable events to the listener from the journal thread, right after each sync,
  // instead of from a publisher thread of their own. On a machine with few cores the extra
  // thread buys no overlap, only a hand-off (a wake-up and a context switch per batch).
  // Default: inline when the machine has at most two cores.
  enum class Publisher { kAuto, kInline, kThread };
  Publisher publisher = Publisher::kAuto;
  engine::EngineConfig engine;
  // Tests only: called on the sequencer thread before each command; may throw to prove that
  // an exception in the sequencer stops the pipeline.
  std::function<void(const engine::Command&)> fault_injection;
};

// The publisher stage. Called on one thread only (the publisher's, or the journal's), with
// events at or below the durable seq, in seq order.
class DurableListener {
 public:
  virtual ~DurableListener() = default;
  // Once, before the threads start: the state recovery produced (seq = recovered_seq()).
  virtual void OnRecovered(const engine::EngineState& /*state*/) {}
  virtual void OnDurable(const engine::EventSlot& slot) = 0;
  // After each batch: everything up to `durable_seq` has been delivered.
  virtual void OnBatchDelivered(Seq /*durable_seq*/) {}
  // On a follower, before each replicated batch's events: when the leader sent that batch to
  // the log (wall clock, microseconds; 0 when the log does not say), so staleness measured
  // downstream can count from the leader rather than from this copy.
  virtual void OnReplicatedBatch(int64_t /*leader_sent_us*/) {}
  // The pipeline halted (any thread): commands still waiting will never be answered.
  virtual void OnHalted(const std::string& /*reason*/) {}
};

// What the stages measure, for /metrics.
struct PipelineStats {
  metrics::Histogram sequencer_batch{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096};  // commands
  metrics::Histogram journal_batch{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096};    // events
  metrics::Histogram journal_sync_us{100, 250, 500, 1000, 2000, 5000, 10000, 25000, 50000, 100000};
  // With replication: how long a batch waited for its replicas after the local sync ended.
  metrics::Histogram replication_wait_us{50, 100, 250, 500, 1000, 2000, 5000, 10000, 25000,
                                         50000, 100000, 1000000};
  // Time the sequencer thread spends on one batch deciding and handing events on, in ns (a
  // batch of one command takes about a microsecond). Waits for room in the output ring (the
  // journal is behind) are not in it: they are back-pressure, counted apart below. Measured
  // around the sequencer, never fed into it.
  metrics::Histogram sequencer_batch_ns{2'000, 5'000, 10'000, 25'000, 50'000, 100'000, 250'000,
                                        500'000, 1'000'000, 2'500'000, 5'000'000, 10'000'000,
                                        50'000'000};
  std::atomic<uint64_t> sequencer_backpressure_ns{0};
  // The longest batch (as sequencer_batch_ns), and the longest time marking a snapshot took
  // the sequencer (everything else of a snapshot happens on the taker's thread), in ns, since
  // Pipeline::TakeLongestPauses.
  std::atomic<uint64_t> sequencer_batch_max_ns{0};
  std::atomic<uint64_t> snapshot_pause_max_ns{0};
};

class Pipeline {
 public:
  enum class PublishResult { kOk, kFull, kHalted };

  // Recovers the state from options.data_dir (snapshot + journal tail) and starts the threads.
  // `listener` may be null; otherwise it must outlive the pipeline.
  static Result<std::unique_ptr<Pipeline>> Open(const PipelineOptions& options,
                                                DurableListener* listener);
  // The same over a given journal store (tests inject failures with MemoryJournal).
  static Result<std::unique_ptr<Pipeline>> Open(const PipelineOptions& options,
                                                std::unique_ptr<journal::JournalStore> store,
                                                DurableListener* listener);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Thread-safe, lock-free, never blocks: kFull when the input ring has no free slot.
  PublishResult TryPublish(engine::Command cmd);

  // Stops taking commands, finishes everything already published (decided, journaled,
  // delivered), writes nothing more, and joins the threads. Idempotent.
  void Stop();

  Seq durable_seq() const { return durable_seq_.load(std::memory_order_acquire); }
  // Commands published but not yet taken by the sequencer.
  int64_t input_depth() const { return input_.Claimed() - input_consumed_.Get(); }
  int64_t input_capacity() const { return input_.capacity(); }
  const PipelineStats& stats() const { return stats_; }
  // The longest pauses since the last call (benchmarks compare runs with it), and resets them.
  struct LongestPauses {
    uint64_t batch_ns = 0;
    uint64_t snapshot_ns = 0;
  };
  LongestPauses TakeLongestPauses() {
    return {stats_.sequencer_batch_max_ns.exchange(0), stats_.snapshot_pause_max_ns.exchange(0)};
  }
  // Thread-safe: changes the snapshot interval (events; 0 = only on request) from the next
  // batch boundary on.
  void set_snapshot_every(uint64_t events) {
    snapshot_every_.store(events, std::memory_order_relaxed);
  }
  const std::string& data_dir() const { return options_.data_dir; }
  // How far the snapshot taker's own state has applied the journal (benchmarks wait on it).
  // Not beside Stop(), which ends the taker.
  Seq snapshot_taker_seq() const { return taker_ ? taker_->applied_seq() : 0; }
  // The journal's unflushed bytes in memory (JournalStore::MemoryBytes).
  uint64_t journal_memory_bytes() const { return store_->MemoryBytes(); }
  bool halted() const { return halted_.load(std::memory_order_acquire); }
  std::string halt_reason() const;

  // Thread-safe: visits journal batches from the one holding `from` on, beside the journal
  // writer (JournalStore::Scan). Callers use only events at or below durable_seq().
  Status ScanJournal(Seq from, const std::function<bool(Seq first, std::string_view records)>& visit) {
    return store_->Scan(from, visit);
  }

  // A snapshot on request (for an online backup): the sequencer marks one at its next batch
  // boundary (within a clock tick), and the snapshot taker writes it once durable, decodes it
  // again and hashes it. `done` runs on the taker's thread with the snapshot file still in
  // place (no newer snapshot can replace it meanwhile), or with an error if the pipeline stops
  // or halts first. False, and `done` is dropped, when a request is already pending or the
  // pipeline is not taking commands.
  struct SnapshotTaken {
    Seq seq = 0;
    std::string path;
    uint64_t state_hash = 0;
  };
  using SnapshotDone = std::function<void(Result<SnapshotTaken>)>;
  bool RequestSnapshot(SnapshotDone done);
  // Thread-safe: copies the journal into `dir` beside the writer (JournalStore::Checkpoint).
  Status CheckpointJournal(const std::string& dir) { return store_->Checkpoint(dir); }

  // What recovery found at startup.
  Seq recovered_seq() const { return recovered_seq_; }
  Seq recovered_snapshot_seq() const { return recovered_snapshot_seq_; }
  uint64_t snapshots_written() const { return snapshots_written_.load(); }

  // The sequencer's state, for tests and tools after Stop() (not while running).
  const engine::EngineState& state_after_stop() const { return *state_; }

 private:
  using InputRing = engine::RingBuffer<engine::Command, engine::BlockingWait>;
  using OutputRing =
      engine::RingBuffer<engine::EventSlot, engine::BlockingWait, engine::ProducerMode::kSingle>;
  class OutputSink;

  Pipeline(const PipelineOptions& options, std::unique_ptr<journal::JournalStore> store,
           std::unique_ptr<engine::EngineState> state, DurableListener* listener);
  void Start();
  void Halt(const std::string& reason);
  void SequencerLoop();
  void JournalLoop();
  void PublisherLoop();
  // Hands output_[first..last] to the listener; false (after halting) if it threw.
  bool Deliver(int64_t first, int64_t last);
  // The journal thread's steps: wait for new events (or, while batches await the replicas,
  // for either); journal a batch (and send it to the replicas); release what is durable.
  // The last two return false after halting.
  int64_t WaitForJournalWork(int64_t next, int64_t committed, bool* done);
  bool JournalBatch(int64_t first, int64_t last_slot);
  bool ReleaseDurable(int64_t committed, bool block);
  // Before the threads start: sends the recovered journal's batches the replicas lack.
  Status CatchUpReplicas(journal::JournalStore& journal);
  bool inline_publisher_ = false;
  // Sequencer, at a batch boundary: records the digests the taker handed back, and marks a
  // snapshot when one is due or asked for.
  void MaybeSnapshot(OutputSink& sink);
  // Sequencer: the digests the taker handed back go into the log; true if there were any.
  bool RecordDigests(OutputSink& sink);
  // Taker's thread: a marked snapshot was written (or could not be).
  void OnSnapshotTaken(const SnapshotTaker::Taken& taken, std::string_view payload);
  // Journal retention after the snapshot of `snapshot_seq` (taker's thread).
  void ApplyRetention(Seq snapshot_seq);
  // Hands the outcome to RequestSnapshot's waiter, if any.
  void FinishRequestedSnapshot(Result<SnapshotTaken> outcome);

  const PipelineOptions options_;
  std::unique_ptr<journal::JournalStore> store_;
  std::unique_ptr<engine::EngineState> state_;
  engine::Sequencer sequencer_;
  DurableListener* listener_;
  journal::JournalWriter writer_;
  // With replicas (journal thread): batches synced locally and not yet released, for the
  // replication_wait_us histogram.
  struct SyncedBatch {
    int64_t last_slot;
    std::chrono::steady_clock::time_point synced_at;
  };
  std::deque<SyncedBatch> synced_batches_;
  Seq recovered_seq_ = 0;
  Seq recovered_snapshot_seq_ = 0;
  Seq last_snapshot_seq_ = 0;
  Seq last_mark_ = 0;  // the seq of the last SnapshotMarked this run wrote (sequencer thread)
  std::atomic<uint64_t> snapshot_every_;

  InputRing input_;
  engine::Sequence input_consumed_;
  engine::SequenceBarrier<InputRing> input_barrier_;
  OutputRing output_;
  engine::Sequence journal_done_;
  engine::Sequence publisher_done_;
  engine::SequenceBarrier<OutputRing> journal_barrier_;
  engine::SequenceBarrier<OutputRing> publisher_barrier_;

  std::atomic<Seq> durable_seq_{0};
  PipelineStats stats_;
  std::atomic<bool> accepting_{true};
  std::atomic<bool> halted_{false};
  mutable std::mutex halt_mu_;  // guards halt_reason_; only on the failure path
  std::string halt_reason_;

  std::unique_ptr<SnapshotTaker> taker_;
  std::atomic<uint64_t> snapshots_written_{0};
  std::atomic<bool> snapshot_requested_{false};
  // The seq of the mark made for the pending request (0: not marked yet).
  std::atomic<Seq> requested_mark_{0};
  std::mutex requested_mu_;
  SnapshotDone requested_done_;  // guarded by requested_mu_
  // Digests the taker handed back, for the sequencer to record (StateHashed).
  struct Digest {
    Seq seq;
    uint8_t format;
    uint64_t digest;
  };
  std::atomic<bool> digests_waiting_{false};
  std::mutex digests_mu_;
  std::vector<Digest> digests_;  // guarded by digests_mu_

  std::thread sequencer_thread_, journal_thread_, publisher_thread_;
  bool stopped_ = false;
};

}  // namespace cm::runtime
