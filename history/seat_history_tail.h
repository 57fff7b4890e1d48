#pragma once
// The thread that keeps the seat history (history/seat_history.h) up with the durable journal:
// every `poll`, it reads what was made durable since the index's last round (at most
// `max_round_bytes` of batches at a time) and folds it in. It only reads the journal, so it
// cannot slow the sequencer; it lags the journal by a poll, which a support page can bear.
// Threads: its own; Start/Stop from the owner.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "history/seat_history.h"
#include "metrics/prometheus_text.h"

namespace cm::history {

struct SeatHistoryTailOptions {
  // The durable journal: its durable seq, and a scan from a seq (journal/journal_store.h).
  std::function<Seq()> durable_seq;
  std::function<Status(Seq from, const std::function<bool(Seq, std::string_view)>& visit)> scan;
  std::chrono::milliseconds poll{100};
  std::size_t max_round_bytes = 4u << 20;
};

class SeatHistoryTail {
 public:
  SeatHistoryTail(SeatHistoryIndex& index, SeatHistoryTailOptions options);
  ~SeatHistoryTail();

  void Start();
  void Stop();
  // One round now, on the caller's thread (tests). False when it failed (the error is logged,
  // and the lag on /metrics grows).
  bool RunRound();

 private:
  void Loop();

  SeatHistoryIndex& index_;
  const SeatHistoryTailOptions options_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::atomic<Seq> last_durable_{0};
};

// The index's progress for /metrics: what it holds, how far behind `applied` (the read model's
// seq) it is, and its bytes on disk. A failing tail shows as a lag that grows.
void WriteSeatHistoryMetrics(const SeatHistoryIndex& index, Seq applied,
                             metrics::PrometheusText* out);

}  // namespace cm::history
