#pragma once
// The API's EnginePort over the running pipeline: commands go into the input ring. Its stages
// of the durable fan-out (app/durable_stages.cc) count domain metrics and complete the requests
// that wait for their events. Also lets startup code (admin bootstrap, demo data) run a command
// and wait for its answer.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "api/engine_port.h"
#include "api/reply_router.h"
#include "live/live_feed.h"
#include "outbox/outbox_publisher.h"
#include "payments/payment_worker.h"
#include "readmodel/queue_presence.h"
#include "readmodel/queue_stats.h"
#include "readmodel/read_model.h"
#include "replication/kafka_journal_replicator.h"
#include "runtime/follower.h"
#include "runtime/pipeline.h"

namespace cm::app {

class EngineBridge : public api::EnginePort {
 public:
  // The other parts are read for /metrics only.
  EngineBridge(readmodel::ReadModel& reads, api::ReplyRouter& replies, live::LiveFeed& live,
               readmodel::QueueStats& queue_stats, readmodel::QueuePresence& presence)
      : reads_(reads),
        replies_(replies),
        live_(live),
        queue_stats_(queue_stats),
        presence_(presence) {}

  // The engine this server writes with: set once at startup, or on a promotion, when the
  // server stops following (from then on it is the leader).
  void Attach(runtime::Pipeline* pipeline);
  // A standby or a read replica: writes are refused with kNotLeader (and the leader's address,
  // which a TermStarted in the log updates); it is ready while it is at most `max_lag_ms`
  // behind the log. The follower must stay alive until Attach or the end.
  struct Following {
    const runtime::Follower* follower = nullptr;
    std::string leader_url;
    int64_t max_lag_ms = 5000;
    std::string data_dir;  // for the disk metrics
  };
  void SetFollowing(Following following);
  // An elected leader: writes are refused (kNotLeader) once its lease may have run out.
  void SetLeadership(std::function<bool()> holds) { holds_leadership_ = std::move(holds); }
  // A follower learned where the leader is (from etcd).
  void SetLeaderUrl(const std::string& url);
  // Where this server itself takes writes: a leader URL equal to it (its own lease or term
  // from before a restart) is never answered as a 307 to itself, but as 503 until the next
  // leader is known.
  void SetOwnUrl(std::string url);
  // For /metrics only; set once before the server starts.
  void SetPaymentWorker(payments::PaymentWorker* worker) { payments_ = worker; }
  void SetOutbox(const outbox::OutboxPublisher* outbox) { outbox_ = outbox; }
  // Writes are refused while it is not keeping up (kNotReplicated).
  void SetReplicator(const replication::KafkaJournalReplicator* r) { replicator_.store(r); }
  void SetDraining() { draining_.store(true); }

  // Its stages of the durable fan-out (publisher thread; OnHalted from any thread).
  void OnRecovered() { recovered_.store(true); }
  void Count(const engine::Event& e);
  void Answer(const engine::EventSlot& slot);  // the request waiting for this event, if any
  void OnHalted(const std::string& reason);

  // EnginePort (I/O threads).
  Publish TryPublish(engine::Command cmd) override;
  bool TakesWrites() const override { return !Refusal(); }
  bool Leading() const override { return follower_.load() == nullptr; }
  std::string LeaderUrl() const override;
  bool Ready(std::string* why) const override;
  bool Halted() const override;
  void WriteMetrics(metrics::PrometheusText* out) const override;

  // Startup only: publishes and waits (bounded) for the answering durable event.
  std::optional<engine::Event> RunAndWait(engine::Command cmd, std::chrono::milliseconds timeout);

 private:
  // Why TryPublish would refuse a command now, before the ring is asked; nothing when it would not.
  std::optional<Publish> Refusal() const;
  static constexpr uint64_t kStartupToken = uint64_t{1} << 63;

  void WriteDiskMetrics(metrics::PrometheusText* out, const std::string& data_dir) const;
  void WriteFollowerMetrics(metrics::PrometheusText* out) const;
  // How far behind the log a follower is (0 when it has applied all it knows of); -1 unknown.
  int64_t FollowerLagMs() const;

  readmodel::ReadModel& reads_;
  api::ReplyRouter& replies_;
  live::LiveFeed& live_;
  readmodel::QueueStats& queue_stats_;
  readmodel::QueuePresence& presence_;
  std::atomic<runtime::Pipeline*> pipeline_{nullptr};
  std::atomic<const runtime::Follower*> follower_{nullptr};
  std::function<bool()> holds_leadership_;  // set before the server starts
  Following following_;          // set before the server starts; leader_url under leader_mu_
  std::string own_url_;  // under leader_mu_
  mutable std::mutex leader_mu_;
  payments::PaymentWorker* payments_ = nullptr;
  const outbox::OutboxPublisher* outbox_ = nullptr;
  std::atomic<const replication::KafkaJournalReplicator*> replicator_{nullptr};
  std::atomic<bool> recovered_{false};
  std::atomic<bool> draining_{false};

  std::atomic<uint64_t> holds_{0}, confirms_{0}, expiries_{0}, releases_{0}, refunds_{0},
      rejections_{0};

  std::mutex wait_mu_;
  std::condition_variable wait_cv_;
  uint64_t next_startup_ = 0;
  std::unordered_map<uint64_t, std::optional<engine::Event>> startup_answers_;
  // The first event of the command whose events are being answered (publisher thread only).
  std::optional<engine::Event> first_of_command_;
};

}  // namespace cm::app
