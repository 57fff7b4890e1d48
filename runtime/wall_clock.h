#pragma once
// The wall clock, in milliseconds since the epoch. Read only at the edges (gateway stamps, the
// clock thread, the live projections' rounds, metrics); the engine gets time as data, in
// commands.

#include <chrono>
#include <cstdint>

namespace cm::runtime {

inline int64_t WallNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace cm::runtime
