// The sales ledger a concert keeps from its events: seats and value by grade and by hour, how
// its holds ended, refunds and cancellation fees, and the money through the provider; and that
// a snapshot keeps it.
#include <doctest/doctest.h>

#include "engine/codec/state_codec.h"
#include "engine/invariants.h"
#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

constexpr TimeMs kT = TestWorld::kStart;  // in the first hour since the epoch
constexpr TimeMs kHour = 3'600'000;

}  // namespace

TEST_CASE("the ledger counts sales, refunds and the end of every hold, by grade and by hour") {
  TestWorld w;
  const UserId alice = w.AddUser("alice@example.com");
  const UserId bob = w.AddUser("bob@example.com");
  const UserId carol = w.AddUser("carol@example.com");
  // Rows of 10 seats: row 0 is grade 0 (100,000 KRW), row 1 grade 1 (90,000 KRW).
  const VenueId venue = w.AddVenue(GridVenue(1, 3, 10));
  auto spec = w.ConcertSpecFor(venue);
  spec->refund = RefundPolicy{48 * kHour, 10};
  const ConcertId concert = w.AddConcertSpec(spec);
  auto reservation = [](const Event& e) { return std::get<HoldPlaced>(e.body).reservation; };

  // Hour 0: alice buys two grade-0 seats through the provider; bob's hold expires; carol
  // lets hers go.
  const ReservationId a = reservation(w.Hold(alice, concert, {0, 1}, kT));
  const Event paid = w.Run(w.As(alice, kT + 1000, RequestPaymentCmd{a, PaymentMethod::kCard}));
  const PaymentId payment = std::get<PaymentRequested>(paid.body).payment;
  w.Run(w.AsAdmin(kT + 2000, ReportChargeCmd{payment, 1, ChargeOutcome::kCaptured, ""}));
  w.Hold(bob, concert, {10}, kT);
  const ReservationId c = reservation(w.Hold(carol, concert, {20}, kT + 3000));
  w.Run(w.As(carol, kT + 4000, ReleaseHoldCmd{c}));
  w.Tick(kT + kDefaultHoldTtlMs + 100);
  // Hour 2: an admin confirms bob's two grade-1 seats, then refunds them.
  const ReservationId b = reservation(w.Hold(bob, concert, {11, 12}, kT + 2 * kHour));
  w.Run(w.AsAdmin(kT + 2 * kHour + 10, ConfirmReservationCmd{b}));
  w.Run(w.AsAdmin(kT + 2 * kHour + 20, RefundReservationCmd{b}));
  // Hour 3: alice cancels under the refund policy (10 % fee).
  REQUIRE(TypeOf(w.Run(w.As(alice, kT + 3 * kHour, CancelReservationCmd{a}))) ==
          EventType::kRefundIssued);

  const SalesLedger& l = w.state.FindConcert(concert)->ledger;
  REQUIRE(l.grades.size() == 2);
  CHECK(l.grades[0].seats_sold == 2);
  CHECK(l.grades[0].seats_refunded == 2);
  CHECK(l.grades[0].sold_value == 200'000);
  CHECK(l.grades[0].refunded_value == 200'000);
  CHECK(l.grades[1].seats_sold == 2);
  CHECK(l.grades[1].sold_value == 180'000);
  CHECK(l.holds_placed == 4);
  CHECK(l.seats_held == 6);
  CHECK(l.holds_confirmed == 2);
  CHECK(l.holds_expired == 1);
  CHECK(l.holds_released == 1);
  CHECK(l.reservations_refunded == 1);
  CHECK(l.reservations_cancelled == 1);
  CHECK(l.cancellation_fees == 20'000);
  CHECK(l.payments_requested == 1);
  CHECK(l.payments_succeeded == 1);
  CHECK(l.captured == 200'000);

  REQUIRE(l.hours.size() == 3);
  CHECK(l.hours[0].hour == 0);
  CHECK(l.hours[0].holds == 3);
  CHECK(l.hours[0].seats_sold == 2);
  CHECK(l.hours[0].sold_value == 200'000);
  CHECK(l.hours[1].hour == 2);
  CHECK(l.hours[1].seats_sold == 2);
  CHECK(l.hours[1].seats_refunded == 2);
  CHECK(l.hours[1].refunded_value == 180'000);
  CHECK(l.hours[2].hour == 3);
  CHECK(l.hours[2].holds == 0);
  CHECK(l.hours[2].seats_refunded == 2);
  for (const std::string& problem : CheckInvariants(w.state)) FAIL_CHECK(problem);

  // A snapshot keeps the ledger byte for byte.
  std::string bytes;
  EncodeState(w.state, &bytes);
  auto restored = DecodeState(bytes, EngineConfig{});
  REQUIRE(restored.ok());
  const SalesLedger& r = restored.value()->FindConcert(concert)->ledger;
  CHECK(r.hours.size() == 3);
  CHECK(r.grades[1].refunded_value == 180'000);
  CHECK(r.captured == 200'000);
  CHECK(StateHash(*restored.value()) == StateHash(w.state));
}

TEST_CASE("a snapshot whose ledger disagrees with itself is refused") {
  TestWorld w;
  const UserId alice = w.AddUser("alice@example.com");
  const ConcertId concert = w.AddConcert(w.AddVenue(GridVenue(1, 2, 4)));
  w.Hold(alice, concert, {0}, kT);
  std::string bytes;
  EncodeState(w.state, &bytes);
  // The ledger's hour entry: hour 0, then holds = 1 and seats_held = 1 as varints. Make the
  // hour count claim two entries where there is one.
  std::string hour_entry(8, '\0');
  hour_entry += std::string("\x01\x01", 2);
  const std::size_t at = bytes.find(std::string("\x01", 1) + hour_entry);
  REQUIRE(at != std::string::npos);
  bytes[at] = '\x02';
  CHECK_FALSE(DecodeState(bytes, EngineConfig{}).ok());
}
