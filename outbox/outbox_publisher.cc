#include "outbox/outbox_publisher.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "engine/codec/event_codec.h"
#include "views/event_json.h"

namespace cm::outbox {

std::string TopicOf(const engine::Event& e, const std::string& prefix) {
  switch (engine::TopicOf(engine::TypeOf(e))) {
    case engine::EventTopic::kReservations:
      return prefix + "reservations";
    case engine::EventTopic::kTickets:
      return prefix + "tickets";
    case engine::EventTopic::kPayments:
      return prefix + "payments";
    case engine::EventTopic::kNone:
      break;
  }
  return {};
}

uint64_t ConcertOf(const engine::Event& e) {
  return std::visit(
      [](const auto& b) -> uint64_t {
        if constexpr (requires { b.concert; }) return b.concert;
        return 0;
      },
      e.body);
}

OutboxPublisher::OutboxPublisher(OutboxOptions options, MessageProducer& producer,
                                 JournalTail& journal)
    : options_(std::move(options)),
      producer_(producer),
      journal_(journal),
      timelines_(options_.timelines) {
  producer_.OnDelivered([this](uint64_t seq, bool ok, const std::string& error) {
    in_flight_.erase(seq);
    if (ok) {
      delivered_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    // Published again from here: at least once, possibly twice.
    failed_.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("outbox: event seq {} not delivered ({}); publishing again", seq, error);
    if (seq < next_) next_ = seq;
  });
}

OutboxPublisher::~OutboxPublisher() { Stop(); }

Status OutboxPublisher::Start() {
  std::ifstream in(options_.offset_file);
  engine::Seq stored = 0;
  if (in && !(in >> stored)) return Status::Corruption("unreadable outbox offset in " + options_.offset_file);
  next_ = stored + 1;
  saved_ = stored;
  acked_.store(stored);
  thread_ = std::thread([this] { Loop(); });
  return Status::OK();
}

void OutboxPublisher::Stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  thread_.join();
  // The producer may outlive us and still report deliveries (its destructor flushes).
  producer_.OnDelivered({});
}

engine::Seq OutboxPublisher::Acked() const {
  return in_flight_.empty() ? next_ - 1 : std::min(next_ - 1, *in_flight_.begin() - 1);
}

void OutboxPublisher::SaveOffset(engine::Seq seq) {
  if (seq == saved_) return;
  const std::string tmp = options_.offset_file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << seq << "\n";
    if (!out.flush()) {
      spdlog::warn("outbox: cannot write {}", tmp);
      return;
    }
  }
  if (std::rename(tmp.c_str(), options_.offset_file.c_str()) == 0) saved_ = seq;
}

void OutboxPublisher::Loop() {
  auto last_save = std::chrono::steady_clock::now();
  while (!stop_.load()) {
    const engine::Seq before = next_;
    if (!broken_.load() && next_ <= journal_.durable_seq()) ReadSome();
    // Caught up, or held back by a full producer queue (brokers down): wait in Poll, not spin.
    producer_.Poll(next_ > before ? 0 : 20);
    acked_.store(Acked());
    if (std::chrono::steady_clock::now() - last_save > std::chrono::seconds(1)) {
      SaveOffset(acked_.load());
      last_save = std::chrono::steady_clock::now();
    }
  }
  producer_.Flush(5000);
  producer_.Poll(0);
  acked_.store(Acked());
  SaveOffset(acked_.load());
}

// Publishes durable events from next_ on, up to max_per_round of them; stops early when the
// producer's queue is full (the next round starts from the event it refused).
void OutboxPublisher::ReadSome() {
  const engine::Seq durable = journal_.durable_seq();
  std::size_t budget = options_.max_per_round;
  std::string payload;
  Status s = journal_.Scan(next_, [&](engine::Seq, std::string_view records) {
    while (!records.empty()) {
      engine::Event e;
      if (Status d = engine::DecodeEvent(&records, &e); !d.ok()) {
        spdlog::error("outbox stopped: {}", d.ToString());
        broken_.store(true);
        return false;
      }
      if (e.seq < next_) continue;
      if (e.seq > durable || budget == 0) return false;
      if (const auto* t = std::get_if<engine::TimelineStarted>(&e.body);
          t != nullptr && (timelines_.empty() || timelines_.back().timeline < t->timeline))
        timelines_.push_back(engine::TimelineStart{t->timeline, e.seq, t->id_base});
      const std::string topic = TopicOf(e, options_.topic_prefix);
      if (!topic.empty()) {
        payload.clear();
        views::AppendEventJson(e, engine::TimelineAt(timelines_, e.seq), &payload);
        if (!producer_.Produce(topic, std::to_string(ConcertOf(e)), payload, e.seq)) return false;
        in_flight_.insert(e.seq);
        published_.fetch_add(1, std::memory_order_relaxed);
      }
      next_ = e.seq + 1;
      --budget;
    }
    return true;
  });
  if (!s.ok()) {
    spdlog::error("outbox stopped: journal read failed: {}", s.ToString());
    broken_.store(true);
  }
}

void OutboxPublisher::WriteMetrics(metrics::PrometheusText* out) const {
  out->Counter("cm_outbox_published_total", "Domain events handed to Kafka.", published_);
  out->Counter("cm_outbox_delivered_total", "Domain events Kafka acknowledged.", delivered_);
  out->Counter("cm_outbox_failed_total", "Deliveries that failed and were published again.", failed_);
  out->Single("cm_outbox_acked_seq", "gauge", "Every event at or below this seq was delivered.",
              static_cast<double>(acked_.load()));
  out->Single("cm_outbox_broken", "gauge", "1 when the outbox stopped on an unreadable journal.",
              broken_.load() ? 1 : 0);
}

}  // namespace cm::outbox
