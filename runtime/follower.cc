#include "runtime/follower.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <utility>

#include "engine/codec/event_codec.h"
#include "engine/codec/state_codec.h"
#include "journal/durable_files.h"
#include "journal/snapshot_files.h"
#include "journal/journal_archive.h"
#include "journal/recovery.h"

namespace cm::runtime {

using engine::Seq;

namespace {

std::string Label(const ReplicatedBatch& b) {
  return "replicated batch " + std::to_string(b.first) + ".." + std::to_string(b.last);
}

}  // namespace

Result<std::unique_ptr<Follower>> Follower::Open(const FollowerOptions& options,
                                                 DurableListener* listener) {
  auto store = journal::OpenRocksJournal(journal::JournalDir(options.data_dir),
                                         options.durability);
  if (!store.ok()) return store.status();
  return Open(options, std::move(store).value(), listener);
}

Result<std::unique_ptr<Follower>> Follower::Open(const FollowerOptions& options,
                                                 std::unique_ptr<journal::JournalStore> store,
                                                 DurableListener* listener) {
  journal::RecoveryOptions ro;
  ro.config = options.engine;
  auto with_archive = journal::WithArchive(journal::ArchiveDir(options.data_dir), *store);
  auto recovered = journal::Recover(*with_archive, journal::SnapshotDir(options.data_dir), ro);
  if (!recovered.ok()) return recovered.status();
  std::unique_ptr<Follower> f(
      new Follower(options, std::move(store), std::move(recovered->state), listener));
  if (listener) listener->OnRecovered(*f->state_);
  spdlog::info("follower: recovered state at seq {} (term {}, {} events replayed)",
               f->recovered_seq_, f->state_->term(), recovered->events_replayed);
  return f;
}

Follower::Follower(const FollowerOptions& options, std::unique_ptr<journal::JournalStore> store,
                   std::unique_ptr<engine::EngineState> state, DurableListener* listener)
    : options_(options),
      store_(std::move(store)),
      state_(std::move(state)),
      listener_(listener),
      recovered_seq_(state_->last_seq()) {
  applied_seq_.store(state_->last_seq());
  term_.store(state_->term());
  last_ts_.store(state_->clock());
}

Follower::~Follower() { Stop(); }

void Follower::Start(JournalSource& source) {
  source_ = &source;
  StartTaker();
  thread_ = std::thread([this] { Loop(); });
}

void Follower::StartTaker() {
  SnapshotTaker::Hooks hooks;
  // The journal is synced up to what is applied.
  hooks.durable_seq = [this] { return applied_seq(); };
  hooks.on_taken = [this](const SnapshotTaker::Taken& t, std::string_view) {
    if (!t.written.ok()) {
      // Not fatal: the journal holds everything; a restart replays more.
      spdlog::error("follower: snapshot of seq {} not written: {}", t.seq, t.written.ToString());
      return;
    }
    stats_.snapshots.fetch_add(1, std::memory_order_relaxed);
  };
  hooks.on_failure = [this](const std::string& why) { OnTakerFailure(why); };
  hooks.on_checked = [this](uint64_t more) {
    stats_.state_checks.fetch_add(more, std::memory_order_relaxed);
  };
  taker_ = std::make_unique<SnapshotTaker>(
      SnapshotTakerOptions{options_.data_dir, options_.snapshots_kept, options_.engine,
                           options_.snapshot_every},
      *store_, std::move(hooks));
  taker_->Start(state_->last_seq());  // on the applying thread's side: no mark comes first
}

void Follower::Stop() { StopThreads(/*catch_up=*/true); }

void Follower::StopThreads(bool catch_up) {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  if (taker_) taker_->Stop(catch_up);
  RaiseTakerFailure();  // the applying thread has stopped: it is raised here
  taker_.reset();  // before the journal it reads is handed over
}

Status Follower::CatchUpAndStop(std::chrono::milliseconds timeout) {
  catch_up_.store(true);
  bool reached_end = false;
  {
    std::unique_lock lock(mu_);
    finished_cv_.wait_for(lock, timeout, [this] { return finished_; });
    reached_end = reached_end_;
  }
  // A promotion waits for no snapshot: the new leader's recovery replays what one would hold.
  StopThreads(/*catch_up=*/false);
  if (failed()) return Status::Halted("the follower stopped: " + failure());
  if (!reached_end)
    return Status::IOError("the replicated journal was not read to its end within " +
                           std::to_string(timeout.count()) + " ms (applied up to seq " +
                           std::to_string(applied_seq()) + ")");
  return Status::OK();
}

std::unique_ptr<journal::JournalStore> Follower::ReleaseJournal() {
  Stop();
  return std::move(store_);
}

int64_t Follower::batches_behind() const {
  return source_ == nullptr ? -1 : source_->batches_behind();
}

std::string Follower::failure() const {
  std::lock_guard lock(mu_);
  return failure_;
}

void Follower::Loop() {
  ReplicatedBatch batch;
  bool reached_end = false;
  while (!stop_.load() && !failed()) {
    RaiseTakerFailure();
    if (failed()) break;
    Result<bool> got = source_->Next(&batch, std::chrono::milliseconds(100));
    if (!got.ok()) {
      Fail("reading the replicated journal: " + got.status().ToString());
      break;
    }
    if (got.value()) {
      RaiseTakerFailure();  // it may have come while this thread waited
      if (failed()) break;
      if (Status s = Handle(batch); !s.ok()) {
        RaiseTakerFailure();  // the taker's reason first, when that is why it stopped
        Fail(s.message());
      }
      continue;
    }
    // Nothing new within the wait: when promoting, this may be the end of the log.
    if (catch_up_.load()) {
      Result<bool> end = source_->AtEnd(std::chrono::milliseconds(1000));
      if (end.ok() && end.value()) {
        reached_end = true;
        break;
      }
    }
  }
  std::lock_guard lock(mu_);
  finished_ = true;
  reached_end_ = reached_end;
  finished_cv_.notify_all();
}

Status Follower::Handle(const ReplicatedBatch& batch) {
  slots_.clear();
  std::string_view in = batch.records;
  while (!in.empty()) {
    engine::EventSlot& slot = slots_.emplace_back();
    if (Status s = engine::DecodeEvent(&in, &slot.event); !s.ok())
      return Status::Corruption(Label(batch) + ": " + s.message());
    if (slots_.size() > 1 && slot.event.seq != slots_[slots_.size() - 2].event.seq + 1)
      return Status::Corruption(Label(batch) + ": its events are not consecutive");
  }
  if (slots_.empty() || slots_.front().event.seq != batch.first ||
      slots_.back().event.seq != batch.last)
    return Status::Corruption(Label(batch) + ": its records do not hold those events");

  const Seq applied = state_->last_seq();
  const engine::Term batch_term = slots_.back().event.term;  // terms only grow in a batch
  if (slots_.front().event.term < state_->term()) {
    stats_.fenced_batches.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("follower: {} of term {} passed over: term {} has started", Label(batch),
                 slots_.front().event.term, state_->term());
    return Status::OK();
  }
  if (batch.first <= applied && batch_term > state_->term()) {
    if (Status s = CutBack(batch.first); !s.ok())
      return Status::Corruption(Label(batch) + " of term " + std::to_string(batch_term) +
                                " replaces events of term " + std::to_string(state_->term()) +
                                " this journal holds, which cannot be cut back: " + s.message());
  }
  const Seq kept = state_->last_seq();
  if (batch.last <= kept) {
    stats_.duplicate_batches.fetch_add(1, std::memory_order_relaxed);
    return Status::OK();
  }
  if (batch.first != kept + 1)
    return Status::Corruption(Label(batch) + " does not follow seq " + std::to_string(kept) +
                              (batch.first > kept ? ": events are missing from the log"
                                                  : ": it overlaps what was applied"));
  for (const engine::EventSlot& slot : slots_) {
    if (Status s = state_->Apply(slot.event); !s.ok())
      return Status::Corruption(Label(batch) + ": " + s.message());
  }
  if (Status s = store_->Append(batch.first, batch.last, batch.records); !s.ok())
    return Status::IOError("journal write of " + Label(batch) + ": " + s.ToString());
  if (Status s = store_->Sync(); !s.ok())
    return Status::IOError("journal sync of " + Label(batch) + ": " + s.ToString());
  if (Status s = Deliver(batch.last, batch.leader_sent_us); !s.ok()) return s;
  stats_.applied_batches.fetch_add(1, std::memory_order_relaxed);
  stats_.applied_events.fetch_add(slots_.size(), std::memory_order_relaxed);
  last_ts_.store(slots_.back().event.ts, std::memory_order_relaxed);
  term_.store(state_->term(), std::memory_order_relaxed);
  applied_seq_.store(batch.last, std::memory_order_release);
  return Status::OK();  // the taker sees it at its next poll: no wake-up per batch
}

Status Follower::CutBack(Seq from) {
  // Its taker has applied events about to be cut: it starts again from what is left.
  taker_->Stop(/*catch_up=*/false);
  // A taker that failed (a state that differs from the leader's) stops the follower before
  // anything is cut: the journal stays as it was for an operator to look at.
  if (taker_failed_.load(std::memory_order_acquire))
    return Status::Halted("the snapshot taker failed before the cut");
  const Seq to = state_->last_seq();
  const engine::Term old_term = state_->term();
  namespace fs = std::filesystem;
  const std::string aside = options_.data_dir + "/diverged";
  std::error_code ec;
  fs::create_directories(aside, ec);
  if (ec) return Status::IOError("creating " + aside + ": " + ec.message());
  const std::string stem = aside + "/term-" + std::to_string(old_term) + "-seq-" +
                           std::to_string(from) + "-" + std::to_string(to);
  // The cut batches, as the journal held them (records of engine/codec/event_codec.h).
  std::string cut;
  Status misaligned;
  Status scanned = store_->Scan(from, [&](Seq first, std::string_view records) {
    if (first < from) {
      misaligned = Status::Corruption("seq " + std::to_string(from) +
                                      " is inside the local batch that starts at " +
                                      std::to_string(first));
      return false;
    }
    cut.append(records);
    return true;
  });
  if (!scanned.ok()) return scanned;
  if (!misaligned.ok()) return misaligned;
  if (Status s = journal::WriteFileSynced(stem + ".journal", cut); !s.ok()) return s;
  // Snapshots that hold cut events go aside too, or a restart would bring them back.
  const std::string snapshots = journal::SnapshotDir(options_.data_dir);
  for (const journal::SnapshotFile& snap : journal::ListSnapshots(snapshots)) {
    if (snap.seq < from) continue;
    fs::rename(snap.path, stem + "-" + fs::path(snap.path).filename().string(), ec);
    if (ec) return Status::IOError("moving " + snap.path + " aside: " + ec.message());
  }
  if (Status s = journal::SyncDir(aside); !s.ok()) return s;
  if (Status s = store_->DropFrom(from); !s.ok()) return s;

  journal::RecoveryOptions ro;
  ro.config = options_.engine;
  ro.until = from - 1;
  // Through the archive, as at Open: a former leader's journal may have been archived.
  auto with_archive = journal::WithArchive(journal::ArchiveDir(options_.data_dir), *store_);
  auto recovered = journal::Recover(*with_archive, journal::SnapshotDir(options_.data_dir), ro);
  if (!recovered.ok()) return recovered.status();
  if (recovered->state->last_seq() != from - 1)
    return Status::Corruption("the journal does not reach seq " + std::to_string(from - 1) +
                              " after the cut");
  state_ = std::move(recovered->state);
  try {
    if (listener_) listener_->OnRecovered(*state_);
  } catch (const std::exception& e) {
    return Status::Halted(std::string("a durable listener failed: ") + e.what());
  }
  stats_.cut_events.fetch_add(to - from + 1, std::memory_order_relaxed);
  applied_seq_.store(state_->last_seq(), std::memory_order_release);
  term_.store(state_->term(), std::memory_order_relaxed);
  StartTaker();
  spdlog::warn("follower: the log's term replaced events {}..{} of term {}: cut them from the "
               "journal and kept them in {}.journal",
               from, to, old_term, stem);
  return Status::OK();
}

Status Follower::Deliver(Seq last, int64_t leader_sent_us) {
  if (listener_ == nullptr) return Status::OK();
  try {
    listener_->OnReplicatedBatch(leader_sent_us);
    for (const engine::EventSlot& slot : slots_) listener_->OnDurable(slot);
    listener_->OnBatchDelivered(last);
  } catch (const std::exception& e) {
    return Status::Halted(std::string("a durable listener failed: ") + e.what());
  }
  return Status::OK();
}

void Follower::OnTakerFailure(const std::string& reason) {
  std::lock_guard lock(mu_);
  if (taker_failed_.load()) return;
  taker_failure_ = reason;
  taker_failed_.store(true, std::memory_order_release);
}

void Follower::RaiseTakerFailure() {
  if (!taker_failed_.load(std::memory_order_acquire)) return;
  std::string reason;
  {
    std::lock_guard lock(mu_);
    reason = taker_failure_;
  }
  Fail(reason);
}

void Follower::Fail(const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    if (failed_.load()) return;
    failure_ = reason;
    failed_.store(true, std::memory_order_release);
  }
  spdlog::critical("follower halted, nothing more is applied: {}", reason);
  if (listener_) listener_->OnHalted(reason);
}

}  // namespace cm::runtime
