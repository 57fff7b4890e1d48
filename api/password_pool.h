#pragma once
// A bounded pool of threads for password hashing. argon2id is slow on purpose (about 19 MiB and
// tens of milliseconds per hash), so it never runs on the HTTP I/O threads: a login storm then
// queues here, and once the queue is full it is refused at once (503 with Retry-After) instead
// of stalling every other request.
// Thread-safety: TrySubmit may be called from any thread. Jobs run on the pool's threads.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "metrics/histogram.h"
#include "metrics/prometheus_text.h"

namespace cm::api {

class PasswordPool {
 public:
  // REQUIRES: threads >= 1, max_queued >= 1.
  PasswordPool(int threads, std::size_t max_queued);
  ~PasswordPool();  // Stop()
  PasswordPool(const PasswordPool&) = delete;
  PasswordPool& operator=(const PasswordPool&) = delete;

  // Queues `job`; false (and the job is dropped unrun) when max_queued jobs already wait or the
  // pool has stopped. The caller answers the request itself then.
  bool TrySubmit(std::function<void()> job);
  // Runs what is queued, then joins the threads.
  void Stop();

  // Seconds a newly refused caller should wait: the queue's drain time, at least 1.
  int RetryAfterSeconds() const;
  void WriteMetrics(metrics::PrometheusText* out) const;

 private:
  void Run();

  const std::size_t max_queued_;
  const int thread_count_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::atomic<uint64_t> completed_{0};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> mean_job_us_{30'000};  // moving average, for Retry-After
  metrics::Histogram job_us_{1'000, 5'000, 10'000, 25'000, 50'000, 100'000, 250'000, 1'000'000};
  metrics::Histogram wait_us_{1'000, 10'000, 100'000, 250'000, 500'000, 1'000'000, 2'500'000};
};

}  // namespace cm::api
