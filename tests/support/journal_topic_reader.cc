#include "tests/support/journal_topic_reader.h"

#include <doctest/doctest.h>
#include <librdkafka/rdkafka.h>

#include "replication/kafka_journal_topic.h"

namespace cm::test {

std::vector<TopicRecord> ReadJournalTopic(
    const std::string& brokers, const std::string& topic,
    const std::function<bool(const std::vector<TopicRecord>&)>& enough,
    std::chrono::seconds limit) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", "journal-topic-reader", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  REQUIRE(rk != nullptr);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), replication::kJournalPartition)
      ->offset = RD_KAFKA_OFFSET_BEGINNING;
  REQUIRE(rd_kafka_assign(rk, parts) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(parts);
  std::vector<TopicRecord> out;
  for (const auto deadline = std::chrono::steady_clock::now() + limit;
       !(enough && enough(out)) && std::chrono::steady_clock::now() < deadline;) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 50);
    if (m == nullptr) continue;
    const bool at_end = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_headers_t* headers = nullptr;
      rd_kafka_message_headers(m, &headers);
      out.push_back({replication::HeaderSeq(headers, replication::kFirstHeader),
                     replication::HeaderSeq(headers, replication::kLastHeader),
                     std::string(static_cast<const char*>(m->payload), m->len)});
    }
    rd_kafka_message_destroy(m);
    if (at_end && !enough) break;
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

}  // namespace cm::test
