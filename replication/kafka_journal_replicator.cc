#include "replication/kafka_journal_replicator.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <utility>

namespace cm::replication {
namespace {

using Clock = std::chrono::steady_clock;
using engine::Seq;

constexpr int32_t kPartition = kJournalPartition;

struct LastRecord {
  Seq last = 0;
  engine::Term term = 0;
};

// Records read back from the topic's end to find where it stands. A fenced-off leader that woke
// (SIGSTOP) may have sent a few batches of its older term after the newest term's: the newest
// record is then not the newest term's, so the newest (term, last) among these wins. Such a
// stray tail is what a leader had in flight when its lease ran out, a handful of batches.
constexpr int64_t kTailRecords = 256;

// The newest (term, last) of the records from `from` to the end of the partition: the end is
// where the consumer reports it (partition EOF), because with transactions the last offsets
// are commit markers no consumer is handed, and the end a read_committed consumer reaches is
// the last stable offset. `found` counts the records read.
Result<LastRecord> NewestFrom(rd_kafka_t* rk, const std::string& topic, int64_t from,
                              const KafkaReplicationOptions& o, int* found) {
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), kPartition)->offset = from;
  const rd_kafka_resp_err_t aerr = rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (aerr != RD_KAFKA_RESP_ERR_NO_ERROR)
    return Status::IOError(std::string("replication: reading ") + topic + ": " +
                           rd_kafka_err2str(aerr));
  const auto deadline = Clock::now() + std::chrono::milliseconds(o.open_timeout_ms);
  LastRecord newest;
  *found = 0;
  while (Clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> owner(
        m, rd_kafka_message_destroy);
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return newest;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;  // a broker away: the client retries
    rd_kafka_headers_t* headers = nullptr;
    rd_kafka_message_headers(m, &headers);
    const LastRecord record{HeaderSeq(headers, kLastHeader), HeaderSeq(headers, kTermHeader)};
    if (record.last == 0)
      return Status::Corruption("replication: the record of " + topic + " at offset " +
                                std::to_string(m->offset) + " has no cm-last header");
    ++*found;
    if (std::pair(record.term, record.last) > std::pair(newest.term, newest.last))
      newest = record;
  }
  return Status::IOError("replication: the last records of " + topic +
                         " did not arrive within the open timeout");
}

// Where the topic stands: the newest (term, last) of its tail (zeros for an empty or missing
// topic).
Result<LastRecord> LastReplicated(const KafkaReplicationOptions& o, const std::string& topic) {
  auto consumer = NewJournalConsumer(o.brokers, "concertmania-journal-open");
  if (!consumer.ok()) return consumer.status();
  rd_kafka_t* rk = consumer.value().get();
  int64_t low = 0, high = 0;
  // read_committed: `high` is the last stable offset.
  const rd_kafka_resp_err_t werr =
      rd_kafka_query_watermark_offsets(rk, topic.c_str(), kPartition, &low, &high,
                                       o.open_timeout_ms);
  if (werr == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
    spdlog::warn("replication: topic {} does not exist yet; it starts empty", topic);
    return LastRecord{};
  }
  if (werr != RD_KAFKA_RESP_ERR_NO_ERROR)
    return Status::IOError("replication: the end of " + topic + ": " + rd_kafka_err2str(werr));
  Result<LastRecord> newest = LastRecord{};
  // Further back while the tail holds no record (only markers and aborted transactions).
  for (int64_t window = kTailRecords; high > low; window *= 4) {
    const int64_t from = std::max(low, high - window);
    int found = 0;
    newest = NewestFrom(rk, topic, from, o, &found);
    if (!newest.ok() || found > 0 || from == low) break;
  }
  rd_kafka_consumer_close(rk);
  return newest;
}

}  // namespace

KafkaJournalReplicator::KafkaJournalReplicator(const KafkaReplicationOptions& o)
    : options_(o), topic_(JournalTopic(o.cluster)) {}

std::string JournalTransactionalId(const std::string& cluster) {
  return "concertmania-journal-" + cluster;
}

Result<std::unique_ptr<KafkaJournalReplicator>> KafkaJournalReplicator::Open(
    const KafkaReplicationOptions& o) {
  std::unique_ptr<KafkaJournalReplicator> self(new KafkaJournalReplicator(o));
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // A group commit is already a batch: send it at once (linger 0). Batches of thousands of
  // events may pass Kafka's default 1 MB message size.
  Status set = SetAll(conf, {{"bootstrap.servers", o.brokers.c_str()},
                             {"enable.idempotence", "true"},
                             {"acks", "all"},
                             {"linger.ms", "0"},
                             {"message.max.bytes", "16777216"},
                             // Back within a second of the brokers' return, not ten.
                             {"reconnect.backoff.max.ms", "1000"},
                             {"client.id", "concertmania-journal"}});
  const std::string transactional_id = JournalTransactionalId(o.cluster);
  const std::string transaction_timeout = std::to_string(o.transaction_timeout_ms);
  if (set.ok() && o.transactional) {
    // Messages then expire with their transaction (librdkafka caps message.timeout.ms to it),
    // which is aborted and sent again.
    set = SetAll(conf, {{"transactional.id", transactional_id.c_str()},
                        {"transaction.timeout.ms", transaction_timeout.c_str()}});
  } else if (set.ok()) {
    // Never expire: a batch waits for the brokers however long they are away.
    set = SetAll(conf, {{"message.timeout.ms", "0"}});
  }
  // With transactions, only a commit counts; the reports still matter there: a commit's
  // flush polls for them, and without any it sleeps in 10 ms steps (16 ms a commit, not 1).
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t* rk, const rd_kafka_message_t* m, void* op) {
    DeliveryReport(rk, m, op);
  });
  if (!set.ok()) {
    rd_kafka_conf_destroy(conf);
    return set;
  }
  rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t* rk, int err, const char* reason, void* op) {
    ErrorReport(rk, err, reason, op);
  });
  rd_kafka_conf_set_opaque(conf, self.get());
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("kafka producer: ") + err);
  }
  self->rk_ = rk;
  // First the fence, then where the topic stands: once the previous leader is fenced, what
  // it had not committed never will be, and the end read below stays the end.
  if (o.transactional) {
    if (Status s = self->InitTransactions(); !s.ok()) return s;
  }
  auto last = LastReplicated(o, self->topic_);
  if (!last.ok()) return last.status();
  self->replicated_.store(last.value().last);
  self->replicated_term_ = last.value().term;
  self->sent_.store(last.value().last);

  // Learn where the partition lives now, so the first batch goes out at once instead of
  // waiting in the client for the topic's metadata (a promoted standby's first write).
  rd_kafka_topic_t* topic = rd_kafka_topic_new(rk, self->topic_.c_str(), nullptr);
  const rd_kafka_metadata_t* metadata = nullptr;
  if (rd_kafka_metadata(rk, 0, topic, &metadata, o.open_timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR)
    rd_kafka_metadata_destroy(metadata);
  rd_kafka_topic_destroy(topic);
  self->poller_ = std::thread([p = self.get()] { p->PollLoop(); });
  if (o.transactional) self->committer_ = std::thread([p = self.get()] { p->CommitLoop(); });
  spdlog::info("replication: journal to {} on {}{}, replicated up to seq {} (term {})",
               self->topic_, o.brokers,
               o.transactional ? " in transactions as " + transactional_id : std::string(),
               last.value().last, last.value().term);
  return self;
}

KafkaJournalReplicator::~KafkaJournalReplicator() {
  stop_.store(true);
  GiveUpAfter(0);  // a commit the brokers never answer ends the committer too
  {
    std::lock_guard lock(mu_);
    queued_cv_.notify_all();
  }
  if (committer_.joinable()) committer_.join();
  if (poller_.joinable()) poller_.join();
  if (rk_ == nullptr) return;
  rd_kafka_flush(rk_, 2000);
  rd_kafka_destroy(rk_);
}

void KafkaJournalReplicator::Send(Seq first, Seq last, engine::Term term,
                                  std::string_view records) {
  const int64_t sent_us = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  {
    std::unique_lock lock(mu_);
    in_flight_.push_back({last, Clock::now()});
    if (options_.transactional) {
      while (!queued_.empty() && queued_bytes_ + records.size() > options_.max_queued_bytes &&
             failure_.empty() && Clock::now() < give_up_at_)
        room_cv_.wait_for(lock, std::chrono::milliseconds(50));
      // Failed or given up: the committer is gone, and the batch would never be sent.
      if (failure_.empty() && Clock::now() < give_up_at_) {
        queued_bytes_ += records.size();
        queued_.push_back({first, last, term, sent_us, std::string(records)});
        queued_cv_.notify_one();
      }
    }
  }
  sent_.store(last);
  batches_sent_.fetch_add(1, std::memory_order_relaxed);
  bytes_sent_.fetch_add(records.size(), std::memory_order_relaxed);
  if (options_.transactional) return;
  const auto err = static_cast<rd_kafka_resp_err_t>(Produce(first, last, term, sent_us, records));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    Fail("producing events " + std::to_string(first) + ".." + std::to_string(last) + ": " +
         rd_kafka_err2str(err));
}

int KafkaJournalReplicator::Produce(Seq first, Seq last, engine::Term term, int64_t sent_us,
                                    std::string_view records) {
  const std::string first_text = std::to_string(first), last_text = std::to_string(last),
                    term_text = std::to_string(term), sent_text = std::to_string(sent_us);
  for (;;) {
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_, RD_KAFKA_V_TOPIC(topic_.c_str()), RD_KAFKA_V_PARTITION(kPartition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_VALUE(const_cast<char*>(records.data()), records.size()),
        RD_KAFKA_V_HEADER(kFirstHeader, first_text.data(), static_cast<ssize_t>(first_text.size())),
        RD_KAFKA_V_HEADER(kLastHeader, last_text.data(), static_cast<ssize_t>(last_text.size())),
        RD_KAFKA_V_HEADER(kTermHeader, term_text.data(), static_cast<ssize_t>(term_text.size())),
        RD_KAFKA_V_HEADER(kSentHeader, sent_text.data(), static_cast<ssize_t>(sent_text.size())),
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<uintptr_t>(last))),
        RD_KAFKA_V_END);
    // The local queue is full while the brokers are away: wait for room, unless giving up.
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || GaveUp()) return err;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool KafkaJournalReplicator::GaveUp() const {
  std::lock_guard lock(mu_);
  return Clock::now() >= give_up_at_;
}

bool KafkaJournalReplicator::WaitReplicated(Seq last, std::string* why) {
  std::unique_lock lock(mu_);
  for (;;) {
    if (replicated_.load() >= last) return true;
    if (!failure_.empty()) {
      *why = failure_;
      return false;
    }
    if (Clock::now() >= give_up_at_) {
      *why = "Kafka had not acknowledged them when the server gave up waiting (shutdown)";
      return false;
    }
    // Wakes for GiveUpAfter's deadline too (it may be set after this wait began).
    replicated_cv_.wait_for(lock, std::chrono::milliseconds(50));
  }
}

void KafkaJournalReplicator::GiveUpAfter(int ms) {
  std::lock_guard lock(mu_);
  give_up_at_ = std::min(give_up_at_, Clock::now() + std::chrono::milliseconds(ms));
  replicated_cv_.notify_all();
  room_cv_.notify_all();
}

void KafkaJournalReplicator::DeliveryReport(rd_kafka_s*, const void* message, void* opaque) {
  const auto* m = static_cast<const rd_kafka_message_t*>(message);
  auto* self = static_cast<KafkaJournalReplicator*>(opaque);
  if (self->options_.transactional) return;  // the commit says what is replicated
  const auto last = static_cast<Seq>(reinterpret_cast<uintptr_t>(m->_private));
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) self->Delivered(last, true, {});
  else self->Delivered(last, false, rd_kafka_err2str(m->err));
}

void KafkaJournalReplicator::ErrorReport(rd_kafka_s* rk, int err, const char* reason,
                                         void* opaque) {
  auto* self = static_cast<KafkaJournalReplicator*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char fatal[512];
    rd_kafka_fatal_error(rk, fatal, sizeof fatal);
    self->Fail(std::string("the Kafka producer failed for good: ") + fatal);
    return;
  }
  // Brokers down, timeouts: librdkafka retries; available() turns false if a batch waits long.
  spdlog::warn("replication: {}: {}", rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err)),
               reason);
}

void KafkaJournalReplicator::Delivered(Seq last, bool ok, const std::string& error) {
  if (!ok) {
    // The producer retries everything retriable itself (idempotent, no message timeout), so a
    // failed delivery is for good, and a later batch must not be acknowledged past the gap.
    Fail("events up to " + std::to_string(last) + " not delivered to Kafka: " + error);
    return;
  }
  std::lock_guard lock(mu_);
  while (!in_flight_.empty() && in_flight_.front().last <= last) in_flight_.pop_front();
  if (last > replicated_.load()) replicated_.store(last);
  // Here and not only in the poller: a reply must never reach a client before writes are
  // taken again.
  UpdateAvailable();
  replicated_cv_.notify_all();
  if (wake_) wake_();
}

bool KafkaJournalReplicator::UpdateAvailable() {
  const bool available = failure_.empty() &&
                         (in_flight_.empty() || Clock::now() - in_flight_.front().sent <
                                                    std::chrono::milliseconds(options_.stall_ms));
  available_.store(available, std::memory_order_relaxed);
  return available;
}

void KafkaJournalReplicator::OnProgress(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  wake_ = std::move(wake);
}

void KafkaJournalReplicator::Fail(const std::string& why) {
  std::lock_guard lock(mu_);
  if (!failure_.empty()) return;
  failure_ = why;
  failed_.store(true);
  available_.store(false);
  spdlog::critical("replication: {}", why);
  replicated_cv_.notify_all();
  room_cv_.notify_all();
  if (wake_) wake_();
}

void KafkaJournalReplicator::PollLoop() {
  bool was_available = true;
  while (!stop_.load()) {
    // Delivery and error reports run here; with transactions, in the committer, whose
    // commits poll for them and must not have them taken from under them.
    if (options_.transactional) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    else rd_kafka_poll(rk_, 20);
    bool available;
    {
      std::lock_guard lock(mu_);
      available = UpdateAvailable();
    }
    if (available != was_available) {
      if (available) {
        spdlog::info("replication: Kafka caught up (seq {}); writes resume", replicated_.load());
      } else {
        stalls_.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("replication: a batch has waited over {} ms for Kafka; writes are refused "
                      "until it is acknowledged",
                      options_.stall_ms);
      }
      was_available = available;
    }
  }
}

Seq KafkaJournalReplicator::SentMinusReplicated() const {
  const Seq replicated = replicated_.load();  // first: it never passes sent_
  return sent_.load() - replicated;
}

void KafkaJournalReplicator::WriteMetrics(metrics::PrometheusText* out) const {
  out->Single("cm_replication_replicated_seq", "gauge",
              "Every journal event at or below this seq is in Kafka.",
              static_cast<double>(replicated_.load()));
  out->Single("cm_replication_lag_events", "gauge",
              "Journal events sent to Kafka and not yet acknowledged.",
              static_cast<double>(SentMinusReplicated()));
  out->Single("cm_replication_available", "gauge",
              "1 while Kafka keeps up and writes are taken; 0 while they get 503.",
              available() ? 1 : 0);
  out->Counter("cm_replication_batches_total", "Journal batches sent to Kafka.", batches_sent_);
  out->Counter("cm_replication_bytes_total", "Journal bytes sent to Kafka.", bytes_sent_);
  out->Counter("cm_replication_stalls_total",
               "Times a batch waited longer than the stall limit for Kafka.", stalls_);
  if (!options_.transactional) return;
  out->Counter("cm_replication_transactions_total",
               "Kafka transactions committed (each holds the batches queued meanwhile).",
               transactions_);
  out->Counter("cm_replication_transaction_aborts_total",
               "Kafka transactions aborted and sent again.", aborts_);
}

}  // namespace cm::replication
