#include "api/password_pool.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

namespace cm::api {

namespace {
using Clock = std::chrono::steady_clock;
uint64_t MicrosSince(Clock::time_point t) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t).count());
}
}  // namespace

PasswordPool::PasswordPool(int threads, std::size_t max_queued)
    : max_queued_(std::max<std::size_t>(1, max_queued)), thread_count_(std::max(1, threads)) {
  for (int i = 0; i < thread_count_; ++i) threads_.emplace_back([this] { Run(); });
}

PasswordPool::~PasswordPool() { Stop(); }

bool PasswordPool::TrySubmit(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= max_queued_) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    const auto queued_at = Clock::now();
    queue_.push_back([this, queued_at, job = std::move(job)] {
      wait_us_.Observe(MicrosSince(queued_at));
      job();
    });
  }
  cv_.notify_one();
  return true;
}

void PasswordPool::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void PasswordPool::Run() {
  // Hashing is background work: at nice 10 (about a tenth of a normal thread's share when both
  // want a core) the scheduler runs the I/O and engine threads first, so a login storm cannot
  // delay seat requests on a busy machine, while logins still progress during a sale that
  // keeps every core busy (SCHED_IDLE would starve them). Linux sets nice per thread; failing
  // to lower it only loses that preference.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    const auto start = Clock::now();
    job();
    const uint64_t us = MicrosSince(start);
    job_us_.Observe(us);
    // A rough moving average (1/8 weight) is enough for a Retry-After hint.
    const uint64_t old = mean_job_us_.load(std::memory_order_relaxed);
    mean_job_us_.store((old * 7 + us) / 8, std::memory_order_relaxed);
    completed_.fetch_add(1, std::memory_order_relaxed);
  }
}

int PasswordPool::RetryAfterSeconds() const {
  std::size_t queued;
  {
    std::lock_guard lock(mu_);
    queued = queue_.size();
  }
  const double drain_s = static_cast<double>(queued) *
                         static_cast<double>(mean_job_us_.load(std::memory_order_relaxed)) / 1e6 /
                         thread_count_;
  return std::max(1, static_cast<int>(drain_s + 0.999));
}

void PasswordPool::WriteMetrics(metrics::PrometheusText* out) const {
  std::size_t queued;
  {
    std::lock_guard lock(mu_);
    queued = queue_.size();
  }
  out->Single("cm_password_pool_queued", "gauge", "Password hashing jobs waiting for a thread",
              static_cast<double>(queued));
  out->Single("cm_password_pool_capacity", "gauge", "Most jobs that may wait before 503",
              static_cast<double>(max_queued_));
  out->Counter("cm_password_pool_completed_total", "Password hashing jobs run", completed_);
  out->Counter("cm_password_pool_refused_total", "Jobs refused because the queue was full",
               refused_);
  out->Header("cm_password_hash_seconds", "histogram", "Time of one password job (argon2id)");
  out->HistogramSamples("cm_password_hash_seconds", "", job_us_, 1e6);
  out->Header("cm_password_pool_wait_seconds", "histogram", "Time a job waited in the queue");
  out->HistogramSamples("cm_password_pool_wait_seconds", "", wait_us_, 1e6);
}

}  // namespace cm::api
