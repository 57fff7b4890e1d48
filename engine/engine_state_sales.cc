// Each concert's sales ledger (engine/sales_ledger.h), kept from the events as they apply.
#include "engine/engine_state.h"

namespace cm::engine {

namespace {

// The seats of `r` into `grades` and `hour`: sold (+1) or refunded.
void CountSeats(const Concert& c, const Reservation& r, bool refund, SalesLedger& ledger,
                HourSales& hour) {
  for (SeatIndex s : r.seats) {
    GradeSales& g = ledger.grades[c.venue->seats[s].grade];
    const int64_t price = c.PriceOf(s);
    if (refund) {
      ++g.seats_refunded;
      g.refunded_value += price;
      ++hour.seats_refunded;
      hour.refunded_value += price;
    } else {
      ++g.seats_sold;
      g.sold_value += price;
      ++hour.seats_sold;
      hour.sold_value += price;
    }
  }
}

}  // namespace

// After the event applied (it was valid): the reservation, if any, is still in the table.
void EngineState::RecordSales(const Event& e) {
  auto concert = [&](ConcertId id) { return CachedConcert(id); };
  // The reservation named by a reservation event, and its concert.
  auto reservation = [&](ReservationId id, Concert** c) -> const Reservation* {
    const Reservation* r = reservations_.Find(id);
    *c = r == nullptr ? nullptr : concert(r->concert);
    return *c == nullptr ? nullptr : r;
  };
  Concert* c = nullptr;
  switch (TypeOf(e)) {
    case EventType::kHoldPlaced: {
      const auto& b = std::get<HoldPlaced>(e.body);
      if ((c = concert(b.concert)) == nullptr) return;
      ++c->ledger.holds_placed;
      c->ledger.seats_held += b.seats.count;
      HourSales& hour = c->ledger.Hour(clock_);
      ++hour.holds;
      hour.seats_held += b.seats.count;
      return;
    }
    case EventType::kHoldReleased:
      if (reservation(std::get<HoldReleased>(e.body).reservation, &c)) ++c->ledger.holds_released;
      return;
    case EventType::kSeatsReleased:  // the payment failed
      if (reservation(std::get<SeatsReleased>(e.body).reservation, &c)) ++c->ledger.holds_released;
      return;
    case EventType::kHoldExpired:
      if (reservation(std::get<HoldExpired>(e.body).reservation, &c)) ++c->ledger.holds_expired;
      return;
    case EventType::kReservationConfirmed: {
      const Reservation* r = reservation(std::get<ReservationConfirmed>(e.body).reservation, &c);
      if (r == nullptr) return;
      ++c->ledger.holds_confirmed;
      CountSeats(*c, *r, false, c->ledger, c->ledger.Hour(clock_));
      return;
    }
    case EventType::kReservationRefunded: {
      const Reservation* r = reservation(std::get<ReservationRefunded>(e.body).reservation, &c);
      if (r == nullptr) return;
      ++c->ledger.reservations_refunded;
      CountSeats(*c, *r, true, c->ledger, c->ledger.Hour(clock_));
      return;
    }
    case EventType::kReservationCancelled: {
      const auto& b = std::get<ReservationCancelled>(e.body);
      const Reservation* r = reservation(b.reservation, &c);
      if (r == nullptr) return;
      ++c->ledger.reservations_cancelled;
      c->ledger.cancellation_fees += b.fee;
      CountSeats(*c, *r, true, c->ledger, c->ledger.Hour(clock_));
      return;
    }
    case EventType::kPaymentRequested:
      if ((c = concert(std::get<PaymentRequested>(e.body).concert))) ++c->ledger.payments_requested;
      return;
    case EventType::kPaymentSucceeded: {
      const auto& b = std::get<PaymentSucceeded>(e.body);
      if ((c = concert(b.concert)) == nullptr) return;
      ++c->ledger.payments_succeeded;
      c->ledger.captured += b.amount;
      return;
    }
    case EventType::kPaymentFailed: {
      const auto& b = std::get<PaymentFailed>(e.body);
      if (b.final && (c = concert(b.concert))) ++c->ledger.payments_failed;
      return;
    }
    case EventType::kRefundSettled: {
      const auto& b = std::get<RefundSettled>(e.body);
      if ((c = concert(b.concert)) == nullptr) return;
      ++c->ledger.refunds_settled;
      c->ledger.refunded += b.amount;
      return;
    }
    default:
      return;
  }
}

}  // namespace cm::engine
