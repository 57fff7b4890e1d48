#pragma once
// librdkafka's mock cluster living in the test process (it needs a handle to hang from): real
// brokers on loopback for the server under test, with topics created up front.

#include <doctest/doctest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <string>
#include <vector>

namespace cm::test {

class MockKafka {
 public:
  explicit MockKafka(int brokers) {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    host_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    REQUIRE(host_ != nullptr);
    cluster_ = rd_kafka_mock_cluster_new(host_, brokers);
    REQUIRE(cluster_ != nullptr);
  }
  ~MockKafka() {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(host_);
  }
  MockKafka(const MockKafka&) = delete;
  MockKafka& operator=(const MockKafka&) = delete;

  void CreateTopic(const std::string& topic, int partitions, int replication_factor) {
    REQUIRE(rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions,
                                       replication_factor) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }
  // Brokers are numbered from 1.
  void SetDown(int32_t broker, bool down) {
    if (down) rd_kafka_mock_broker_set_down(cluster_, broker);
    else rd_kafka_mock_broker_set_up(cluster_, broker);
  }
  // The next `errors.size()` requests of the protocol's `api` (0 Produce, 26 EndTxn...) fail
  // with these errors, whichever broker gets them.
  void FailNext(int16_t api, const std::vector<rd_kafka_resp_err_t>& errors) {
    rd_kafka_mock_push_request_errors_array(cluster_, api, errors.size(), errors.data());
  }
  // The next request of `api` to `broker` is answered after `delay_ms`, successfully.
  void DelayNext(int32_t broker, int16_t api, int delay_ms) {
    REQUIRE(rd_kafka_mock_broker_push_request_error_rtts(cluster_, broker, api, 1,
                                                         RD_KAFKA_RESP_ERR_NO_ERROR,
                                                         delay_ms) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  // Which broker coordinates the transactions of `transactional_id`.
  void SetTransactionCoordinator(const std::string& transactional_id, int32_t broker) {
    REQUIRE(rd_kafka_mock_coordinator_set(cluster_, "transaction", transactional_id.c_str(),
                                          broker) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  // Moves a partition's leadership, as Kafka's controller would after losing its leader.
  void SetLeader(const std::string& topic, int32_t partition, int32_t broker) {
    REQUIRE(rd_kafka_mock_partition_set_leader(cluster_, topic.c_str(), partition, broker) ==
            RD_KAFKA_RESP_ERR_NO_ERROR);
  }

 private:
  rd_kafka_t* host_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

}  // namespace cm::test
