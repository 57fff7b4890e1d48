#include "runtime/pipeline.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <utility>

#include "engine/codec/event_codec.h"
#include "engine/codec/state_codec.h"
#include "journal/snapshot_files.h"

namespace cm::runtime {

using engine::Command;
using engine::Event;
using engine::EventSlot;

namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void StoreMax(std::atomic<uint64_t>& longest, uint64_t v) {
  uint64_t seen = longest.load(std::memory_order_relaxed);
  while (v > seen && !longest.compare_exchange_weak(seen, v, std::memory_order_relaxed)) {
  }
}

// How many events the sequencer decides before it makes them visible to the journal, at most:
// bounds the latency a huge input batch adds without giving up batching.
constexpr int64_t kMaxUnpublished = 1024;

}  // namespace

// Hands the sequencer output-ring slots to build its events in, and publishes them in batches.
// If the pipeline halts while it waits for room, it says so (halted()) and takes the rest of
// the command's events into a scratch event that goes nowhere: the sequencer loop stops at the
// end of that command. Nothing is thrown through the sequencer.
class Pipeline::OutputSink final : public engine::EventSink {
 public:
  explicit OutputSink(Pipeline& p) : p_(p) {}

  // The sequencer builds the event in the output slot itself.
  Event& NextEvent() override {
    if (halted_) return discarded_;
    int64_t s;
    if (!p_.output_.TryClaim(1, &s)) {
      const int64_t wait_start = NowNs();
      do {
        Flush();
        if (p_.halted()) {
          halted_ = true;
          return discarded_;
        }
        std::this_thread::yield();  // back-pressure: the journal is behind
      } while (!p_.output_.TryClaim(1, &s));
      waited_ns_ += NowNs() - wait_start;
    }
    claimed_ = s;
    return p_.output_[s].event;
  }

  void OnEvent(const Event& e, uint64_t token, bool ends_command) override {
    if (claimed_ < 0) NextEvent();  // `e` was built elsewhere: it is copied in below
    if (halted_) return;
    const int64_t s = std::exchange(claimed_, -1);
    EventSlot& slot = p_.output_[s];
    if (&e != &slot.event) slot.event = e;
    slot.request_token = token;
    slot.ends_command = ends_command;
    if (p_.options_.stage_timestamps) slot.stages = {NowNs(), 0, 0};
    if (first_ < 0) first_ = s;
    last_ = s;
    if (last_ - first_ + 1 >= kMaxUnpublished) Flush();
  }

  // The pipeline halted while this sink waited for room: stop deciding.
  bool halted() const { return halted_; }

  // Time spent waiting for room since the last call.
  int64_t TakeWaitedNs() { return std::exchange(waited_ns_, 0); }

  void Flush() {
    if (first_ < 0) return;
    p_.output_.Publish(first_, last_);
    first_ = -1;
  }

 private:
  Pipeline& p_;
  int64_t claimed_ = -1;
  int64_t first_ = -1, last_ = -1;
  int64_t waited_ns_ = 0;
  bool halted_ = false;
  Event discarded_;  // where events go once halted
};

Result<std::unique_ptr<Pipeline>> Pipeline::Open(const PipelineOptions& options,
                                                 DurableListener* listener) {
  auto store = journal::OpenRocksJournal(journal::JournalDir(options.data_dir),
                                         options.durability);
  if (!store.ok()) return store.status();
  return Open(options, std::move(store).value(), listener);
}

Result<std::unique_ptr<Pipeline>> Pipeline::Open(const PipelineOptions& options,
                                                 std::unique_ptr<journal::JournalStore> store,
                                                 DurableListener* listener) {
  journal::RecoveryOptions ro;
  ro.config = options.engine;
  // The archive first (journal retention), then the live journal.
  auto with_archive = journal::WithArchive(journal::ArchiveDir(options.data_dir), *store);
  auto recovered = journal::Recover(*with_archive, journal::SnapshotDir(options.data_dir), ro);
  if (!recovered.ok()) return recovered.status();
  const Seq snapshot_seq = recovered->snapshot_seq;
  std::unique_ptr<Pipeline> p(new Pipeline(options, std::move(store),
                                           std::move(recovered->state), listener));
  p->recovered_snapshot_seq_ = snapshot_seq;
  if (listener) listener->OnRecovered(*p->state_);
  p->last_snapshot_seq_ = snapshot_seq;
  for (const std::string& path : recovered->skipped_old_snapshots)
    spdlog::warn("snapshot {} is in an older state format; replayed the journal instead", path);
  spdlog::info("recovered state at seq {} (snapshot seq {} read in {:.0f} ms, {} events "
               "replayed in {:.0f} ms)",
               p->recovered_seq_, snapshot_seq, recovered->snapshot_seconds * 1e3,
               recovered->events_replayed, recovered->replay_seconds * 1e3);
  if (options.replicator != nullptr) {
    if (Status st = p->CatchUpReplicas(*with_archive); !st.ok()) {
      p->stopped_ = true;  // no thread was started: nothing to stop
      return st;
    }
    // The journal thread sleeps on the output ring; the replicas' progress wakes it there.
    Pipeline* raw = p.get();
    options.replicator->OnProgress([raw] { raw->output_.wait_strategy().Signal(); });
  }
  p->Start();
  return p;
}

Pipeline::Pipeline(const PipelineOptions& options, std::unique_ptr<journal::JournalStore> store,
                   std::unique_ptr<engine::EngineState> state, DurableListener* listener)
    : options_(options),
      store_(std::move(store)),
      state_(std::move(state)),
      sequencer_(*state_),
      listener_(listener),
      writer_(*store_, state_->last_seq() + 1),
      recovered_seq_(state_->last_seq()),
      snapshot_every_(options.snapshot_every),
      input_(options.input_ring_size),
      input_barrier_(input_),
      output_(options.output_ring_size),
      journal_barrier_(output_),
      publisher_barrier_(output_, {&journal_done_}) {
  durable_seq_.store(state_->last_seq());
  input_.AddGatingSequence(&input_consumed_);
  using Publisher = PipelineOptions::Publisher;
  inline_publisher_ = options.publisher == Publisher::kInline ||
                      (options.publisher == Publisher::kAuto &&
                       std::thread::hardware_concurrency() <= 2);
  output_.AddGatingSequence(listener_ && !inline_publisher_ ? &publisher_done_ : &journal_done_);
}

void Pipeline::Start() {
  SnapshotTaker::Hooks hooks;
  hooks.durable_seq = [this] { return durable_seq(); };
  hooks.on_taken = [this](const SnapshotTaker::Taken& t, std::string_view payload) {
    OnSnapshotTaken(t, payload);
  };
  hooks.on_failure = [this](const std::string& why) { Halt("snapshot taker: " + why); };
  taker_ = std::make_unique<SnapshotTaker>(
      SnapshotTakerOptions{options_.data_dir, options_.snapshots_kept, options_.engine}, *store_,
      std::move(hooks));
  taker_->Start(state_->last_seq());  // before the sequencer runs: no mark can come first
  // Named, so top, perf and gdb tell them apart.
  sequencer_thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "cm-sequencer");
    SequencerLoop();
  });
  journal_thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "cm-journal");
    JournalLoop();
  });
  if (listener_ && !inline_publisher_)
    publisher_thread_ = std::thread([this] {
      ::pthread_setname_np(::pthread_self(), "cm-publisher");
      PublisherLoop();
    });
}

Pipeline::~Pipeline() { Stop(); }

Pipeline::PublishResult Pipeline::TryPublish(Command cmd) {
  if (halted()) return PublishResult::kHalted;
  if (!accepting_.load(std::memory_order_acquire)) return PublishResult::kHalted;
  const bool ok = input_.TryPublish([&](Command& slot) { slot = std::move(cmd); });
  return ok ? PublishResult::kOk : PublishResult::kFull;
}

void Pipeline::Halt(const std::string& reason) {
  {
    std::lock_guard lock(halt_mu_);
    if (halted_.load()) return;
    halt_reason_ = reason;
    halted_.store(true, std::memory_order_release);
  }
  spdlog::critical("pipeline halted, no more writes are taken: {}", reason);
  if (listener_) listener_->OnHalted(reason);
  FinishRequestedSnapshot(Status::Halted(reason));
}

std::string Pipeline::halt_reason() const {
  std::lock_guard lock(halt_mu_);
  return halt_reason_;
}

// Waits on a barrier; after an alert, drains what is already there and then reports the end.
// Returns the highest sequence to process, or next - 1 when the stage should exit.
template <class Barrier>
static int64_t NextBatch(Barrier& barrier, int64_t next, bool* done) {
  int64_t available = barrier.WaitFor(next);
  if (available >= next) return available;
  if (barrier.alerted()) {
    available = barrier.Available(next);
    if (available < next) *done = true;
  }
  return available;
}

void Pipeline::SequencerLoop() {
  OutputSink sink(*this);
  int64_t next = input_consumed_.Get() + 1;
  bool done = false;
  while (!done && !halted()) {
    const int64_t available = NextBatch(input_barrier_, next, &done);
    if (available < next) continue;
    const int64_t batch_start = NowNs();
    for (int64_t s = next; s <= available; ++s) {
      Command& cmd = input_[s];
      try {
        if (options_.fault_injection) options_.fault_injection(cmd);
        sequencer_.Execute(cmd, sink);
      } catch (const std::exception& ex) {
        sink.Flush();  // events decided before the failure are sound; let them be journaled
        Halt("sequencer: fatal error at event seq " + std::to_string(state_->last_seq() + 1) +
             " deciding " + std::string(engine::ToString(engine::TypeOf(cmd))) + ": " +
             ex.what());
        return;
      }
      if (sink.halted()) {  // the journal failed while this command waited for room
        spdlog::info("sequencer stopped at seq {}: the pipeline halted", state_->last_seq());
        return;
      }
      cmd.body = engine::TickCmd{};  // drop what the command owned (specs, strings) now
    }
    sink.Flush();
    stats_.sequencer_batch.Observe(static_cast<uint64_t>(available - next + 1));
    const int64_t waited = sink.TakeWaitedNs();
    const auto batch_ns = static_cast<uint64_t>(NowNs() - batch_start - waited);
    stats_.sequencer_batch_ns.Observe(batch_ns);
    StoreMax(stats_.sequencer_batch_max_ns, batch_ns);
    stats_.sequencer_backpressure_ns.fetch_add(static_cast<uint64_t>(waited),
                                               std::memory_order_relaxed);
    input_consumed_.Set(available);
    next = available + 1;
    MaybeSnapshot(sink);
  }
  if (halted() || last_mark_ == 0 || !options_.record_state_hashes) return;
  // Stopping: the digest of the last snapshot marked goes into the log before the end, so
  // every mark this leader made can be checked. The mark is durable soon (the journal still
  // runs); the taker then needs one encoding.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (taker_->applied_seq() < last_mark_ && !halted() &&
         std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (RecordDigests(sink)) sink.Flush();
}

bool Pipeline::RecordDigests(OutputSink& sink) {
  if (!digests_waiting_.load(std::memory_order_acquire) || sink.halted() || halted())
    return false;
  std::vector<Digest> digests;
  {
    std::lock_guard lock(digests_mu_);
    digests.swap(digests_);
    digests_waiting_.store(false, std::memory_order_relaxed);
  }
  for (const Digest& d : digests) sequencer_.RecordStateHash(d.seq, d.digest, d.format, sink);
  return !digests.empty();
}

void Pipeline::MaybeSnapshot(OutputSink& sink) {
  if (sink.halted() || halted()) return;
  bool emitted = RecordDigests(sink);
  const bool requested = snapshot_requested_.load(std::memory_order_relaxed) &&
                         snapshot_requested_.exchange(false, std::memory_order_acq_rel);
  // A periodic mark waits until the taker has taken the previous one: it is never more than
  // one snapshot behind, however slow its encoding is against the offered load.
  const uint64_t every = snapshot_every_.load(std::memory_order_relaxed);
  const bool due = every != 0 && state_->last_seq() - last_snapshot_seq_ >= every &&
                   taker_->applied_seq() >= last_mark_;
  if (requested || due) {
    emitted = true;
    // All the sequencer does for a snapshot: one event, whatever the state's size.
    const int64_t start = NowNs();
    if (requested) requested_mark_.store(state_->last_seq() + 1, std::memory_order_release);
    last_snapshot_seq_ = sequencer_.MarkSnapshot(sink);
    last_mark_ = last_snapshot_seq_ + 1;
    StoreMax(stats_.snapshot_pause_max_ns, static_cast<uint64_t>(NowNs() - start));
  }
  if (emitted) sink.Flush();
}

void Pipeline::OnSnapshotTaken(const SnapshotTaker::Taken& taken, std::string_view payload) {
  if (options_.record_state_hashes) {
    std::lock_guard lock(digests_mu_);
    digests_.push_back({taken.seq, taken.format, taken.digest});
    digests_waiting_.store(true, std::memory_order_release);
  }
  const bool requested = requested_mark_.load(std::memory_order_acquire) == taken.seq + 1;
  if (requested) requested_mark_.store(0, std::memory_order_relaxed);
  if (!taken.written.ok()) {
    // Not fatal: the journal still holds everything; restart just replays more.
    spdlog::error("snapshot of seq {} not written: {}", taken.seq, taken.written.ToString());
    if (requested) FinishRequestedSnapshot(taken.written);
    return;
  }
  snapshots_written_.fetch_add(1);
  spdlog::info("snapshot of seq {} written ({} bytes)", taken.seq, payload.size());
  ApplyRetention(taken.seq);
  if (!requested) return;
  // Decoded again, as recovery would: the hash is of the state the file gives back.
  auto state = engine::DecodeState(payload, options_.engine);
  if (!state.ok()) return FinishRequestedSnapshot(state.status());
  FinishRequestedSnapshot(
      SnapshotTaken{taken.seq, taken.path, engine::StateHash(*state.value())});
}

void Pipeline::JournalLoop() {
  int64_t next = journal_done_.Get() + 1;
  // Slots up to `committed` are in the local journal; those up to journal_done_ are durable
  // (replicated too, with replicas) and delivered.
  int64_t committed = next - 1;
  bool done = false;
  while (!done || committed > journal_done_.Get()) {
    int64_t available = next - 1;
    if (!done) available = WaitForJournalWork(next, committed, &done);
    // What the replicas acknowledged meanwhile goes out before the next sync, not after it.
    if (options_.replicator != nullptr && !ReleaseDurable(committed, /*block=*/false)) return;
    if (available >= next) {
      if (!JournalBatch(next, available)) return;
      committed = available;
      next = available + 1;
    }
    // Stopping with batches the replicas lack: wait for them (bounded by GiveUpAfter).
    if (!ReleaseDurable(committed, /*block=*/done)) return;
  }
}

int64_t Pipeline::WaitForJournalWork(int64_t next, int64_t committed, bool* done) {
  JournalReplicator* r = options_.replicator;
  const int64_t oldest_unreleased = journal_done_.Get() + 1;
  if (r == nullptr || oldest_unreleased > committed) return NextBatch(journal_barrier_, next, done);
  // Batches await the replicas: wake for new events or for the replicas, whichever comes first.
  const Seq awaited = output_[oldest_unreleased].event.seq;
  int64_t available = journal_barrier_.WaitFor(
      next, [r, awaited] { return r->replicated_seq() >= awaited || r->failed(); });
  if (available < next && journal_barrier_.alerted()) {
    available = journal_barrier_.Available(next);
    if (available < next) *done = true;
  }
  return available;
}

bool Pipeline::JournalBatch(int64_t first, int64_t last_slot) {
  for (int64_t s = first; s <= last_slot; ++s) writer_.Add(output_[s].event);
  const Seq last = output_[last_slot].event.seq;
  if (options_.replicator != nullptr)  // in flight while the local sync runs
    options_.replicator->Send(writer_.pending_first(), last, output_[last_slot].event.term,
                              writer_.pending_records());
  const auto sync_start = std::chrono::steady_clock::now();
  int64_t written = 0;
  Status st = writer_.Commit(options_.stage_timestamps ? &written : nullptr);
  if (options_.stage_timestamps) {
    const int64_t synced = NowNs();
    for (int64_t s = first; s <= last_slot; ++s) {
      output_[s].stages.written = written;
      output_[s].stages.synced = synced;
    }
  }
  const auto synced_at = std::chrono::steady_clock::now();
  stats_.journal_sync_us.Observe(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(synced_at - sync_start).count()));
  stats_.journal_batch.Observe(static_cast<uint64_t>(last_slot - first + 1));
  if (!st.ok()) {
    Halt(st.message());
    return false;  // fail-stop: journal_done_ and durable_seq_ never move past the failure
  }
  if (options_.replicator != nullptr) synced_batches_.push_back({last_slot, synced_at});
  return true;
}

bool Pipeline::ReleaseDurable(int64_t committed, bool block) {
  const int64_t from = journal_done_.Get() + 1;
  if (from > committed) return true;
  Seq durable = output_[committed].event.seq;
  if (JournalReplicator* r = options_.replicator) {
    std::string why;
    if ((block || r->failed()) && !r->WaitReplicated(durable, &why)) {
      // Durable here but maybe nowhere else: never answered. A restart sends it to the
      // replicas before anything new (CatchUpReplicas).
      Halt("events up to " + std::to_string(durable) + " not replicated: " + why);
      return false;
    }
    durable = std::min(durable, r->replicated_seq());
    if (durable < output_[from].event.seq) return true;  // the oldest batch still awaits them
  }
  if (options_.holds_leadership && !options_.holds_leadership()) {
    Halt("this node may no longer lead (its leadership lease ran out): events up to " +
         std::to_string(durable) + " are not acknowledged");
    return false;
  }
  // Slots hold consecutive seqs.
  const int64_t upto = from + static_cast<int64_t>(durable - output_[from].event.seq);
  if (options_.replicator != nullptr) {
    const auto now = std::chrono::steady_clock::now();
    while (!synced_batches_.empty() && synced_batches_.front().last_slot <= upto) {
      stats_.replication_wait_us.Observe(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(
              now - synced_batches_.front().synced_at)
              .count()));
      synced_batches_.pop_front();
    }
  }
  durable_seq_.store(durable, std::memory_order_release);
  if (inline_publisher_ && listener_ != nullptr && !Deliver(from, upto)) return false;
  journal_done_.Set(upto);
  output_.wait_strategy().Signal();  // the publisher waits on this ring for journal_done_
  return true;
}

Status Pipeline::CatchUpReplicas(journal::JournalStore& journal) {
  JournalReplicator& r = *options_.replicator;
  const Seq replicated = r.replicated_seq();
  if (r.replicated_term() > state_->term())
    return Status::Corruption("the replicated journal is in term " +
                              std::to_string(r.replicated_term()) + ", newer than this node's " +
                              std::to_string(state_->term()) +
                              ": another leader took over; follow it (--role standby)");
  if (replicated > recovered_seq_)
    return Status::Corruption("the replicated journal is ahead of this node's (seq " +
                              std::to_string(replicated) + " > " +
                              std::to_string(recovered_seq_) +
                              "): this node missed events and must not take writes");
  if (replicated == recovered_seq_) return Status::OK();
  Seq expected = replicated + 1;
  Status error = Status::OK();
  Status scanned = journal.Scan(expected, [&](Seq first, std::string_view records) {
    Seq last = 0;
    engine::Event e;
    for (std::string_view in = records; !in.empty(); last = e.seq) {
      if (Status s = engine::DecodeEvent(&in, &e); !s.ok()) {
        error = Status::Corruption(journal.Describe(first) + ": " + s.message());
        return false;
      }
    }
    if (last < expected) return true;  // a batch the replicas have (the scan starts before)
    if (first != expected) {
      error = Status::Corruption("the journal has no batch starting at seq " +
                               std::to_string(expected) + " to replicate (retention?)");
      return false;
    }
    r.Send(first, last, e.term, records);
    expected = last + 1;
    return true;
  });
  if (!scanned.ok()) return scanned;
  if (!error.ok()) return error;
  if (expected != recovered_seq_ + 1)
    return Status::Corruption("the journal ends at seq " + std::to_string(expected - 1) +
                              ", before the recovered seq " + std::to_string(recovered_seq_));
  std::string why;
  if (!r.WaitReplicated(recovered_seq_, &why))
    return Status::IOError("replicating the journal's tail: " + why);
  spdlog::info("replicated the journal's tail: seq {}..{}", replicated + 1, recovered_seq_);
  return Status::OK();
}

void Pipeline::PublisherLoop() {
  int64_t next = publisher_done_.Get() + 1;
  bool done = false;
  while (!done) {
    const int64_t available = NextBatch(publisher_barrier_, next, &done);
    if (available < next) continue;
    if (!Deliver(next, available)) return;
    publisher_done_.Set(available);
    next = available + 1;
  }
}

bool Pipeline::Deliver(int64_t first, int64_t last) {
  try {
    for (int64_t s = first; s <= last; ++s) listener_->OnDurable(output_[s]);
    listener_->OnBatchDelivered(output_[last].event.seq);
  } catch (const std::exception& ex) {
    Halt(std::string("publisher: listener failed: ") + ex.what());
    return false;
  }
  return true;
}

void Pipeline::ApplyRetention(Seq snapshot_seq) {
  if (options_.retention == journal::Retention::kOff) return;
  Seq cutoff = snapshot_seq;
  if (options_.retention_floor) cutoff = std::min(cutoff, options_.retention_floor());
  auto moved = journal::ApplyRetention(*store_, options_.data_dir, cutoff, options_.retention);
  if (!moved.ok()) {
    // Not fatal: the live journal still holds everything, it only grows.
    spdlog::error("journal retention up to seq {} failed: {}", cutoff, moved.status().ToString());
    return;
  }
  if (moved->batches == 0) return;
  spdlog::info("journal retention: events {}..{} ({} batches, {} bytes) {}", moved->first,
               moved->last, moved->batches, moved->bytes,
               moved->segment.empty() ? std::string("deleted") : "moved to " + moved->segment);
}

bool Pipeline::RequestSnapshot(SnapshotDone done) {
  if (halted() || !accepting_.load(std::memory_order_acquire)) return false;
  std::lock_guard lock(requested_mu_);
  if (requested_done_) return false;
  requested_done_ = std::move(done);
  snapshot_requested_.store(true, std::memory_order_release);
  return true;
}

void Pipeline::FinishRequestedSnapshot(Result<SnapshotTaken> outcome) {
  SnapshotDone done;
  {
    std::lock_guard lock(requested_mu_);
    done = std::move(requested_done_);
    requested_done_ = nullptr;
  }
  if (done) done(std::move(outcome));
}

void Pipeline::Stop() {
  if (stopped_) return;
  stopped_ = true;
  accepting_.store(false, std::memory_order_release);
  // A producer that claimed a slot just before we stopped accepting gets to publish it.
  for (int i = 0; i < 1000; ++i) {
    const int64_t claimed = input_.Claimed();
    if (input_.HighestPublished(input_consumed_.Get() + 1, claimed) == claimed) break;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  input_barrier_.Alert();
  sequencer_thread_.join();
  journal_barrier_.Alert();
  journal_thread_.join();
  if (options_.replicator != nullptr) options_.replicator->OnProgress(nullptr);
  if (publisher_thread_.joinable()) {
    publisher_barrier_.Alert();
    publisher_thread_.join();
  }
  if (taker_) taker_->Stop();  // takes what was marked and became durable
  taker_.reset();  // before the members its hooks use
  FinishRequestedSnapshot(Status::Halted("the engine stopped before the snapshot was taken"));
}

}  // namespace cm::runtime
