#include "history/seat_history_tail.h"

#include <spdlog/spdlog.h>

#include <vector>

namespace cm::history {

SeatHistoryTail::SeatHistoryTail(SeatHistoryIndex& index, SeatHistoryTailOptions options)
    : index_(index), options_(std::move(options)) {}

SeatHistoryTail::~SeatHistoryTail() { Stop(); }

void SeatHistoryTail::Start() {
  index_.set_tailed(true);
  thread_ = std::thread([this] { Loop(); });
}

void SeatHistoryTail::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  index_.set_tailed(false);
}

bool SeatHistoryTail::RunRound() {
  const Seq durable = options_.durable_seq();
  last_durable_.store(durable, std::memory_order_relaxed);
  const Seq from = index_.indexed_seq() + 1;
  if (durable < from) return true;
  std::vector<std::string> copies;  // a scan's views last only through its visit
  std::size_t bytes = 0;
  Seq first_held = 0;
  const Status scanned = options_.scan(from, [&](Seq first, std::string_view records) {
    if (first > durable) return false;
    if (copies.empty()) first_held = first;
    copies.emplace_back(records);
    bytes += records.size();
    return bytes < options_.max_round_bytes;
  });
  Status s = scanned;
  // The journal no longer holds what comes next (retention moved it, or this data directory was
  // restored from a backup): the history starts where the journal does.
  if (s.ok() && first_held > from) {
    spdlog::warn("seat history: the journal holds nothing before seq {}; the history starts there",
                 first_held);
    s = index_.SkipTo(first_held);
  }
  std::vector<std::string_view> views(copies.begin(), copies.end());
  if (s.ok()) s = index_.Index(views);
  if (!s.ok()) {
    spdlog::error("seat history: {}", s.ToString());
    return false;
  }
  return true;
}

void SeatHistoryTail::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    const Seq before = index_.indexed_seq();
    const bool ok = RunRound();
    const bool more = ok && index_.indexed_seq() > before &&
                      index_.indexed_seq() < last_durable_.load(std::memory_order_relaxed);
    lock.lock();
    // Catching up reads on at once; a failure waits ten polls before it tries again.
    if (!more) wake_.wait_for(lock, ok ? options_.poll : options_.poll * 10, [this] { return stop_; });
  }
}

void WriteSeatHistoryMetrics(const SeatHistoryIndex& index, Seq applied,
                             metrics::PrometheusText* out) {
  const Seq indexed = index.indexed_seq();
  const Seq durable = applied;
  out->Single("cm_seat_history_indexed_seq", "gauge",
              "The seq every event up to which the seat history holds", static_cast<double>(indexed));
  // Only where a tail keeps it up: a follower's index waits for a promotion, and its lag would
  // only grow.
  if (index.tailed())
    out->Single("cm_seat_history_lag_events", "gauge",
                "Durable events the seat history has not read yet",
                static_cast<double>(durable > indexed ? durable - indexed : 0));
  out->Single("cm_seat_history_bytes", "gauge", "The seat history's files on disk",
              static_cast<double>(index.DiskBytes()));
}

}  // namespace cm::history
