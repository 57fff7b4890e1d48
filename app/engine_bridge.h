#pragma once
// Connects the gateway to the running pipeline: commands go into the input ring; durable events
// update the read model, count domain metrics and complete the requests that wait for them.
// Also lets startup code (admin bootstrap, demo data) run a command and wait for its answer.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "api/api.h"
#include "api/reply_router.h"
#include "live/live_feed.h"
#include "live/notifier.h"
#include "live/queue_watch.h"
#include "outbox/outbox_publisher.h"
#include "payments/payment_worker.h"
#include "readmodel/queue_presence.h"
#include "readmodel/queue_stats.h"
#include "readmodel/read_model.h"
#include "runtime/pipeline.h"

namespace cm::app {

class EngineBridge : public runtime::DurableListener, public api::EnginePort {
 public:
  EngineBridge(readmodel::ReadModel& reads, api::ReplyRouter& replies, live::LiveFeed& live,
               live::Notifier& notifier, readmodel::QueueStats& queue_stats,
               readmodel::QueuePresence& presence, live::QueueWatch& queue_watch)
      : reads_(reads),
        replies_(replies),
        live_(live),
        notifier_(notifier),
        queue_stats_(queue_stats),
        presence_(presence),
        queue_watch_(queue_watch) {}

  void Attach(runtime::Pipeline* pipeline) { pipeline_ = pipeline; }
  // Before the pipeline opens: the payment saga's worker gets the recovered state and every
  // durable event after it.
  void SetPaymentWorker(payments::PaymentWorker* worker) { payments_ = worker; }
  // For /metrics only; set once before the server starts.
  void SetOutbox(const outbox::OutboxPublisher* outbox) { outbox_ = outbox; }
  void SetDraining() { draining_.store(true); }

  // DurableListener (publisher thread).
  void OnRecovered(const engine::EngineState& state) override;
  void OnDurable(const engine::EventSlot& slot) override;
  void OnBatchDelivered(engine::Seq durable_seq) override;
  void OnHalted(const std::string& reason) override;

  // EnginePort (I/O threads).
  Publish TryPublish(engine::Command cmd) override;
  bool Ready(std::string* why) const override;
  bool Halted() const override;
  void WriteMetrics(metrics::PrometheusText* out) const override;

  // Startup only: publishes and waits (bounded) for the answering durable event.
  std::optional<engine::Event> RunAndWait(engine::Command cmd, std::chrono::milliseconds timeout);

 private:
  static constexpr uint64_t kStartupToken = uint64_t{1} << 63;

  readmodel::ReadModel& reads_;
  api::ReplyRouter& replies_;
  live::LiveFeed& live_;
  live::Notifier& notifier_;
  readmodel::QueueStats& queue_stats_;
  readmodel::QueuePresence& presence_;
  live::QueueWatch& queue_watch_;
  runtime::Pipeline* pipeline_ = nullptr;
  payments::PaymentWorker* payments_ = nullptr;
  const outbox::OutboxPublisher* outbox_ = nullptr;
  std::atomic<bool> recovered_{false};
  std::atomic<bool> draining_{false};

  std::atomic<uint64_t> holds_{0}, confirms_{0}, expiries_{0}, releases_{0}, refunds_{0},
      rejections_{0};

  std::mutex wait_mu_;
  std::condition_variable wait_cv_;
  uint64_t next_startup_ = 0;
  std::unordered_map<uint64_t, std::optional<engine::Event>> startup_answers_;
};

}  // namespace cm::app
