// 무통장입금: a BANK_TRANSFER payment holds the seats until its deposit deadline (23:59 KST the
// next day, or a window; never past sales close nor the cutoff before the show), gets a virtual
// account from the worker, and is settled by the provider's deposit notice: the amount due
// confirms, another amount is refunded with the seats released, a missed deadline releases the
// seats through the saga, and a deposit after that is refunded. Replay and a snapshot keep it.
#include <doctest/doctest.h>

#include "engine/codec/state_codec.h"
#include "engine/invariants.h"
#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

constexpr TimeMs kMinute = 60'000;

struct Fixture {
  TestWorld w;
  UserId fan = w.AddUser("fan@example.com");
  VenueId venue = w.AddVenue(GridVenue(1, 2, 8));
  ConcertId concert = AddConcert(10 * kMinute);

  ConcertId AddConcert(TimeMs window) {
    auto spec = w.ConcertSpecFor(venue);
    spec->bank_transfer = {true, 1, 540, window, 24 * 3'600'000};
    return w.AddConcertSpec(spec);
  }
  // A hold of seat `s` and its bank transfer, at `at`: the PaymentRequested.
  PaymentRequested Transfer(SeatIndex s, TimeMs at = TestWorld::kStart, ConcertId c = 0) {
    const Event held = w.Hold(fan, c ? c : concert, {s}, at);
    REQUIRE(TypeOf(held) == EventType::kHoldPlaced);
    const Event asked = w.Run(w.As(fan, at, RequestPaymentCmd{std::get<HoldPlaced>(held.body).reservation,
                                                               PaymentMethod::kBankTransfer}));
    REQUIRE(TypeOf(asked) == EventType::kPaymentRequested);
    return std::get<PaymentRequested>(asked.body);
  }
  Event Account(PaymentId p, TimeMs at = TestWorld::kStart) {
    return w.Run(w.AsAdmin(at, ReportVirtualAccountCmd{p, "신한은행", "110-12-345678-901", "콘서트"}));
  }
  // The bank's notice at `at` of a deposit it took at `made` (by default, then).
  Event Deposit(PaymentId p, int64_t amount, TimeMs at, TimeMs made = 0) {
    return w.Run(w.AsAdmin(at, ReportDepositCmd{p, amount, made ? made : at}));
  }
  // The events since index `from`, by type.
  std::vector<EventType> TypesSince(std::size_t from) {
    std::vector<EventType> out;
    for (std::size_t i = from; i < w.sink.events.size(); ++i) out.push_back(TypeOf(w.sink.events[i]));
    return out;
  }
};

}  // namespace

TEST_CASE("the deposit deadline: 23:59 KST the next day, a window, and the caps") {
  ConcertSpec spec;
  spec.starts_at = 1'800'000'000'000;  // 2027-01-15T08:00:00Z
  spec.sales_close_at = spec.starts_at;
  spec.bank_transfer = {true, 1, 540, 0, 24 * 3'600'000};
  // 2027-01-10T14:30:00Z is 23:30 KST on the 10th: due 23:59 KST on the 11th = 14:59Z on the 11th.
  const TimeMs evening = 1'799'591'400'000;
  CHECK(spec.DepositDeadline(evening) == 1'799'679'540'000);
  // 2027-01-10T15:30:00Z is already 00:30 KST on the 11th: due 23:59 KST on the 12th.
  CHECK(spec.DepositDeadline(evening + 3'600'000) == 1'799'679'540'000 + 86'400'000);
  // Never past the cutoff before the show, nor sales close.
  CHECK(spec.DepositDeadline(spec.starts_at - 30 * 3'600'000) == spec.starts_at - 24 * 3'600'000);
  spec.sales_close_at = evening + 60'000;
  CHECK(spec.DepositDeadline(evening) == evening + 60'000);
  // A window instead of the day's end.
  spec.sales_close_at = spec.starts_at;
  spec.bank_transfer.window_ms = 3'600'000;
  CHECK(spec.DepositDeadline(evening) == evening + 3'600'000);
}

TEST_CASE_FIXTURE(Fixture, "a deposit of the amount due, in time, confirms and issues tickets") {
  const PaymentRequested asked = Transfer(0);
  CHECK(asked.deposit_due == TestWorld::kStart + 10 * kMinute);
  // The hold lasts a grace past the deadline, for the bank's notice to arrive.
  CHECK(asked.hold_expires_at == asked.deposit_due + w.state.config().payment_grace_ms);
  CHECK(w.state.FindReservation(asked.reservation)->expires_at == asked.hold_expires_at);
  const Event account = Account(asked.payment);
  REQUIRE(TypeOf(account) == EventType::kVirtualAccountIssued);
  const Payment& p = *w.state.FindPayment(asked.payment);
  CHECK(p.AwaitingDeposit());
  CHECK(p.account == "110-12-345678-901");
  CHECK(p.deposit_due == asked.deposit_due);
  CHECK(CodeOf(Account(asked.payment)) == ResultCode::kPaymentNotPending);  // one account
  // The card path is not a deposit's.
  CHECK(CodeOf(w.Run(w.AsAdmin(TestWorld::kStart, ReportChargeCmd{asked.payment, 1,
                                                                  ChargeOutcome::kCaptured, ""}))) ==
        ResultCode::kInvalidArgument);
  // Only the system reports deposits (the gateway, once the provider's signature checked).
  CHECK(CodeOf(w.Run(w.As(fan, TestWorld::kStart, ReportDepositCmd{asked.payment, asked.amount}))) ==
        ResultCode::kForbidden);
  const std::size_t before = w.sink.events.size();
  Deposit(asked.payment, asked.amount, TestWorld::kStart + 5 * kMinute);
  const std::vector<EventType> types = TypesSince(before);
  REQUIRE(types.size() == 3);
  CHECK(types[0] == EventType::kPaymentSucceeded);
  CHECK(types[1] == EventType::kReservationConfirmed);
  CHECK(types[2] == EventType::kTicketIssued);
  CHECK(w.state.FindReservation(asked.reservation)->status == ReservationStatus::kConfirmed);
  CHECK(CheckInvariants(w.state).empty());
}

TEST_CASE_FIXTURE(Fixture, "a deposit made by the deadline confirms though its notice comes in the grace; one made after is refunded") {
  const PaymentRequested on_time = Transfer(6);
  Account(on_time.payment);
  Deposit(on_time.payment, on_time.amount, on_time.deposit_due + kMinute, on_time.deposit_due);
  CHECK(w.state.FindReservation(on_time.reservation)->status == ReservationStatus::kConfirmed);
  const PaymentRequested after = Transfer(7, on_time.deposit_due + kMinute);
  const std::size_t before = w.sink.events.size();
  Deposit(after.payment, after.amount, after.deposit_due + kMinute, after.deposit_due + 1);
  const std::vector<EventType> types = TypesSince(before);
  REQUIRE(types.size() == 3);
  CHECK(types[0] == EventType::kPaymentFailed);
  CHECK(types[1] == EventType::kSeatsReleased);
  REQUIRE(types[2] == EventType::kRefundIssued);
  CHECK(std::get<RefundIssued>(w.sink.events[before + 2].body).why == RefundReason::kLateDeposit);
  CHECK(CheckInvariants(w.state).empty());
}

TEST_CASE_FIXTURE(Fixture, "a missed deadline releases the seats through the saga, not a millisecond early") {
  const PaymentRequested asked = Transfer(1);
  Account(asked.payment);
  w.Tick(asked.hold_expires_at - 1);
  CHECK(w.state.FindReservation(asked.reservation)->status == ReservationStatus::kPaymentPending);
  const std::size_t before = w.sink.events.size();
  w.Tick(asked.hold_expires_at);
  const std::vector<EventType> types = TypesSince(before);
  REQUIRE(types.size() == 2);
  CHECK(types[0] == EventType::kPaymentFailed);
  CHECK(std::get<PaymentFailed>(w.sink.events[before].body).detail == "DEPOSIT_DEADLINE_PASSED");
  CHECK(std::get<PaymentFailed>(w.sink.events[before].body).final);
  CHECK(types[1] == EventType::kSeatsReleased);
  CHECK(w.state.FindConcert(concert)->seats.IsAvailable(1));
  // The money comes after all: it goes back, whole.
  const Event late = Deposit(asked.payment, asked.amount, asked.hold_expires_at + kMinute);
  REQUIRE(TypeOf(late) == EventType::kRefundIssued);
  CHECK(std::get<RefundIssued>(late.body).why == RefundReason::kLateDeposit);
  CHECK(std::get<RefundIssued>(late.body).amount == asked.amount);
  CHECK(w.state.FindPayment(asked.payment)->refund_requested);
  // A second notice of it is refused (the provider takes one deposit per account).
  CHECK(CodeOf(Deposit(asked.payment, asked.amount, asked.hold_expires_at + 2 * kMinute)) ==
        ResultCode::kPaymentNotPending);
  CHECK(CheckInvariants(w.state).empty());
}

TEST_CASE_FIXTURE(Fixture, "a deposit of another amount is refunded whole, and the seats go back") {
  const PaymentRequested asked = Transfer(2);
  Account(asked.payment);
  const std::size_t before = w.sink.events.size();
  Deposit(asked.payment, asked.amount + 50'000, TestWorld::kStart + kMinute);
  const std::vector<EventType> types = TypesSince(before);
  REQUIRE(types.size() == 3);
  CHECK(types[0] == EventType::kPaymentFailed);
  CHECK(types[1] == EventType::kSeatsReleased);
  REQUIRE(types[2] == EventType::kRefundIssued);
  const auto& refund = std::get<RefundIssued>(w.sink.events[before + 2].body);
  CHECK(refund.why == RefundReason::kWrongAmount);
  CHECK(refund.amount == asked.amount + 50'000);  // more than was due: all of it
  // The worker's settlement of it is taken (up to what went back).
  CHECK(CodeOf(w.Run(w.AsAdmin(TestWorld::kStart + kMinute,
                               ReportRefundCmd{asked.payment, asked.amount + 50'000}))) ==
        ResultCode::kOk);
  CHECK(w.state.FindPayment(asked.payment)->refund_settled);
  CHECK(CheckInvariants(w.state).empty());
}

TEST_CASE_FIXTURE(Fixture, "bank transfers only where the concert takes them, with time to pay") {
  auto plain_spec = w.ConcertSpecFor(venue);
  const ConcertId plain = w.AddConcertSpec(plain_spec);
  const Event held = w.Hold(fan, plain, {0});
  const Event refused = w.Run(w.As(fan, TestWorld::kStart, RequestPaymentCmd{
                                                               std::get<HoldPlaced>(held.body).reservation,
                                                               PaymentMethod::kBankTransfer}));
  CHECK(CodeOf(refused) == ResultCode::kUnknownPaymentMethod);
  // Sales close in a moment: no time to go to a bank.
  auto closing = w.ConcertSpecFor(venue);
  closing->sales_close_at = TestWorld::kStart + 500;
  closing->bank_transfer = {true, 1, 540, 0, 0};
  const ConcertId soon = w.AddConcertSpec(closing);
  const Event held_soon = w.Hold(fan, soon, {0});
  CHECK(CodeOf(w.Run(w.As(fan, TestWorld::kStart, RequestPaymentCmd{
                                                      std::get<HoldPlaced>(held_soon.body).reservation,
                                                      PaymentMethod::kBankTransfer}))) ==
        ResultCode::kDepositWindowClosed);
}

TEST_CASE_FIXTURE(Fixture, "replay and a snapshot keep the accounts, deadlines and refunds") {
  const PaymentRequested paid = Transfer(3);
  Account(paid.payment);
  const PaymentRequested waiting = Transfer(4);
  Account(waiting.payment);
  const PaymentRequested missed = Transfer(5);
  Deposit(paid.payment, paid.amount, TestWorld::kStart + kMinute);
  w.Tick(missed.hold_expires_at - 1);
  const auto replayed = ReplayThroughJournal(w.sink.events);
  CHECK(StateHash(*replayed) == StateHash(w.state));
  std::string bytes;
  EncodeState(w.state, &bytes);
  auto restored = DecodeState(bytes, w.state.config());
  REQUIRE(restored.ok());
  CHECK(StateHash(*restored.value()) == StateHash(w.state));
  const Payment& back = *restored.value()->FindPayment(waiting.payment);
  CHECK(back.AwaitingDeposit());
  CHECK(back.bank == "신한은행");
  CHECK(back.deposit_due == waiting.deposit_due);
  // The restored sequencer misses the deadlines at the same moment.
  Sequencer sequencer(*restored.value());
  CollectingSink sink;
  Command tick;
  tick.now = missed.hold_expires_at;
  tick.actor_role = Role::kSystem;
  tick.body = TickCmd{};
  sequencer.Execute(tick, sink);
  w.Tick(missed.hold_expires_at);
  CHECK(StateHash(*restored.value()) == StateHash(w.state));
  CHECK(restored.value()->FindPayment(missed.payment)->status == PaymentStatus::kFailed);
  CHECK(CheckInvariants(*restored.value()).empty());
}
