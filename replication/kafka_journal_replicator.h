#pragma once
// The journal replicated through Kafka (`serve --replicate-to-kafka BROKERS`): every
// group-commit batch becomes one record of the single-partition topic
// `concertmania.journal.<cluster>`. The record's value is the journal's own bytes for the batch
// (each event's record with its crc32c); its headers `cm-first`, `cm-last` and `cm-term` give
// the batch's seqs and its writer's term in decimal (engine/event.h TermStarted), and
// `cm-sent-us` when it was sent (wall clock, microseconds: followers' deltas carry it, so
// staleness on a replica counts from the leader). The producer is idempotent with acks=all,
// and the pipeline reports a batch durable only once Kafka has it (runtime/journal_replicator.h):
// while the brokers are away a batch waits for them, and so does every command in it.
//
// Two fences keep a deposed leader (a zombie: paused, partitioned, not yet told) out, and they
// guarantee different things:
// - **Terms** (engine/event.h TermStarted) guarantee correctness: every record names its
//   writer's term, and followers pass over any batch of a term older than the newest they have
//   applied, wherever it lands in the topic; with etcd, the leader's lease guards what it
//   acknowledges (app/leader_election.h). Both hold with any broker, and the tests check them.
// - **Kafka transactions** (on by default; `transactional = false` turns them off) keep the
//   zombie's batches out of the topic in the first place: every leader of a cluster uses the
//   same `transactional.id`, concertmania-journal-<cluster>, so a new leader's
//   init_transactions makes the broker refuse the old one's next produce or commit (fatal:
//   the zombie halts) and aborts its open transaction, which read_committed followers then
//   never see. A batch counts as replicated only once its transaction commits; the
//   committer thread puts every batch queued meanwhile into one transaction (group commit
//   again, one commit round trip for many batches). An abortable error (a batch the broker
//   rejected, a transaction the coordinator timed out) aborts and sends the same batches in a
//   new transaction. librdkafka's mock cluster (the tests') runs transactions but does not
//   fence nor filter aborted records, so the broker's fence is exercised only by a real Kafka.
//
// While a batch has waited longer than `stall_ms`, available() is false and the gateway
// refuses new writes with 503 REPLICATION_UNAVAILABLE instead of queueing them behind it;
// reads go on. The stuck batch is delivered when the brokers return, and writes resume.
//
// The topic must exist with one partition (`kafka-topics --create --partitions 1
// --replication-factor 3 --config min.insync.replicas=2 --config max.message.bytes=16777216`):
// a topic the broker creates by itself has the broker's defaults.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/status.h"
#include "metrics/prometheus_text.h"
#include "replication/kafka_journal_topic.h"
#include "runtime/journal_replicator.h"

struct rd_kafka_s;

namespace cm::replication {

struct KafkaReplicationOptions {
  std::string brokers;         // bootstrap.servers
  std::string cluster = "main";  // the topic is concertmania.journal.<cluster>
  int stall_ms = 1000;         // a batch unacknowledged this long: writes are refused
  int open_timeout_ms = 10'000;  // to read the topic's last record at startup
  bool transactional = true;     // see the header comment
  // How long the coordinator lets a transaction stay open (and a batch wait for the brokers
  // before its transaction is aborted and sent again). Long, so an outage of the brokers does
  // not time a transaction out; a dead leader's open transaction is aborted at once anyway by
  // the next leader's init_transactions. At most the brokers' transaction.max.timeout.ms.
  int transaction_timeout_ms = 900'000;
  // Transactional: the bytes of batches queued behind the commit under way. Past it, Send waits
  // for room (the journal thread, and so the engine, slow down), as librdkafka's own bounded
  // queue makes it wait without transactions.
  std::size_t max_queued_bytes = std::size_t{64} << 20;
};

// The `transactional.id` every leader of `cluster` shares.
std::string JournalTransactionalId(const std::string& cluster);

class KafkaJournalReplicator final : public runtime::JournalReplicator {
 public:
  // Connects (transactional: init_transactions, which fences the cluster's previous leader)
  // and reads the topic's last records: the newest (`cm-term`, `cm-last`) among them is where
  // replication stands (0 for an empty topic), not the very last record, which may be a
  // fenced-off leader's stray batch. Fails when the brokers do not answer within
  // open_timeout_ms.
  static Result<std::unique_ptr<KafkaJournalReplicator>> Open(const KafkaReplicationOptions& o);
  ~KafkaJournalReplicator() override;
  KafkaJournalReplicator(const KafkaJournalReplicator&) = delete;
  KafkaJournalReplicator& operator=(const KafkaJournalReplicator&) = delete;

  void Send(engine::Seq first, engine::Seq last, engine::Term term,
            std::string_view records) override;
  engine::Seq replicated_seq() const override { return replicated_.load(); }
  engine::Term replicated_term() const override { return replicated_term_; }
  bool failed() const override { return failed_.load(); }
  void OnProgress(std::function<void()> wake) override;
  bool WaitReplicated(engine::Seq last, std::string* why) override;
  void GiveUpAfter(int ms) override;

  // Writes may be taken: no batch has waited longer than stall_ms, and nothing failed for good.
  bool available() const { return available_.load(std::memory_order_relaxed); }
  const std::string& topic() const { return topic_; }
  void WriteMetrics(metrics::PrometheusText* out) const;

 private:
  explicit KafkaJournalReplicator(const KafkaReplicationOptions& o);
  static void DeliveryReport(rd_kafka_s* rk, const void* message, void* opaque);
  static void ErrorReport(rd_kafka_s* rk, int err, const char* reason, void* opaque);
  Status InitTransactions();
  // Hands one batch to librdkafka (waiting while its queue is full, unless giving up).
  int Produce(engine::Seq first, engine::Seq last, engine::Term term, int64_t sent_us,
              std::string_view records);
  void Delivered(engine::Seq last, bool ok, const std::string& error);
  void Fail(const std::string& why);
  void PollLoop();

  // Transactional (kafka_journal_transactions.cc).
  struct QueuedBatch {
    engine::Seq first, last;
    engine::Term term;
    int64_t sent_us;
    std::string records;
  };
  enum class TxnOutcome { kCommitted, kAbort, kFatal, kGaveUp };
  void CommitLoop();
  // Sends `txn` in transactions until one commits; false when it never will (failed, gave up).
  bool CommitAll(const std::vector<QueuedBatch>& txn);
  TxnOutcome TryTransaction(const std::vector<QueuedBatch>& txn, std::string* error);
  bool AbortTransaction(std::string* error);
  bool GaveUp() const;
  // Under mu_: recomputes available_ (and returns it).
  bool UpdateAvailable();
  engine::Seq SentMinusReplicated() const;

  const KafkaReplicationOptions options_;
  const std::string topic_;
  rd_kafka_s* rk_ = nullptr;
  std::thread poller_;
  std::thread committer_;  // transactional only
  std::atomic<bool> stop_{false};

  mutable std::mutex mu_;
  std::condition_variable replicated_cv_;
  struct InFlight {
    engine::Seq last;
    std::chrono::steady_clock::time_point sent;
  };
  std::deque<InFlight> in_flight_;  // batches sent, not yet acknowledged, in seq order
  std::vector<QueuedBatch> queued_;  // transactional: sent, not yet in a transaction
  std::size_t queued_bytes_ = 0;      // their records' bytes
  std::condition_variable queued_cv_;  // the committer waits for batches
  std::condition_variable room_cv_;    // Send waits for room under max_queued_bytes
  std::string failure_;             // set once: a batch that will never be replicated
  std::function<void()> wake_;      // the pipeline's, called under mu_
  std::chrono::steady_clock::time_point give_up_at_ = std::chrono::steady_clock::time_point::max();

  std::atomic<engine::Seq> replicated_{0};
  engine::Term replicated_term_ = 0;  // the topic's newest, at Open
  std::atomic<engine::Seq> sent_{0};
  std::atomic<bool> available_{true};
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> batches_sent_{0};
  std::atomic<uint64_t> bytes_sent_{0};
  std::atomic<uint64_t> stalls_{0};
  std::atomic<uint64_t> transactions_{0};
  std::atomic<uint64_t> aborts_{0};
};

}  // namespace cm::replication
