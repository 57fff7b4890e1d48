// The transactional side of KafkaJournalReplicator (see its header for what the transactions
// guarantee and what the terms do).

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "replication/kafka_journal_replicator.h"

namespace cm::replication {
namespace {

using Clock = std::chrono::steady_clock;

// Each blocking call waits at most this long, so a shutdown that gives up is noticed.
constexpr int kStepMs = 500;
// The same batches aborted this many times in a row: the broker refuses them for good (too
// large for the topic, not authorized), and the leader stops rather than retry forever.
constexpr int kMaxAbortsInARow = 10;

struct TxnError {
  std::string text;
  bool retriable = false;
  bool requires_abort = false;
  bool fatal = false;
};

// Takes librdkafka's error object (and frees it); nothing when there is none.
std::optional<TxnError> Take(rd_kafka_error_t* e) {
  if (e == nullptr) return std::nullopt;
  TxnError out{rd_kafka_error_string(e), rd_kafka_error_is_retriable(e) != 0,
               rd_kafka_error_txn_requires_abort(e) != 0, rd_kafka_error_is_fatal(e) != 0};
  rd_kafka_error_destroy(e);
  return out;
}

}  // namespace

Status KafkaJournalReplicator::InitTransactions() {
  const auto deadline = Clock::now() + std::chrono::milliseconds(options_.open_timeout_ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                            Clock::now());
    const int wait_ms = static_cast<int>(std::clamp<int64_t>(left.count(), 1, kStepMs));
    const std::optional<TxnError> e = Take(rd_kafka_init_transactions(rk_, wait_ms));
    if (!e) return Status::OK();
    if (!e->retriable || Clock::now() >= deadline)
      return Status::IOError("replication: starting transactions as " +
                             JournalTransactionalId(options_.cluster) + ": " + e->text);
  }
}

void KafkaJournalReplicator::CommitLoop() {
  std::vector<QueuedBatch> txn;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      while (!queued_cv_.wait_for(lock, std::chrono::milliseconds(20), [&] {
        return stop_.load() || !queued_.empty() || !failure_.empty();
      })) {
        lock.unlock();
        rd_kafka_poll(rk_, 0);  // error reports, while idle
        lock.lock();
      }
      if (!failure_.empty() || queued_.empty()) return;
      txn.swap(queued_);
      queued_bytes_ = 0;
      room_cv_.notify_all();
    }
    if (!CommitAll(txn)) return;
    txn.clear();
  }
}

bool KafkaJournalReplicator::CommitAll(const std::vector<QueuedBatch>& txn) {
  const std::string events =
      "events " + std::to_string(txn.front().first) + ".." + std::to_string(txn.back().last);
  std::string error;
  for (int aborted = 1;; ++aborted) {
    switch (TryTransaction(txn, &error)) {
      case TxnOutcome::kCommitted:
        transactions_.fetch_add(1, std::memory_order_relaxed);
        Delivered(txn.back().last, true, {});
        return true;
      case TxnOutcome::kGaveUp:
        return false;
      case TxnOutcome::kFatal:
        Fail("the transaction of " + events + " failed for good: " + error);
        return false;
      case TxnOutcome::kAbort:
        break;
    }
    aborts_.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("replication: the transaction of {} is aborted and sent again: {}", events,
                 error);
    if (!AbortTransaction(&error)) {
      if (!GaveUp()) Fail("aborting the transaction of " + events + ": " + error);
      return false;
    }
    if (aborted >= kMaxAbortsInARow) {
      Fail(events + ": " + std::to_string(aborted) +
           " transactions in a row were aborted, the last: " + error);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1000, 20 * aborted)));
  }
}

KafkaJournalReplicator::TxnOutcome KafkaJournalReplicator::TryTransaction(
    const std::vector<QueuedBatch>& txn, std::string* error) {
  if (const std::optional<TxnError> e = Take(rd_kafka_begin_transaction(rk_))) {
    *error = "beginning it: " + e->text;
    return TxnOutcome::kFatal;  // only a fatal error or a misuse makes a begin fail
  }
  for (const QueuedBatch& b : txn) {
    const auto err =
        static_cast<rd_kafka_resp_err_t>(Produce(b.first, b.last, b.term, b.sent_us, b.records));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    *error = "producing events " + std::to_string(b.first) + ".." + std::to_string(b.last) +
             ": " + rd_kafka_err2str(err);
    if (err == RD_KAFKA_RESP_ERR__FATAL) return TxnOutcome::kFatal;
    return GaveUp() ? TxnOutcome::kGaveUp : TxnOutcome::kAbort;
  }
  for (;;) {
    const std::optional<TxnError> e = Take(rd_kafka_commit_transaction(rk_, kStepMs));
    if (!e) return TxnOutcome::kCommitted;
    *error = e->text;
    if (e->fatal) return TxnOutcome::kFatal;
    if (e->requires_abort) return TxnOutcome::kAbort;
    if (GaveUp()) return TxnOutcome::kGaveUp;
    // Timed out while the brokers are away: the commit goes on in the background, and
    // calling again resumes it.
    if (e->retriable) continue;
    return TxnOutcome::kAbort;
  }
}

bool KafkaJournalReplicator::AbortTransaction(std::string* error) {
  for (;;) {
    const std::optional<TxnError> e = Take(rd_kafka_abort_transaction(rk_, kStepMs));
    if (!e) return true;
    *error = e->text;
    if (e->fatal || !e->retriable || GaveUp()) return false;
  }
}

}  // namespace cm::replication
