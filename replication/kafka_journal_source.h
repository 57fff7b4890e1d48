#pragma once
// A follower's view of the replicated journal (`serve --replicate-from-kafka BROKERS`): the
// records of `concertmania.journal.<cluster>` (kafka_journal_replicator.h writes them), read
// in offset order, from the first batch after the follower's own journal.
//
// Where to start is found by bisecting the topic's offsets on the batches' (`cm-term`,
// `cm-last`) headers, which grow with the offset: the first record past the follower's own
// (term, seq). A former leader whose journal holds a tail the log never got thus starts at
// the new term's first batch, which makes it cut that tail (runtime/follower.h). Then a few
// records back: a fenced-off leader may have left batches out of order, and reading a few
// already-applied batches again costs nothing (the follower passes them over).
//
// The consumer is read_committed: a batch of a transactional leader appears once its
// transaction commits, never if it is aborted. Offsets are not records then (each
// transaction's commit marker takes one), so the end is where the consumer reports it, and
// the lag in batches counts markers too.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "replication/kafka_journal_topic.h"
#include "runtime/journal_source.h"

namespace cm::replication {

struct KafkaSourceOptions {
  std::string brokers;
  std::string cluster = "main";
  int open_timeout_ms = 10'000;  // to find the starting offset
};

class KafkaJournalSource final : public runtime::JournalSource {
 public:
  // Connects and positions at the first batch after (`after_term`, `after_seq`). Fails when
  // the brokers do not answer within open_timeout_ms.
  static Result<std::unique_ptr<KafkaJournalSource>> Open(const KafkaSourceOptions& o,
                                                          engine::Seq after_seq,
                                                          engine::Term after_term);
  ~KafkaJournalSource() override;

  Result<bool> Next(runtime::ReplicatedBatch* out, std::chrono::milliseconds wait) override;
  Result<bool> AtEnd(std::chrono::milliseconds timeout) override;
  int64_t batches_behind() const override;

  const std::string& topic() const { return topic_; }
  int64_t start_offset() const { return start_offset_; }

 private:
  KafkaJournalSource(const KafkaSourceOptions& o, KafkaHandle consumer);
  // The (`cm-term`, `cm-last`) of the first record at or after `offset`, or an error.
  Result<std::pair<engine::Term, engine::Seq>> LabelAt(int64_t offset);
  Status Assign(int64_t offset);
  // Called when nothing came for a while: if the log has records past the position (a fetch
  // that stalled when the brokers went away and came back), starts fetching again there.
  void RestartStalledFetch();

  const KafkaSourceOptions options_;
  const std::string topic_;
  KafkaHandle consumer_;
  int64_t start_offset_ = 0;
  // After the last record handed out, or the end the consumer reported, if further (the
  // markers transactions leave take offsets too).
  std::atomic<int64_t> next_offset_{0};
  int64_t errors_logged_ = 0;
  std::chrono::steady_clock::time_point last_progress_ = std::chrono::steady_clock::now();
};

}  // namespace cm::replication
