#pragma once
// The access log: one JSON line per request, written by a flusher thread in batches. A request
// only appends its line to a buffer under a short lock; nothing wakes the flusher, which writes
// what piled up every `period` in one call. (spdlog's async logger woke its worker and flushed
// stdout once per line: three times the context switches per request, ~10 CPU-µs each.)
// Under overload, lines beyond `max_pending_bytes` are dropped and counted, never waited for.
// Thread-safety: Write from any thread; Start and Stop from one.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace cm::http {

class AccessLog {
 public:
  AccessLog(std::FILE* out, std::chrono::milliseconds period, std::size_t max_pending_bytes)
      : out_(out), period_(period), max_pending_(max_pending_bytes) {}
  ~AccessLog() { Stop(); }
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void Start();
  // Writes what is pending and ends the flusher.
  void Stop();
  // Appends one line (a newline is added).
  void Write(std::string_view line);

  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  void Loop();
  void FlushOnce();

  std::FILE* out_;
  std::chrono::milliseconds period_;
  std::size_t max_pending_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::string pending_;
  std::string writing_;  // the flusher's buffer, swapped with pending_
  std::atomic<uint64_t> dropped_{0};
  std::thread flusher_;
};

}  // namespace cm::http
