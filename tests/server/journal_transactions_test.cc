// The journal replicated in Kafka transactions (replication/kafka_journal_replicator.h), against
// librdkafka's mock cluster: a batch counts as replicated only once its transaction commits,
// batches queued during a commit share the next transaction (up to a bound, past which Send
// waits), an aborted transaction is sent again, and a fenced producer stops the leader for
// good. (The mock does not fence a second
// producer of the same transactional.id, nor hide aborted records from read_committed
// consumers, so those broker guarantees are not tested here.)
#include <doctest/doctest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <functional>
#include <thread>

#include "metrics/prometheus_text.h"
#include "replication/kafka_journal_replicator.h"
#include "tests/support/journal_topic_reader.h"
#include "tests/support/metrics_named.h"
#include "tests/support/mock_kafka.h"

using cm::replication::KafkaJournalReplicator;
using Clock = std::chrono::steady_clock;
using cm::test::TopicRecord;

namespace {

constexpr int16_t kProduce = 0;
constexpr int16_t kEndTxn = 26;

// The topic's records, from the start (the mock's include aborted ones): `count` of them, or
// (0) all there are.
std::vector<TopicRecord> ReadRecords(const std::string& brokers, const std::string& topic,
                                     std::size_t count) {
  std::function<bool(const std::vector<TopicRecord>&)> enough;
  if (count > 0) enough = [count](const std::vector<TopicRecord>& read) {
    return read.size() >= count;
  };
  return ReadJournalTopic(brokers, topic, enough, std::chrono::seconds(10));
}

// A counter of the replicator's metrics.
uint64_t Metric(const KafkaJournalReplicator& r, const std::string& name) {
  cm::metrics::PrometheusText text;
  r.WriteMetrics(&text);
  const double value = cm::test::MetricSample(text.str(), name);
  REQUIRE_MESSAGE(value >= 0, name << " missing from\n" << text.str());
  return static_cast<uint64_t>(value);
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

TEST_CASE_FIXTURE(TransactionalWorld, "behind a commit under way, the queue is bounded") {
  options.max_queued_bytes = 16;
  auto leader = Open();
  kafka.DelayNext(1, kEndTxn, 1500);
  leader->Send(1, 1, 1, "the first batch");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // its commit is under way
  const auto started = Clock::now();
  leader->Send(2, 2, 1, "twelve bytes");  // queued: the queue was empty
  leader->Send(3, 3, 1, "twelve bytes");  // 24 > 16: waits until the commit takes the queue
  CHECK(Clock::now() - started >= std::chrono::milliseconds(1000));
  std::string why;
  REQUIRE_MESSAGE(leader->WaitReplicated(3, &why), why);
  CHECK(Metric(*leader, "cm_replication_transactions_total") == 3);
}

TEST_CASE_FIXTURE(TransactionalWorld, "an aborted transaction is sent again, batch for batch") {
  auto leader = Open();
  // The broker refuses the first produce for good: the transaction must be aborted.
  kafka.FailNext(kProduce, {RD_KAFKA_RESP_ERR_INVALID_RECORD});
  const std::vector<TopicRecord> batches = {{1, 4, "a"}, {5, 5, "b"}, {6, 9, "c"}};
  for (const TopicRecord& b : batches) leader->Send(b.first, b.last, 1, b.value);
  std::string why;
  REQUIRE_MESSAGE(leader->WaitReplicated(9, &why), why);
  CHECK(Metric(*leader, "cm_replication_transaction_aborts_total") >= 1);
  // One transaction when all three were queued before the retry, more when the retry went
  // first (a busy machine: under ctest -j2 beside a sanitizer build it took two).
  const double committed = Metric(*leader, "cm_replication_transactions_total");
  CHECK(committed >= 1);
  CHECK(committed <= 3);
  // The mock keeps what was aborted (a broker would hide it from read_committed readers):
  // the batches were sent again, in order, after it.
  const auto records = ReadRecords(options.brokers, topic, 0);
  REQUIRE(records.size() >= 3);
  CHECK(std::vector<TopicRecord>(records.end() - 3, records.end()) == batches);
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
