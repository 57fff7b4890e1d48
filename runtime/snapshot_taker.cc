#include "runtime/snapshot_taker.h"

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

void SnapshotTaker::Start() { thread_ = std::thread([this] { Loop(); }); }

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

Status SnapshotTaker::Recover() {
  journal::RecoveryOptions ro;
  ro.config = options_.engine;
  ro.until = hooks_.durable_seq();
  auto with_archive = journal::WithArchive(journal::ArchiveDir(options_.data_dir), journal_);
  auto recovered = journal::Recover(*with_archive, journal::SnapshotDir(options_.data_dir), ro);
  if (!recovered.ok()) return recovered.status();
  state_ = std::move(recovered->state);
  last_taken_ = recovered->snapshot_seq;
  applied_seq_.store(state_->last_seq(), std::memory_order_release);
  return Status::OK();
}

void SnapshotTaker::Loop() {
  // The lowest CPU share: on a small machine its encodings must not slow the journal and
  // publisher threads, which answer buyers. It only has to keep up on average; the journal
  // holds whatever it has not reached.
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 19);
  auto fail = [this](const Status& s) {
    spdlog::critical("snapshot taker stopped at seq {}: {}", applied_seq(), s.ToString());
    hooks_.on_failure(s.message());
  };
  if (Status s = Recover(); !s.ok()) return fail(s);
  for (;;) {
    // Read before the durable seq: a stop asked for after the last event became durable still
    // sees it.
    const bool stopping = stop_.load();
    const engine::Seq durable = hooks_.durable_seq();
    if (abandon_.load()) return;
    if (durable > state_->last_seq()) {
      if (Status s = CatchUp(durable); !s.ok()) return fail(s);
      continue;
    }
    if (stopping) return;
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kPoll, [this] { return woken_; });
    woken_ = false;
  }
}

Status SnapshotTaker::CatchUp(engine::Seq durable) {
  Status error;
  Status scan = journal_.Scan(state_->last_seq() + 1, [&](engine::Seq first,
                                                          std::string_view records) {
    for (std::string_view in = records; !in.empty();) {
      if (Status s = engine::DecodeEvent(&in, &event_); !s.ok()) {
        error = Status::Corruption(journal_.Describe(first) + ": " + s.message());
        return false;
      }
      const engine::Seq seq = event_.seq;
      if (seq <= state_->last_seq()) continue;  // before where it stands (the batch began there)
      if (seq > durable) return false;
      if (seq != state_->last_seq() + 1) {
        error = Status::Corruption(journal_.Describe(first) + ": event " + std::to_string(seq) +
                                   " where " + std::to_string(state_->last_seq() + 1) +
                                   " belongs");
        return false;
      }
      if (Status s = checker_.Before(*state_, event_); !s.ok()) {
        error = Status::Corruption(journal_.Describe(first) + ": " + s.message());
        return false;
      }
      const uint64_t every = options_.snapshot_every;
      if (const auto* mark = std::get_if<engine::SnapshotMarked>(&event_.body);
          mark != nullptr && (every == 0 || state_->last_seq() - last_taken_ >= every / 2))
        Take(mark->format, checker_.last_encoded());  // the checker has just encoded it
      if (Status s = state_->Apply(event_); !s.ok()) {
        error = Status::Corruption(journal_.Describe(first) + ": " + s.message());
        return false;
      }
      applied_seq_.store(seq, std::memory_order_release);
      if (every != 0 && seq - last_taken_ >= every) {
        encoded_.clear();
        engine::EncodeState(*state_, &encoded_);
        Take(engine::kStateFormatVersion, encoded_);
      }
      if (abandon_.load(std::memory_order_relaxed)) return false;
    }
    return true;
  });
  if (checker_.checked() != checked_.load(std::memory_order_relaxed)) {
    checked_.store(checker_.checked(), std::memory_order_relaxed);
    if (hooks_.on_checked) hooks_.on_checked(checker_.checked());
  }
  if (abandon_.load()) return Status::OK();
  if (!scan.ok()) return scan;
  if (!error.ok()) return error;
  if (state_->last_seq() < durable)
    return Status::Corruption("the journal ends at seq " + std::to_string(state_->last_seq()) +
                              ", before the durable seq " + std::to_string(durable));
  return Status::OK();
}

void SnapshotTaker::Take(uint8_t format, const std::string& payload) {
  Taken taken;
  taken.seq = state_->last_seq();
  taken.format = format;
  taken.digest = engine::EncodedStateDigest(payload);
  last_taken_ = taken.seq;
  if (format == engine::kStateFormatVersion) {
    const std::string dir = journal::SnapshotDir(options_.data_dir);
    taken.written = journal::WriteSnapshot(dir, taken.seq, payload, options_.snapshots_kept);
    if (taken.written.ok()) {
      for (const journal::SnapshotFile& f : journal::ListSnapshots(dir))
        if (f.seq == taken.seq) taken.path = f.path;
    }
  } else {
    taken.written = Status::InvalidArgument("marked in an older state format");
  }
  hooks_.on_taken(taken, payload);
}

}  // namespace cm::runtime
