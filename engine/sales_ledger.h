#pragma once
// A concert's sales as they happened: seats and their list value by grade and by hour, what
// became of its holds, and its money. EngineState::Apply builds it from events alone, so a
// replay and a snapshot give the same figures; it lives as long as the concert, because
// reservations are forgotten after their retention and a report must not be.

#include <cstdint>
#include <vector>

#include "engine/types.h"

namespace cm::engine {

struct GradeSales {
  uint32_t seats_sold = 0;      // confirmed, refunded ones included
  uint32_t seats_refunded = 0;  // of those, refunded (by an admin or a buyer's cancellation)
  int64_t sold_value = 0;       // list prices of the seats sold
  int64_t refunded_value = 0;   // list prices of the seats refunded
};

struct HourSales {
  int64_t hour = 0;  // hours since the epoch (UTC): the events' time / 3,600,000
  uint32_t holds = 0;
  uint32_t seats_held = 0;
  uint32_t seats_sold = 0;
  uint32_t seats_refunded = 0;
  int64_t sold_value = 0;
  int64_t refunded_value = 0;
};

struct SalesLedger {
  std::vector<GradeSales> grades;  // one per venue grade
  std::vector<HourSales> hours;    // ascending; only hours with a hold, sale or refund

  // Holds, by their end.
  uint64_t holds_placed = 0;
  uint64_t seats_held = 0;
  uint64_t holds_confirmed = 0;
  uint64_t holds_expired = 0;
  uint64_t holds_released = 0;  // by the buyer, an admin, or a failed payment
  // Confirmed reservations undone.
  uint64_t reservations_refunded = 0;   // by an admin
  uint64_t reservations_cancelled = 0;  // by the buyer, under the refund policy
  int64_t cancellation_fees = 0;        // kept from buyers' cancellations
  // Money through the payment provider.
  uint64_t payments_requested = 0;
  uint64_t payments_succeeded = 0;
  uint64_t payments_failed = 0;  // for good (a retried failure counts once, when final)
  int64_t captured = 0;
  uint64_t refunds_settled = 0;
  int64_t refunded = 0;  // what the provider gave back

  // The entry of `ts`'s hour, appended when the hour is new. REQUIRES: ts never goes back
  // (the state's clock).
  HourSales& Hour(TimeMs ts);
};

}  // namespace cm::engine
