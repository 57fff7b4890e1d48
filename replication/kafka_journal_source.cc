#include "replication/kafka_journal_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace cm::replication {

using engine::Seq;
using Clock = std::chrono::steady_clock;

namespace {

// Records read again before the bisected start (see the header).
constexpr int64_t kStepBack = 16;
// Nothing fetched for this long: is the fetch stalled?
constexpr auto kStallCheck = std::chrono::seconds(2);
// LabelAt's answer when nothing but markers lies ahead.
constexpr std::pair<engine::Term, Seq> kPastTheEnd{~engine::Term{0}, ~Seq{0}};

}  // namespace

KafkaJournalSource::KafkaJournalSource(const KafkaSourceOptions& o, KafkaHandle consumer)
    : options_(o), topic_(JournalTopic(o.cluster)), consumer_(std::move(consumer)) {}

KafkaJournalSource::~KafkaJournalSource() {
  if (consumer_) rd_kafka_consumer_close(consumer_.get());
}

Result<std::unique_ptr<KafkaJournalSource>> KafkaJournalSource::Open(const KafkaSourceOptions& o,
                                                                     Seq after_seq,
                                                                     engine::Term after_term) {
  auto consumer = NewJournalConsumer(o.brokers, "concertmania-follower");
  if (!consumer.ok()) return consumer.status();
  std::unique_ptr<KafkaJournalSource> self(
      new KafkaJournalSource(o, std::move(consumer).value()));
  int64_t low = 0, high = 0;
  const rd_kafka_resp_err_t werr =
      rd_kafka_query_watermark_offsets(self->consumer_.get(), self->topic_.c_str(),
                                       kJournalPartition, &low, &high, o.open_timeout_ms);
  if (werr != RD_KAFKA_RESP_ERR_NO_ERROR && werr != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    return Status::IOError("replication: the offsets of " + self->topic_ + ": " +
                           rd_kafka_err2str(werr));
  // Bisect [low, high) for the first record past (after_term, after_seq).
  const std::pair<engine::Term, Seq> mine{after_term, after_seq};
  int64_t lo = low, hi = high;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    auto label = self->LabelAt(mid);
    if (!label.ok()) return label.status();
    if (label.value() <= mine) lo = mid + 1;
    else hi = mid;
  }
  self->start_offset_ = std::max(low, lo - kStepBack);
  if (Status s = self->Assign(self->start_offset_); !s.ok()) return s;
  self->next_offset_.store(self->start_offset_);
  spdlog::info("replication: following {} on {} from offset {} (after seq {} of term {}; "
               "offsets {}..{})",
               self->topic_, o.brokers, self->start_offset_, after_seq, after_term, low, high);
  return self;
}

Status KafkaJournalSource::Assign(int64_t offset) {
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic_.c_str(), kJournalPartition)->offset = offset;
  const rd_kafka_resp_err_t err = rd_kafka_assign(consumer_.get(), parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return Status::IOError("replication: reading " + topic_ + " at offset " +
                           std::to_string(offset) + ": " + rd_kafka_err2str(err));
  return Status::OK();
}

Result<std::pair<engine::Term, Seq>> KafkaJournalSource::LabelAt(int64_t offset) {
  if (Status s = Assign(offset); !s.ok()) return s;
  const auto deadline = Clock::now() + std::chrono::milliseconds(options_.open_timeout_ms);
  while (Clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_.get(), 100);
    if (m == nullptr) continue;
    std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> owner(
        m, rd_kafka_message_destroy);
    // No record from there to the end: only transaction markers and aborted records, which a
    // read_committed consumer is not handed. Past every label.
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return kPastTheEnd;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    rd_kafka_headers_t* headers = nullptr;
    rd_kafka_message_headers(m, &headers);
    const Seq last = HeaderSeq(headers, kLastHeader);
    if (last == 0)
      return Status::Corruption("replication: the record of " + topic_ + " at offset " +
                                std::to_string(m->offset) + " has no cm-last header");
    return std::make_pair(HeaderSeq(headers, kTermHeader), last);
  }
  return Status::IOError("replication: the record of " + topic_ + " at offset " +
                         std::to_string(offset) + " did not arrive within the open timeout");
}

Result<bool> KafkaJournalSource::Next(runtime::ReplicatedBatch* out,
                                      std::chrono::milliseconds wait) {
  rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_.get(), static_cast<int>(wait.count()));
  if (m == nullptr || m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (Clock::now() - last_progress_ > kStallCheck) RestartStalledFetch();
  }
  if (m == nullptr) return false;
  std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> owner(
      m, rd_kafka_message_destroy);
  if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    // The end it reports lies past the transaction markers after the last record.
    if (m->offset > next_offset_.load(std::memory_order_relaxed))
      next_offset_.store(m->offset, std::memory_order_relaxed);
    return false;
  }
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // Brokers away, the topic not created yet: the consumer retries by itself.
    if (errors_logged_++ % 100 == 0)
      spdlog::warn("replication: reading {}: {}", topic_, rd_kafka_message_errstr(m));
    return false;
  }
  rd_kafka_headers_t* headers = nullptr;
  rd_kafka_message_headers(m, &headers);
  out->first = HeaderSeq(headers, kFirstHeader);
  out->last = HeaderSeq(headers, kLastHeader);
  out->term = HeaderSeq(headers, kTermHeader);
  out->leader_sent_us = static_cast<int64_t>(HeaderSeq(headers, kSentHeader));
  if (out->first == 0 || out->last < out->first)
    return Status::Corruption("replication: the record of " + topic_ + " at offset " +
                              std::to_string(m->offset) + " has no valid cm-first/cm-last");
  out->records.assign(static_cast<const char*>(m->payload), m->len);
  next_offset_.store(m->offset + 1, std::memory_order_relaxed);
  last_progress_ = Clock::now();
  return true;
}

void KafkaJournalSource::RestartStalledFetch() {
  last_progress_ = Clock::now();
  int64_t low = 0, high = 0;
  const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
      consumer_.get(), topic_.c_str(), kJournalPartition, &low, &high, 500);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::warn("replication: nothing fetched from {} for a while, and its end is not known: {}",
                 topic_, rd_kafka_err2str(err));
    return;
  }
  const int64_t position = next_offset_.load(std::memory_order_relaxed);
  if (high <= position) return;  // nothing new: not stalled
  spdlog::warn("replication: nothing fetched from {} for {} s at offset {} while it reaches {}; "
               "fetching again from there",
               topic_, std::chrono::duration_cast<std::chrono::seconds>(kStallCheck).count(),
               position, high);
  if (Status s = Assign(position); !s.ok()) spdlog::warn("{}", s.ToString());
}

Result<bool> KafkaJournalSource::AtEnd(std::chrono::milliseconds timeout) {
  int64_t low = 0, high = 0;
  // read_committed: `high` is the last stable offset, before any open transaction.
  const rd_kafka_resp_err_t err =
      rd_kafka_query_watermark_offsets(consumer_.get(), topic_.c_str(), kJournalPartition, &low,
                                       &high, static_cast<int>(timeout.count()));
  if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) return true;  // nothing was ever written
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return Status::IOError("replication: the end of " + topic_ + ": " + rd_kafka_err2str(err));
  return next_offset_.load(std::memory_order_relaxed) >= high;
}

int64_t KafkaJournalSource::batches_behind() const {
  int64_t low = 0, high = 0;
  // The watermarks of the latest fetch, without asking the brokers.
  if (rd_kafka_get_watermark_offsets(consumer_.get(), topic_.c_str(), kJournalPartition, &low,
                                     &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      high < 0)
    return -1;
  return std::max<int64_t>(0, high - next_offset_.load(std::memory_order_relaxed));
}

}  // namespace cm::replication
