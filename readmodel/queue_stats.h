#pragma once
// Waiting-room figures the engine state does not keep: how fast each room admits (for wait
// estimates and /metrics) and how places ended (joined, left, abandoned, lapsed). Built from
// durable events on the publisher thread; read from any thread.

#include <array>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "engine/event.h"
#include "metrics/prometheus_text.h"
#include "readmodel/read_model.h"

namespace cm::readmodel {

class QueueStats {
 public:
  // Publisher thread, in seq order.
  void Collect(const engine::Event& e);

  // Admissions per second over the last minute (over less since the first admission); 0 before
  // any.
  double AdmissionRate(engine::ConcertId concert, int64_t now_ms) const;
  // Seconds until `position` is admitted at the current rate, or at the room's rate limit
  // when nothing has been admitted yet.
  static int64_t EstimateWaitSeconds(uint64_t position, double rate, uint32_t admit_per_second);

  // Per room: waiting, admitted, admissions, admission rate, and how places ended.
  void WriteMetrics(metrics::PrometheusText* out, const readmodel::ReadModel& reads,
                    int64_t now_ms) const;

 private:
  static constexpr int kWindowSeconds = 60;
  struct Room {
    std::array<uint32_t, kWindowSeconds> per_second{};
    int64_t last_second = 0;   // the second the newest bucket counts
    int64_t first_admission_ms = 0;
    uint64_t joined = 0, left = 0, abandoned = 0, lapsed = 0;
  };
  void Advance(Room& r, int64_t second) const;
  uint64_t WindowSum(const Room& r, int64_t now_second) const;

  mutable std::mutex mu_;
  mutable std::unordered_map<engine::ConcertId, Room> rooms_;
};

}  // namespace cm::readmodel
