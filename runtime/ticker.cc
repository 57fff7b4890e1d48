#include "runtime/ticker.h"

#include <random>

namespace cm::runtime {

Ticker::Ticker(std::function<bool(engine::Command)> publish, std::function<int64_t()> now_ms,
               std::chrono::milliseconds period, std::function<void()> each_second)
    : publish_(std::move(publish)),
      now_ms_(std::move(now_ms)),
      period_(period),
      each_second_(std::move(each_second)),
      thread_([this] { Run(); }) {}

Ticker::~Ticker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Ticker::Run() {
  std::mt19937_64 entropy(std::random_device{}());
  auto next_second = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, period_, [this] { return stop_; });
    if (stop_) break;
    engine::Command tick;
    tick.now = now_ms_();
    tick.actor_role = engine::Role::kSystem;
    tick.body = engine::TickCmd{entropy()};
    publish_(std::move(tick));
    if (each_second_ && std::chrono::steady_clock::now() >= next_second) {
      next_second += std::chrono::seconds(1);
      each_second_();
    }
  }
}

}  // namespace cm::runtime
