#include "http/access_log.h"

namespace cm::http {

void AccessLog::Start() { flusher_ = std::thread([this] { Loop(); }); }

void AccessLog::Stop() {
  if (!flusher_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_one();
  flusher_.join();
  FlushOnce();  // lines written while it was ending
}

void AccessLog::Write(std::string_view line) {
  std::lock_guard lock(mu_);
  if (pending_.size() + line.size() + 1 > max_pending_) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  pending_.append(line);
  pending_.push_back('\n');
}

void AccessLog::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, period_, [this] { return stopping_; });
    lock.unlock();
    FlushOnce();
    lock.lock();
  }
}

void AccessLog::FlushOnce() {
  {
    std::lock_guard lock(mu_);
    if (pending_.empty()) return;
    writing_.swap(pending_);  // both keep their capacity: no allocation once warm
  }
  std::fwrite(writing_.data(), 1, writing_.size(), out_);
  std::fflush(out_);
  writing_.clear();
}

}  // namespace cm::http
