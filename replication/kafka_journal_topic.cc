#include "replication/kafka_journal_topic.h"

#include <charconv>

namespace cm::replication {

std::string JournalTopic(const std::string& cluster) {
  return "concertmania.journal." + cluster;
}

Status SetAll(rd_kafka_conf_t* conf,
              std::initializer_list<std::pair<const char*, const char*>> settings) {
  char err[512];
  for (const auto& [name, value] : settings) {
    if (rd_kafka_conf_set(conf, name, value, err, sizeof err) != RD_KAFKA_CONF_OK)
      return Status::InvalidArgument(std::string("kafka setting ") + name + ": " + err);
  }
  return Status::OK();
}

engine::Seq HeaderSeq(rd_kafka_headers_t* headers, const char* name) {
  const void* value = nullptr;
  size_t size = 0;
  if (headers == nullptr || rd_kafka_header_get_last(headers, name, &value, &size) !=
                                RD_KAFKA_RESP_ERR_NO_ERROR)
    return 0;
  const char* p = static_cast<const char*>(value);
  engine::Seq seq = 0;
  if (std::from_chars(p, p + size, seq).ec != std::errc()) return 0;
  return seq;
}

Result<KafkaHandle> NewJournalConsumer(const std::string& brokers, const std::string& client_id) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // A group id is required by the consumer API; nothing is committed under it.
  if (Status s = SetAll(conf, {{"bootstrap.servers", brokers.c_str()},
                               {"group.id", client_id.c_str()},
                               {"enable.auto.commit", "false"},
                               {"enable.auto.offset.store", "false"},
                               {"isolation.level", "read_committed"},
                               {"enable.partition.eof", "true"},
                               // A broker answers a waiting fetch as soon as data arrives;
                               // librdkafka's mock cluster only at the end of the wait, which
                               // this bounds (the lag's floor there). 100 idle fetches a
                               // second cost a real broker little.
                               {"fetch.wait.max.ms", "10"},
                               // A request the brokers lost while away is given up after 5 s,
                               // not a minute: a follower falls that much behind at most.
                               {"socket.timeout.ms", "5000"},
                               {"reconnect.backoff.max.ms", "1000"},
                               {"client.id", client_id.c_str()}});
      !s.ok()) {
    rd_kafka_conf_destroy(conf);
    return s;
  }
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("kafka consumer: ") + err);
  }
  return KafkaHandle(rk, rd_kafka_destroy);
}

}  // namespace cm::replication
