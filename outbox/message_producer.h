#pragma once
// Where the outbox sends messages: Kafka (KafkaProducer) or anything a test puts behind it.
// Not thread-safe: the outbox thread alone calls it, and delivery reports come back on that
// thread, from inside Poll.

#include <cstdint>
#include <functional>
#include <string>

namespace cm::outbox {

class MessageProducer {
 public:
  // A message left the producer: `ok`, or failed for good with `error`.
  using Delivered = std::function<void(uint64_t seq, bool ok, const std::string& error)>;
  virtual ~MessageProducer() = default;
  virtual void OnDelivered(Delivered delivered) = 0;
  // Queues a message tagged with its journal seq. False: the local queue is full (poll, then
  // try again); any other failure is reported through Delivered.
  virtual bool Produce(const std::string& topic, const std::string& key,
                       const std::string& payload, uint64_t seq) = 0;
  // Serves delivery reports for up to `timeout_ms`.
  virtual void Poll(int timeout_ms) = 0;
  // Waits (bounded) until everything queued was delivered or failed.
  virtual void Flush(int timeout_ms) = 0;
};

}  // namespace cm::outbox
