#pragma once
// Wall-clock milliseconds for the live projections' rounds (never read by the engine, whose
// time comes in commands).

#include <chrono>
#include <cstdint>

namespace cm::live {

inline int64_t WallNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace cm::live
