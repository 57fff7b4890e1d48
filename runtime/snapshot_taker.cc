#include "runtime/snapshot_taker.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>

#include "engine/codec/event_codec.h"
#include "engine/codec/state_codec.h"
#include "journal/journal_archive.h"
#include "journal/recovery.h"
#include "journal/snapshot_files.h"

namespace cm::runtime {

namespace {
// How often it looks for new durable events when nobody wakes it: it only has to keep up.
constexpr auto kPoll = std::chrono::milliseconds(5);
}  // namespace

SnapshotTaker::SnapshotTaker(SnapshotTakerOptions options, journal::JournalStore& journal,
                             Hooks hooks)
    : options_(std::move(options)), journal_(journal), hooks_(std::move(hooks)) {}

SnapshotTaker::~SnapshotTaker() { Stop(); }

void SnapshotTaker::Start(engine::Seq start) {
  thread_ = std::thread([this, start] { Loop(start); });
}

void SnapshotTaker::Stop(bool catch_up) {
  if (!catch_up) abandon_.store(true);
  stop_.store(true);
  Wake();
  if (thread_.joinable()) thread_.join();
}

void SnapshotTaker::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

Status SnapshotTaker::Recover(engine::Seq start) {
  journal::RecoveryOptions ro;
  ro.config = options_.engine;
  ro.until = start;
  auto with_archive = journal::WithArchive(journal::ArchiveDir(options_.data_dir), journal_);
  auto recovered = journal::Recover(*with_archive, journal::SnapshotDir(options_.data_dir), ro);
  if (!recovered.ok()) return recovered.status();
  if (recovered->state->last_seq() != start)
    return Status::Corruption("the journal ends at seq " +
                              std::to_string(recovered->state->last_seq()) + ", before seq " +
                              std::to_string(start) + " the snapshot taker starts from");
  state_ = std::move(recovered->state);
  last_taken_ = recovered->snapshot_seq;
  applied_seq_.store(state_->last_seq(), std::memory_order_release);
  return Status::OK();
}

void SnapshotTaker::Loop(engine::Seq start) {
  // The lowest CPU share: on a small machine its encodings must not slow the journal and
  // publisher threads, which answer buyers. It only has to keep up on average; the journal
  // holds whatever it has not reached.
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 19);
  ::pthread_setname_np(::pthread_self(), "cm-snapshots");
  auto fail = [this](const Status& s) {
    spdlog::critical("snapshot taker stopped at seq {}: {}", applied_seq(), s.ToString());
    hooks_.on_failure(s.message());
  };
  if (Status s = Recover(start); !s.ok()) return fail(s);
  for (;;) {
    // Read before the durable seq: a stop asked for after the last event became durable still
    // sees it.
    const bool stopping = stop_.load();
    const engine::Seq durable = hooks_.durable_seq();
    if (abandon_.load()) return;
    if (durable > state_->last_seq()) {
      Status s = CatchUp(durable);
      if (s.IsIOError() && !stopping) {
        // A read that failed may work next time; the journal still holds everything.
        spdlog::error("snapshot taker: {}; trying again in a second", s.ToString());
        std::this_thread::sleep_for(std::chrono::seconds(1));
        continue;
      }
      if (!s.ok()) return fail(s);
      continue;
    }
    if (stopping) return;
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kPoll, [this] { return woken_; });
    woken_ = false;
  }
}

Status SnapshotTaker::CatchUp(engine::Seq durable) {
  const uint64_t every = options_.snapshot_every;
  while (state_->last_seq() < durable && !abandon_.load()) {
    // The scan stops at a mark, or where a snapshot of its own is due: those are taken outside
    // it, so no journal lock (MemoryJournal's) or iterator is held through an encoding, a
    // retention or a backup.
    enum class Stop { kNone, kMark, kDue } stopped = Stop::kNone;
    engine::Seq batch = 0;
    Status error;
    Status scan = journal_.Scan(state_->last_seq() + 1, [&](engine::Seq first,
                                                            std::string_view records) {
      batch = first;
      for (std::string_view in = records; !in.empty();) {
        if (Status s = engine::DecodeEvent(&in, &event_); !s.ok()) {
          error = Status::Corruption(journal_.Describe(first) + ": " + s.message());
          return false;
        }
        const engine::Seq seq = event_.seq;
        if (seq <= state_->last_seq()) continue;  // before where it stands
        if (seq > durable) return false;
        if (seq != state_->last_seq() + 1) {
          error = Status::Corruption(journal_.Describe(first) + ": event " +
                                     std::to_string(seq) + " where " +
                                     std::to_string(state_->last_seq() + 1) + " belongs");
          return false;
        }
        if (engine::TypeOf(event_) == engine::EventType::kSnapshotMarked) {
          stopped = Stop::kMark;  // event_ holds it
          return false;
        }
        if (error = Step(first); !error.ok()) return false;
        if (every != 0 && seq - last_taken_ >= every) {
          stopped = Stop::kDue;
          return false;
        }
        if (abandon_.load(std::memory_order_relaxed)) return false;
      }
      return true;
    });
    // A digest that differs is reported even when abandoning: a promotion must hear of it.
    if (!error.ok()) return error;
    if (!scan.ok()) return scan;
    if (stopped == Stop::kMark && !abandon_.load()) {
      if (Status s = Step(batch); !s.ok()) return s;  // encodes at the mark, and takes it
    } else if (stopped == Stop::kDue) {
      encoded_.clear();
      engine::EncodeState(*state_, &encoded_);
      Take(engine::kStateFormatVersion, encoded_);
      std::string().swap(encoded_);  // a state-sized buffer is not kept between snapshots
    } else if (stopped == Stop::kNone && state_->last_seq() < durable && !abandon_.load()) {
      return Status::Corruption("the journal ends at seq " + std::to_string(state_->last_seq()) +
                                ", before the durable seq " + std::to_string(durable));
    }
  }
  return Status::OK();
}

Status SnapshotTaker::Step(engine::Seq batch) {
  if (Status s = checker_.Before(*state_, event_); !s.ok())
    return Status::Corruption(journal_.Describe(batch) + ": " + s.message());
  if (checker_.checked() != reported_checks_) {
    if (hooks_.on_checked) hooks_.on_checked(checker_.checked() - reported_checks_);
    reported_checks_ = checker_.checked();
  }
  if (const auto* mark = std::get_if<engine::SnapshotMarked>(&event_.body)) {
    // A mark in an older format (a leader running an older release) is checked, not kept.
    const uint64_t every = options_.snapshot_every;
    if (mark->format == engine::kStateFormatVersion &&
        (every == 0 || state_->last_seq() - last_taken_ >= every / 2))
      Take(mark->format, checker_.last_encoded());  // the checker has just encoded it
    std::string().swap(checker_.last_encoded());
  }
  if (Status s = state_->Apply(event_); !s.ok())
    return Status::Corruption(journal_.Describe(batch) + ": " + s.message());
  applied_seq_.store(event_.seq, std::memory_order_release);
  return Status::OK();
}

void SnapshotTaker::Take(uint8_t format, const std::string& payload) {
  Taken taken;
  taken.seq = state_->last_seq();
  taken.format = format;
  taken.digest = engine::EncodedStateDigest(payload);
  last_taken_ = taken.seq;  // tried: a failed write is not retried at every event
  if (format == engine::kStateFormatVersion) {
    const std::string dir = journal::SnapshotDir(options_.data_dir);
    taken.written = journal::WriteSnapshot(dir, taken.seq, payload, options_.snapshots_kept);
    if (taken.written.ok()) taken.path = journal::SnapshotPath(dir, taken.seq);
  } else {
    taken.written = Status::InvalidArgument("marked in an older state format");
  }
  hooks_.on_taken(taken, payload);
}

}  // namespace cm::runtime
