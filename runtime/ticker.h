#pragma once
// Where time enters the engine. The engine never reads a clock: this thread publishes
// Tick(now) every period, so holds expire and waiting rooms admit on time even when no request
// arrives. Each tick carries fresh entropy (a room that opens on it shuffles its pre-queue with
// it). Once a second it also runs `each_second` (the app reports silent waiting-room users).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "engine/command.h"

namespace cm::runtime {

class Ticker {
 public:
  // `publish` returns false when the command was not taken (a full ring skips one tick; the
  // next catches up). `now_ms` is the wall clock stamped on each tick.
  Ticker(std::function<bool(engine::Command)> publish, std::function<int64_t()> now_ms,
         std::chrono::milliseconds period, std::function<void()> each_second = {});
  ~Ticker();  // stops and joins
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

 private:
  void Run();
  static uint64_t Entropy();

  std::function<bool(engine::Command)> publish_;
  std::function<int64_t()> now_ms_;
  std::chrono::milliseconds period_;
  std::function<void()> each_second_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;  // last: it starts once everything above is set
};

}  // namespace cm::runtime
