#include "runtime/ticker.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <random>

#include "engine/sequencer.h"

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

// From the kernel's CSPRNG every tick: the waiting rooms' committed draws take their secrets
// from these (engine/sequencer_draws.cc), so they must not be predictable from earlier ones.
uint64_t Ticker::Entropy() {
  uint64_t value = 0;
  std::size_t got = 0;
  while (got < sizeof value) {
    const ssize_t n = getrandom(reinterpret_cast<char*>(&value) + got, sizeof value - got, 0);
    if (n > 0) got += static_cast<std::size_t>(n);
    else if (n < 0 && errno != EINTR) {  // no getrandom: the device, 32 bits at a time
      std::random_device device;
      return value ^ (uint64_t{device()} << 32 | device());
    }
  }
  return value;
}

void Ticker::Run() {
  auto next_second = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  // The first ticks at once, not a period apart: until the sequencer has had the entropy of
  // Sequencer::kEntropyTicks, a new concert's waiting room cannot commit its draw, and joins to
  // it wait.
  uint64_t sent = 0;
  bool wait = false;
  while (!stop_) {
    if (wait) cv_.wait_for(lock, period_, [this] { return stop_; });
    if (stop_) break;
    engine::Command tick;
    tick.now = now_ms_();
    tick.actor_role = engine::Role::kSystem;
    tick.body = engine::TickCmd{Entropy()};
    const bool published = publish_(std::move(tick));  // a full ring refuses it
    if (published) ++sent;
    wait = !published || sent >= engine::Sequencer::kEntropyTicks;
    if (each_second_ && std::chrono::steady_clock::now() >= next_second) {
      next_second += std::chrono::seconds(1);
      each_second_();
    }
  }
}

}  // namespace cm::runtime
