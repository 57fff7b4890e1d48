// The journal replicated in Kafka transactions (replication/kafka_journal_replicator.h), against
// librdkafka's mock cluster: a batch counts as replicated only once its transaction commits,
// batches queued during a commit share the next transaction, an aborted transaction is sent
// again, and a fenced producer stops the leader for good. (The mock does not fence a second
// producer of the same transactional.id, nor hide aborted records from read_committed
// consumers, so those broker guarantees are not tested here.)
#include <doctest/doctest.h>
#include <librdkafka/rdkafka.h>

#include <charconv>
#include <chrono>
#include <thread>

#include "metrics/prometheus_text.h"
#include "replication/kafka_journal_replicator.h"
#include "tests/support/mock_kafka.h"

using cm::replication::KafkaJournalReplicator;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int16_t kProduce = 0;
constexpr int16_t kEndTxn = 26;

struct Record {
  uint64_t first = 0, last = 0;
  std::string value;
  bool operator==(const Record&) const = default;
};

// The topic's records as a plain consumer sees them (the mock's include aborted ones), read
// until `count` arrived (0: until the end of the partition) or 10 s passed.
std::vector<Record> ReadRecords(const std::string& brokers, const std::string& topic,
                                std::size_t count) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", "journal-transactions-test", err, sizeof err);
  rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  REQUIRE(rk != nullptr);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  REQUIRE(rd_kafka_assign(rk, parts) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(parts);
  const auto header = [](rd_kafka_message_t* m, const char* name) {
    rd_kafka_headers_t* headers = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    uint64_t seq = 0;
    if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        rd_kafka_header_get_last(headers, name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR)
      std::from_chars(static_cast<const char*>(value), static_cast<const char*>(value) + size,
                      seq);
    return seq;
  };
  std::vector<Record> out;
  for (const auto deadline = Clock::now() + std::chrono::seconds(10);
       (count == 0 || out.size() < count) && Clock::now() < deadline;) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 50);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF && count == 0) {
      rd_kafka_message_destroy(m);
      break;
    }
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
      out.push_back({header(m, "cm-first"), header(m, "cm-last"),
                     std::string(static_cast<const char*>(m->payload), m->len)});
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

// A counter of the replicator's metrics.
uint64_t Metric(const KafkaJournalReplicator& r, const std::string& name) {
  cm::metrics::PrometheusText text;
  r.WriteMetrics(&text);
  const std::string& s = text.str();
  const auto at = s.find("\n" + name + " ");
  REQUIRE_MESSAGE(at != std::string::npos, name << " missing from\n" << s);
  uint64_t value = 0;
  const char* begin = s.data() + at + name.size() + 2;
  std::from_chars(begin, s.data() + s.size(), value);
  return value;
}

struct TransactionalWorld {
  cm::test::MockKafka kafka{3};
  cm::replication::KafkaReplicationOptions options;
  std::string topic;
  TransactionalWorld() {
    options.brokers = kafka.bootstraps();
    options.cluster = "txn";
    topic = cm::replication::JournalTopic(options.cluster);
    kafka.CreateTopic(topic, 1, 3);
    // Pinned, so a test can slow down the coordinator's answers.
    kafka.SetTransactionCoordinator(cm::replication::JournalTransactionalId("txn"), 1);
  }
  std::unique_ptr<KafkaJournalReplicator> Open() {
    auto opened = KafkaJournalReplicator::Open(options);
    REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    return std::move(opened).value();
  }
};

}  // namespace

TEST_CASE_FIXTURE(TransactionalWorld, "a batch counts as replicated once its transaction commits") {
  auto leader = Open();
  kafka.DelayNext(1, kEndTxn, 3000);
  const auto sent = Clock::now();
  leader->Send(1, 10, 1, "the first batch");
  // The record is in the partition (the mock shows it before the commit) ...
  REQUIRE(ReadRecords(options.brokers, topic, 1).size() == 1);
  // ... and yet not replicated: the commit has not returned.
  if (Clock::now() - sent < std::chrono::milliseconds(2500)) CHECK(leader->replicated_seq() == 0);
  std::string why;
  REQUIRE_MESSAGE(leader->WaitReplicated(10, &why), why);
  CHECK(Clock::now() - sent >= std::chrono::milliseconds(2900));
  CHECK(leader->replicated_seq() == 10);
  CHECK(Metric(*leader, "cm_replication_transactions_total") == 1);
  CHECK(Metric(*leader, "cm_replication_transaction_aborts_total") == 0);
}

TEST_CASE_FIXTURE(TransactionalWorld, "batches queued during a commit share the next transaction") {
  auto leader = Open();
  kafka.DelayNext(1, kEndTxn, 1000);
  leader->Send(1, 1, 1, "one");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // its commit is under way
  for (uint64_t seq = 2; seq <= 6; ++seq) leader->Send(seq, seq, 1, "batch " + std::to_string(seq));
  std::string why;
  REQUIRE_MESSAGE(leader->WaitReplicated(6, &why), why);
  CHECK(Metric(*leader, "cm_replication_transactions_total") == 2);
  const auto records = ReadRecords(options.brokers, topic, 6);
  REQUIRE(records.size() == 6);
  for (uint64_t seq = 1; seq <= 6; ++seq) CHECK(records[seq - 1].last == seq);
}

TEST_CASE_FIXTURE(TransactionalWorld, "an aborted transaction is sent again, batch for batch") {
  auto leader = Open();
  // The broker refuses the first produce for good: the transaction must be aborted.
  kafka.FailNext(kProduce, {RD_KAFKA_RESP_ERR_INVALID_RECORD});
  const std::vector<Record> batches = {{1, 4, "a"}, {5, 5, "b"}, {6, 9, "c"}};
  for (const Record& b : batches) leader->Send(b.first, b.last, 1, b.value);
  std::string why;
  REQUIRE_MESSAGE(leader->WaitReplicated(9, &why), why);
  CHECK(Metric(*leader, "cm_replication_transaction_aborts_total") >= 1);
  CHECK(Metric(*leader, "cm_replication_transactions_total") == 1);
  // The mock keeps what was aborted (a broker would hide it from read_committed readers):
  // the batches were sent again, in order, after it.
  const auto records = ReadRecords(options.brokers, topic, 0);
  REQUIRE(records.size() >= 3);
  CHECK(std::vector<Record>(records.end() - 3, records.end()) == batches);
  CHECK(leader->available());
}

TEST_CASE_FIXTURE(TransactionalWorld, "a producer fenced by a newer leader stops for good") {
  auto leader = Open();
  kafka.FailNext(kEndTxn, {RD_KAFKA_RESP_ERR_PRODUCER_FENCED});
  leader->Send(1, 3, 1, "the zombie's batch");
  std::string why;
  CHECK_FALSE(leader->WaitReplicated(3, &why));
  CHECK(why.find("fenced") != std::string::npos);
  CHECK(leader->failed());
  CHECK_FALSE(leader->available());
  CHECK(leader->replicated_seq() == 0);
  // Nothing later is acknowledged either.
  leader->Send(4, 4, 1, "after");
  CHECK_FALSE(leader->WaitReplicated(4, &why));
}
