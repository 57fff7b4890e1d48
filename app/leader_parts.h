#pragma once
// What only the leader runs: the replicated journal's writer, the pipeline, the Kafka outbox,
// the seat history's tail, the payment saga's worker and the ticker. They start when the server starts as the leader,
// or when a standby is promoted (app/serve.cc); ShutDown stops them in its order.

#include <atomic>
#include <memory>

#include "app/backup_service.h"
#include "app/engine_bridge.h"
#include "app/serve_options.h"
#include "history/seat_history_tail.h"
#include "journal/journal_store.h"
#include "outbox/kafka_producer.h"
#include "outbox/outbox_publisher.h"
#include "payments/payment_worker.h"
#include "readmodel/queue_presence.h"
#include "readmodel/read_model.h"
#include "replication/kafka_journal_replicator.h"
#include "runtime/durable_fanout.h"
#include "runtime/pipeline.h"
#include "runtime/ticker.h"

namespace cm::app {

// The Kafka outbox, when brokers are configured.
struct OutboxParts {
  std::unique_ptr<outbox::KafkaProducer> kafka;
  std::unique_ptr<outbox::OutboxPublisher> publisher;
};

class LeaderParts {
 public:
  // What the leader's parts are connected to; each outlives them.
  struct Wiring {
    const ServeOptions& o;
    runtime::PipelineOptions& po;
    runtime::DurableListener& fanout;
    EngineBridge& bridge;
    BackupService& backups;
    const readmodel::ReadModel& reads;
    readmodel::QueuePresence& presence;
    payments::PaymentWorker* payment_worker;  // null: payments are off
    // Where retention reads the outbox's progress (it never moves what is unpublished).
    std::atomic<const outbox::OutboxPublisher*>& outbox_floor;
    history::SeatHistoryIndex* seat_history;  // null: no seat history kept
  };
  explicit LeaderParts(Wiring w) : w_(w) {}
  ~LeaderParts();

  // Starts leading. `journal`: a promoted follower's (null at startup: the pipeline opens the
  // data directory). `opened_replicator`: the promotion's, opened before it caught up (null:
  // opened here).
  Status Lead(std::unique_ptr<journal::JournalStore> journal,
              std::unique_ptr<replication::KafkaJournalReplicator> opened_replicator);
  Status operator()(std::unique_ptr<journal::JournalStore> journal,
                    std::unique_ptr<replication::KafkaJournalReplicator> opened_replicator) {
    return Lead(std::move(journal), std::move(opened_replicator));
  }

  // Null until Lead; ShutDown stops each in turn.
  std::unique_ptr<replication::KafkaJournalReplicator> replicator;
  std::unique_ptr<runtime::Pipeline> pipeline;
  std::unique_ptr<outbox::JournalTail> journal_tail;
  OutboxParts outbox;
  std::unique_ptr<history::SeatHistoryTail> seat_history_tail;
  std::unique_ptr<runtime::Ticker> ticker;

 private:
  Wiring w_;
};

}  // namespace cm::app
