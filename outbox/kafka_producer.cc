#include "outbox/kafka_producer.h"

#include <librdkafka/rdkafka.h>

namespace cm::outbox {

Result<std::unique_ptr<KafkaProducer>> KafkaProducer::Open(const std::string& brokers) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::pair<const char*, const char*> settings[] = {
      {"bootstrap.servers", brokers.c_str()},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"message.timeout.ms", "0"},  // wait for the brokers as long as it takes
      {"linger.ms", "5"},
      {"queue.buffering.max.messages", "100000"},
      {"client.id", "concertmania-outbox"},
  };
  for (const auto& [name, value] : settings) {
    if (rd_kafka_conf_set(conf, name, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidArgument(std::string("kafka setting ") + name + ": " + err);
    }
  }
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
    DeliveryReport(rk, m, opaque);
  });
  auto* self = new KafkaProducer(nullptr);
  rd_kafka_conf_set_opaque(conf, self);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {  // rd_kafka_new keeps the conf only on success
    rd_kafka_conf_destroy(conf);
    delete self;
    return Status::InvalidArgument(std::string("kafka producer: ") + err);
  }
  self->rk_ = rk;
  return std::unique_ptr<KafkaProducer>(self);
}

KafkaProducer::~KafkaProducer() {
  if (rk_ == nullptr) return;
  rd_kafka_flush(rk_, 2000);
  rd_kafka_destroy(rk_);
}

void KafkaProducer::DeliveryReport(rd_kafka_s*, const void* message, void* opaque) {
  const auto* m = static_cast<const rd_kafka_message_t*>(message);
  auto* self = static_cast<KafkaProducer*>(opaque);
  const auto seq = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(m->_private));
  if (!self->delivered_) return;
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) self->delivered_(seq, true, {});
  else self->delivered_(seq, false, rd_kafka_err2str(m->err));
}

bool KafkaProducer::Produce(const std::string& topic, const std::string& key,
                            const std::string& payload, uint64_t seq) {
  const rd_kafka_resp_err_t err = rd_kafka_producev(
      rk_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_KEY(key.data(), key.size()),
      RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()),
      RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<uintptr_t>(seq))), RD_KAFKA_V_END);
  if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) return false;
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && delivered_) delivered_(seq, false, rd_kafka_err2str(err));
  return true;
}

void KafkaProducer::Poll(int timeout_ms) { rd_kafka_poll(rk_, timeout_ms); }

void KafkaProducer::Flush(int timeout_ms) { rd_kafka_flush(rk_, timeout_ms); }

}  // namespace cm::outbox
