#pragma once
// MessageProducer on librdkafka: an idempotent producer with acks=all, so a message that
// librdkafka retries is written once and in order per partition. Messages never time out in
// the local queue (message.timeout.ms=0): while the brokers are down they wait, the queue
// fills, and Produce answers false, which holds the outbox back instead of dropping anything.

#include <memory>
#include <string>

#include "engine/status.h"
#include "outbox/message_producer.h"

struct rd_kafka_s;

namespace cm::outbox {

class KafkaProducer final : public MessageProducer {
 public:
  // `brokers`: bootstrap.servers, e.g. "127.0.0.1:9092".
  static Result<std::unique_ptr<KafkaProducer>> Open(const std::string& brokers);
  ~KafkaProducer() override;

  void OnDelivered(Delivered delivered) override { delivered_ = std::move(delivered); }
  bool Produce(const std::string& topic, const std::string& key, const std::string& payload,
               uint64_t seq) override;
  void Poll(int timeout_ms) override;
  void Flush(int timeout_ms) override;

 private:
  explicit KafkaProducer(rd_kafka_s* rk) : rk_(rk) {}
  static void DeliveryReport(rd_kafka_s* rk, const void* message, void* opaque);

  rd_kafka_s* rk_;
  Delivered delivered_;
};

}  // namespace cm::outbox
