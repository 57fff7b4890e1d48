#pragma once
// The Kafka outbox (the seed's notifications): a thread that tails the durable journal and
// publishes the domain events people care about as JSON, keyed by concert id, so one
// concert's events stay in order within a topic:
//   <prefix>reservations: HoldPlaced, HoldReleased, HoldExpired, ReservationConfirmed,
//                         ReservationRefunded, SeatsReleased
//   <prefix>payments:     PaymentSucceeded, PaymentFailed, RefundIssued
// The journal is the outbox: there is no second write to keep in step. Delivery is at least
// once: the highest seq below which every message was acknowledged is stored in
// <data>/kafka-outbox-offset, and a restart publishes again from there. A failed delivery is
// published again from its seq. Nothing here can slow the sequencer: the outbox only reads.
// Threads: its own; Start/Stop from the owner.

#include <atomic>
#include <functional>
#include <set>
#include <string>
#include <thread>

#include "engine/event.h"
#include "engine/status.h"
#include "metrics/prometheus_text.h"
#include "outbox/message_producer.h"

namespace cm::outbox {

// The durable journal as the outbox reads it.
class JournalTail {
 public:
  virtual ~JournalTail() = default;
  virtual engine::Seq durable_seq() const = 0;
  virtual Status Scan(engine::Seq from,
                      const std::function<bool(engine::Seq first, std::string_view records)>& visit) = 0;
};

struct OutboxOptions {
  std::string offset_file;  // where the acknowledged seq is kept
  std::string topic_prefix = "concertmania.";
  std::size_t max_per_round = 10'000;  // events read from the journal between polls
  // Where each timeline after the first began (EngineState::timelines() at start); the outbox
  // adds those it reads. Messages after a restore carry their timeline (views/event_json.h).
  std::vector<engine::TimelineStart> timelines;
};

// The topic an event goes to, or empty when it is not published.
std::string TopicOf(const engine::Event& e, const std::string& prefix);
// The concert id the message is keyed by.
uint64_t ConcertOf(const engine::Event& e);

class OutboxPublisher {
 public:
  OutboxPublisher(OutboxOptions options, MessageProducer& producer, JournalTail& journal);
  ~OutboxPublisher();

  // Reads the stored offset and starts the thread.
  Status Start();
  // Stops reading, waits (bounded) for deliveries, stores the offset.
  void Stop();

  engine::Seq acked_seq() const { return acked_.load(); }
  void WriteMetrics(metrics::PrometheusText* out) const;

 private:
  void Loop();
  void ReadSome();
  engine::Seq Acked() const;
  void SaveOffset(engine::Seq seq);

  const OutboxOptions options_;
  MessageProducer& producer_;
  JournalTail& journal_;
  std::thread thread_;
  std::atomic<bool> stop_{false};

  // Outbox thread only.
  std::vector<engine::TimelineStart> timelines_;
  engine::Seq next_ = 1;           // the next seq to read
  std::set<engine::Seq> in_flight_;  // published, not yet acknowledged
  engine::Seq saved_ = 0;

  std::atomic<engine::Seq> acked_{0};
  std::atomic<uint64_t> published_{0}, delivered_{0}, failed_{0};
  std::atomic<bool> broken_{false};  // the journal could not be read; see the log
};

}  // namespace cm::outbox
