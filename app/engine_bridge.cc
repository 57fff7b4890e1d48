#include "app/engine_bridge.h"

#include <spdlog/spdlog.h>

#include "runtime/wall_clock.h"
#include "journal/data_usage.h"

namespace cm::app {

using engine::EventType;

void EngineBridge::Attach(runtime::Pipeline* pipeline) {
  {
    std::lock_guard lock(leader_mu_);
    following_.leader_url.clear();  // this server leads: nobody to send writers to
  }
  pipeline_.store(pipeline);
  follower_.store(nullptr);
}

void EngineBridge::SetFollowing(Following following) {
  std::lock_guard lock(leader_mu_);
  following_ = std::move(following);
  follower_.store(following_.follower);
}

void EngineBridge::SetLeaderUrl(const std::string& url) {
  std::lock_guard lock(leader_mu_);
  following_.leader_url = url;
}

void EngineBridge::SetOwnUrl(std::string url) {
  std::lock_guard lock(leader_mu_);
  own_url_ = std::move(url);
}

std::string EngineBridge::LeaderUrl() const {
  std::lock_guard lock(leader_mu_);
  if (!own_url_.empty() && following_.leader_url == own_url_) return {};  // never a self-redirect
  return following_.leader_url;
}

void EngineBridge::Count(const engine::Event& e) {
  std::atomic<uint64_t>* counter = nullptr;
  switch (TypeOf(e)) {
    case EventType::kTermStarted: {
      // Where writes go from now on, for a follower's 307s (a leader's own is its own URL).
      const auto& b = std::get<engine::TermStarted>(e.body);
      if (!b.leader.empty() && follower_.load() != nullptr) {
        std::lock_guard lock(leader_mu_);
        following_.leader_url = b.leader;
      }
      return;
    }
    case EventType::kHoldPlaced: counter = &holds_; break;
    case EventType::kReservationConfirmed: counter = &confirms_; break;
    case EventType::kHoldExpired: counter = &expiries_; break;
    case EventType::kHoldReleased: counter = &releases_; break;
    case EventType::kReservationRefunded: counter = &refunds_; break;
    case EventType::kCommandRejected: counter = &rejections_; break;
    default: return;
  }
  counter->fetch_add(1, std::memory_order_relaxed);
}

void EngineBridge::Answer(const engine::EventSlot& slot) {
  if (slot.request_token == 0) return;
  // A command's first event answers it (a cancellation, not the refund that follows it); the
  // reply waits for the last, so the read model holds all of the command's consequences. Most
  // commands have one event, which is both.
  if (!slot.ends_command) {
    if (!first_of_command_) first_of_command_ = slot.event;
    return;
  }
  const engine::Event& answer = first_of_command_ ? *first_of_command_ : slot.event;
  if (slot.request_token & kStartupToken) {
    std::lock_guard lock(wait_mu_);
    auto it = startup_answers_.find(slot.request_token);
    if (it != startup_answers_.end()) it->second = answer;
    wait_cv_.notify_all();
  } else {
    replies_.Complete(slot.request_token, answer);
  }
  first_of_command_.reset();
}

void EngineBridge::OnHalted(const std::string& reason) {
  spdlog::critical("engine halted: {}; pending requests get 503", reason);
  replies_.FailAll();
  wait_cv_.notify_all();
}

std::optional<api::EnginePort::Publish> EngineBridge::Refusal() const {
  if (follower_.load() != nullptr) return Publish::kNotLeader;
  const runtime::Pipeline* pipeline = pipeline_.load();
  // A leader whose lease may have run out says so first, whatever else follows from it (its
  // pipeline halts when it next asks, and the server stops to come back as a standby): the
  // client is sent on to the new leader (README, "The lease guards acknowledgements").
  if (pipeline != nullptr && holds_leadership_ && !holds_leadership_()) return Publish::kNotLeader;
  if (pipeline == nullptr || draining_.load()) return Publish::kUnavailable;
  // A replication failure for good halts the engine: that needs an operator, not a retry.
  if (pipeline->halted()) return Publish::kHalted;
  const replication::KafkaJournalReplicator* replicator = replicator_.load();
  if (replicator != nullptr && !replicator->available()) return Publish::kNotReplicated;
  return std::nullopt;
}

api::EnginePort::Publish EngineBridge::TryPublish(engine::Command cmd) {
  if (const auto refused = Refusal()) return *refused;
  runtime::Pipeline* pipeline = pipeline_.load();
  switch (pipeline->TryPublish(std::move(cmd))) {
    case runtime::Pipeline::PublishResult::kOk:
      return Publish::kOk;
    case runtime::Pipeline::PublishResult::kFull:
      return Publish::kFull;
    case runtime::Pipeline::PublishResult::kHalted:
      return pipeline->halted() ? Publish::kHalted : Publish::kUnavailable;
  }
  return Publish::kUnavailable;
}

bool EngineBridge::Halted() const {
  if (const runtime::Follower* f = follower_.load()) return f->failed();
  const runtime::Pipeline* pipeline = pipeline_.load();
  return pipeline != nullptr && pipeline->halted();
}

int64_t EngineBridge::FollowerLagMs() const {
  const runtime::Follower* f = follower_.load();
  if (f == nullptr) return 0;
  const int64_t behind = f->batches_behind();
  if (behind < 0) return -1;
  if (behind == 0) return 0;
  return std::max<int64_t>(0, runtime::WallNowMs() - f->last_event_ts());
}

bool EngineBridge::Ready(std::string* why) const {
  if (const runtime::Follower* f = follower_.load()) {
    if (!recovered_.load()) {
      *why = "recovery has not finished";
      return false;
    }
    if (f->failed()) {
      *why = "the follower stopped applying the replicated journal: " + f->failure();
      return false;
    }
    const int64_t lag = FollowerLagMs();
    if (lag < 0) {
      *why = "the replicated journal has not been reached yet";
      return false;
    }
    if (lag > following_.max_lag_ms) {
      *why = "the replicated journal is " + std::to_string(lag) + " ms ahead of this replica";
      return false;
    }
    if (draining_.load()) {
      *why = "shutting down";
      return false;
    }
    return true;
  }
  const runtime::Pipeline* pipeline = pipeline_.load();
  if (!recovered_.load() || pipeline == nullptr) {
    *why = "recovery has not finished";
    return false;
  }
  if (pipeline->halted()) {
    *why = "the journal is not writable: " + pipeline->halt_reason();
    return false;
  }
  if (holds_leadership_ && !holds_leadership_()) {
    *why = "this server no longer holds the leadership";
    return false;
  }
  if (draining_.load()) {
    *why = "shutting down";
    return false;
  }
  return true;
}

void EngineBridge::WriteMetrics(metrics::PrometheusText* out) const {
  if (follower_.load() != nullptr) return WriteFollowerMetrics(out);
  const runtime::Pipeline* pipeline = pipeline_.load();
  if (pipeline == nullptr) return;
  const runtime::PipelineStats& s = pipeline->stats();
  out->Single("cm_leader", "gauge", "1 on the server that takes writes (the leader).", 1);
  out->Header("cm_ring_depth", "gauge", "Commands waiting in the input ring.");
  out->Sample("cm_ring_depth", "", static_cast<double>(pipeline->input_depth()));
  out->Header("cm_ring_capacity", "gauge", "Slots in the input ring.");
  out->Sample("cm_ring_capacity", "", static_cast<double>(pipeline->input_capacity()));
  out->Header("cm_durable_seq", "gauge", "The highest journaled (durable) event sequence number.");
  out->Sample("cm_durable_seq", "", static_cast<double>(pipeline->durable_seq()));
  out->Header("cm_engine_halted", "gauge", "1 when the engine stopped taking writes.");
  out->Sample("cm_engine_halted", "", pipeline->halted() ? 1 : 0);
  WriteDiskMetrics(out, pipeline->data_dir());
  out->Header("cm_sequencer_batch_commands", "histogram", "Commands decided per sequencer batch.");
  out->HistogramSamples("cm_sequencer_batch_commands", "", s.sequencer_batch, 1);
  out->Header("cm_sequencer_batch_seconds", "histogram",
              "Sequencer time per batch of commands, waits for the journal excluded.");
  out->HistogramSamples("cm_sequencer_batch_seconds", "", s.sequencer_batch_ns, 1e9);
  out->Header("cm_sequencer_backpressure_seconds_total", "counter",
              "Time the sequencer waited for room in the output ring (the journal was behind).");
  out->Sample("cm_sequencer_backpressure_seconds_total", "",
              static_cast<double>(s.sequencer_backpressure_ns.load()) / 1e9);
  out->Header("cm_journal_batch_events", "histogram", "Events per journal group commit.");
  out->HistogramSamples("cm_journal_batch_events", "", s.journal_batch, 1);
  out->Header("cm_journal_sync_seconds", "histogram",
              "Journal group commit (WriteBatch + WAL sync) time.");
  out->HistogramSamples("cm_journal_sync_seconds", "", s.journal_sync_us, 1e6);
  out->Counter("cm_holds_total", "Holds placed (durable).", holds_);
  out->Counter("cm_confirms_total", "Reservations confirmed (durable).", confirms_);
  out->Counter("cm_expiries_total", "Holds expired at their TTL (durable).", expiries_);
  out->Counter("cm_releases_total", "Holds released by their owner or an admin (durable).",
               releases_);
  out->Counter("cm_refunds_total", "Reservations refunded (durable).", refunds_);
  out->Counter("cm_rejections_total", "Commands the engine refused (durable).", rejections_);
  queue_stats_.WriteMetrics(out, reads_, runtime::WallNowMs());
  if (payments_ != nullptr) payments_->WriteMetrics(out);
  if (outbox_ != nullptr) outbox_->WriteMetrics(out);
  if (const auto* replicator = replicator_.load()) {
    replicator->WriteMetrics(out);
    out->Header("cm_replication_wait_seconds", "histogram",
                "How long a journal batch waited for Kafka after its local sync ended.");
    out->HistogramSamples("cm_replication_wait_seconds", "", s.replication_wait_us, 1e6);
  }
  out->Header("cm_queue_presence_tracked", "gauge",
              "Waiting-room places whose presence is watched.");
  out->Sample("cm_queue_presence_tracked", "", static_cast<double>(presence_.tracked()));
  out->Header("cm_ws_subscribers", "gauge", "Live seat-map subscriptions.");
  out->Sample("cm_ws_subscribers", "", static_cast<double>(live_.subscribers()));
  out->Header("cm_replies_pending", "gauge", "Requests waiting for their events to be durable.");
  out->Sample("cm_replies_pending", "", static_cast<double>(replies_.pending()));
}

void EngineBridge::WriteFollowerMetrics(metrics::PrometheusText* out) const {
  const runtime::Follower& f = *follower_.load();
  const runtime::Follower::Stats& s = f.stats();
  out->Single("cm_leader", "gauge", "1 on the server that takes writes (the leader).", 0);
  out->Single("cm_durable_seq", "gauge", "The highest journaled (durable) event sequence number.",
              static_cast<double>(f.applied_seq()));
  out->Single("cm_engine_halted", "gauge", "1 when the engine stopped taking writes.",
              f.failed() ? 1 : 0);
  out->Single("cm_follower_term", "gauge", "The writer's term of the last applied event.",
              static_cast<double>(f.term()));
  out->Single("cm_follower_batches_behind", "gauge",
              "Batches of the replicated journal not applied yet (-1: not known yet).",
              static_cast<double>(f.batches_behind()));
  out->Single("cm_follower_lag_seconds", "gauge",
              "How old the last applied event is while batches wait (0 when caught up).",
              static_cast<double>(std::max<int64_t>(0, FollowerLagMs())) / 1e3);
  out->Counter("cm_follower_batches_total", "Replicated batches applied.", s.applied_batches);
  out->Counter("cm_follower_events_total", "Replicated events applied.", s.applied_events);
  out->Counter("cm_follower_duplicate_batches_total",
               "Replicated batches passed over because they were applied already.",
               s.duplicate_batches);
  out->Counter("cm_follower_fenced_batches_total",
               "Replicated batches passed over because their term had ended (a former leader's).",
               s.fenced_batches);
  out->Counter("cm_follower_snapshots_total", "Snapshots this follower wrote.", s.snapshots);
  out->Counter("cm_follower_state_checks_total",
               "The leader's state digests this follower's state matched (a mismatch halts it).",
               s.state_checks);
  out->Counter("cm_follower_cut_events_total",
               "Events of this journal cut back because a newer term replaced them (kept in "
               "<data>/diverged/).",
               s.cut_events);
  WriteDiskMetrics(out, following_.data_dir);
  out->Header("cm_ws_subscribers", "gauge", "Live seat-map subscriptions.");
  out->Sample("cm_ws_subscribers", "", static_cast<double>(live_.subscribers()));
}

void EngineBridge::WriteDiskMetrics(metrics::PrometheusText* out,
                                    const std::string& data_dir) const {
  const journal::DataUsage u = journal::MeasureDataUsage(data_dir);
  const auto gauge = [out](const char* name, const char* help, uint64_t bytes) {
    out->Header(name, "gauge", help);
    out->Sample(name, "", static_cast<double>(bytes));
  };
  gauge("cm_journal_bytes", "Bytes of the live journal (RocksDB files and WAL).",
        u.journal_bytes);
  gauge("cm_snapshot_bytes", "Bytes of the snapshot files kept.", u.snapshot_bytes);
  gauge("cm_journal_archive_bytes", "Bytes of journal segments moved to the archive.",
        u.archive_bytes);
  gauge("cm_backup_bytes", "Bytes of the online backups under <data>/backups.", u.backup_bytes);
  gauge("cm_data_disk_free_bytes",
        "Bytes free to the server on the data directory's file system.", u.disk_free_bytes);
  gauge("cm_data_disk_size_bytes", "Size of the data directory's file system.",
        u.disk_size_bytes);
}

std::optional<engine::Event> EngineBridge::RunAndWait(engine::Command cmd,
                                                      std::chrono::milliseconds timeout) {
  uint64_t token;
  {
    std::lock_guard lock(wait_mu_);
    token = kStartupToken | ++next_startup_;
    startup_answers_.emplace(token, std::nullopt);
  }
  cmd.request_token = token;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  runtime::Pipeline* pipeline = pipeline_.load();
  if (pipeline == nullptr) return std::nullopt;
  while (pipeline->TryPublish(cmd) == runtime::Pipeline::PublishResult::kFull) {
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::unique_lock lock(wait_mu_);
  wait_cv_.wait_until(lock, deadline,
                      [&] { return startup_answers_[token].has_value() || pipeline->halted(); });
  auto answer = std::move(startup_answers_[token]);
  startup_answers_.erase(token);
  return answer;
}

}  // namespace cm::app
