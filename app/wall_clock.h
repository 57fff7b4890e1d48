#pragma once
// The wall clock, read only at the edges (gateway stamps, the clock thread); the engine gets
// time as data.

#include <chrono>
#include <cstdint>

namespace cm::app {

inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace cm::app
