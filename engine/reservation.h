#pragma once

#include <cstdint>

#include "engine/seat_pool.h"
#include "engine/types.h"

namespace cm::engine {

// 88 bytes, live or ended: one or two seats are kept inline, more in the state's SeatPool.
struct Reservation {
  ReservationId id = 0;
  UserId user = 0;
  ConcertId concert = 0;
  int64_t amount = 0;
  TimeMs created_at = 0;
  TimeMs expires_at = 0;
  TimeMs ended_at = 0;  // when it became EXPIRED, CANCELLED or REFUNDED
  PaymentId payment = 0;  // the payment that paid (or is paying) for it, if any
  HeldSeats seats;
  uint32_t timer_slot = kNoTimer;  // position in HoldTimers while live
  ReservationStatus status = ReservationStatus::kHeld;
  bool extended = false;  // its hold was extended (once is all it gets)

  static constexpr uint32_t kNoTimer = UINT32_MAX;
};
static_assert(sizeof(Reservation) <= 88,
              "a reservation stays compact: more than two seats go in the SeatPool");

}  // namespace cm::engine
