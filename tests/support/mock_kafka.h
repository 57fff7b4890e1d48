#pragma once
// librdkafka's mock cluster living in the test process (it needs a handle to hang from): real
// brokers on loopback for the server under test, with topics created up front.

#include <doctest/doctest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <string>

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
