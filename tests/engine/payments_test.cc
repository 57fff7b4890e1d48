// The payment saga's decisions: paying for a hold, retries with backoff, compensation, late
// successes, refunds, and that every step survives the codec and a snapshot.
#include <doctest/doctest.h>

#include "engine/codec/event_codec.h"
#include "engine/invariants.h"
#include "engine/codec/state_codec.h"
#include "tests/support/old_records.h"
#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

constexpr TimeMs kT = TestWorld::kStart;

struct Fixture {
  TestWorld w;
  UserId alice = w.AddUser("alice@example.com");
  UserId bob = w.AddUser("bob@example.com");
  VenueId venue = w.AddVenue(GridVenue(1, 3, 10));
  ConcertId concert = w.AddConcert(venue);
  ReservationId held = std::get<HoldPlaced>(w.Hold(alice, concert, {0, 1}).body).reservation;
  const EngineConfig& config = w.state.config();

  Event Pay(UserId user, ReservationId r, TimeMs now = kT + 1000, const char* key = nullptr) {
    Command c = w.As(user, now, RequestPaymentCmd{r, PaymentMethod::kCard});
    if (key != nullptr) {
      c.has_idem = true;
      c.idem = IdemKeyFromString(key);
    }
    return w.Run(c);
  }
  PaymentId PayOk(TimeMs now = kT + 1000) {
    Event e = Pay(alice, held, now);
    REQUIRE(TypeOf(e) == EventType::kPaymentRequested);
    return std::get<PaymentRequested>(e.body).payment;
  }
  // Runs a worker report and returns every event it produced, in order.
  std::vector<Event> Report(PaymentId p, uint32_t attempt, ChargeOutcome outcome, TimeMs now) {
    const std::size_t before = w.sink.events.size();
    w.Run(w.AsAdmin(now, ReportChargeCmd{p, attempt, outcome, "provider says so"}));
    return {w.sink.events.begin() + static_cast<std::ptrdiff_t>(before), w.sink.events.end()};
  }
  std::vector<EventType> Types(const std::vector<Event>& events) {
    std::vector<EventType> out;
    for (const Event& e : events) out.push_back(TypeOf(e));
    return out;
  }
  const Payment& PaymentOf(PaymentId id) { return *w.state.FindPayment(id); }
  const Reservation& Res() { return *w.state.FindReservation(held); }
  // Lets the hold being paid for expire and pass its retention, as if the worker were away
  // that long; returns the time it is gone.
  TimeMs OutliveReservation() {
    const TimeMs gone = Res().expires_at + config.ended_retention_ms + 1;
    w.Tick(gone - config.ended_retention_ms);
    w.Run(w.As(bob, gone, ReleaseHoldCmd{999'999}));  // any event moves the engine's clock
    REQUIRE(w.state.FindReservation(held) == nullptr);
    return gone;
  }
  void CheckClean() { CHECK(CheckInvariants(w.state).empty()); }
};

}  // namespace

TEST_CASE_FIXTURE(Fixture, "paying for a hold makes it PAYMENT_PENDING with a bounded grace") {
  const TimeMs expiry = Res().expires_at;
  const PaymentId p = PayOk();
  CHECK(p == w.state.last_seq());
  CHECK(Res().status == ReservationStatus::kPaymentPending);
  CHECK(Res().payment == p);
  CHECK(Res().expires_at == expiry + config.payment_grace_ms);
  const Payment& pay = PaymentOf(p);
  CHECK(pay.status == PaymentStatus::kPending);
  CHECK(pay.amount == Res().amount);
  CHECK(pay.current_attempt() == 1);
  CHECK(pay.NeedsWorker());
  CheckClean();
}

TEST_CASE_FIXTURE(Fixture, "a payment is refused for someone else's, unknown, expired or paid holds") {
  CHECK(CodeOf(Pay(bob, held)) == ResultCode::kNotReservationOwner);
  CHECK(CodeOf(Pay(alice, 999)) == ResultCode::kUnknownReservation);
  PayOk();
  CHECK(CodeOf(Pay(alice, held)) == ResultCode::kReservationNotHeld);  // already being paid
  const ReservationId other =
      std::get<HoldPlaced>(w.Hold(alice, concert, {5}, kT + 2000).body).reservation;
  CHECK(CodeOf(Pay(alice, other, kT + 2000 + kDefaultHoldTtlMs)) == ResultCode::kHoldExpired);
}

TEST_CASE_FIXTURE(Fixture, "the same Idempotency-Key pays once and answers with the same payment") {
  Event first = Pay(alice, held, kT + 1000, "click-1");
  REQUIRE(TypeOf(first) == EventType::kPaymentRequested);
  Event again = Pay(alice, held, kT + 1500, "click-1");
  REQUIRE(TypeOf(again) == EventType::kDuplicateCommand);
  CHECK(std::get<DuplicateCommand>(again.body).ref == std::get<PaymentRequested>(first.body).payment);
  CHECK(w.state.payments().size() == 1);
}

TEST_CASE_FIXTURE(Fixture, "a captured charge confirms the reservation and sells the seats") {
  const PaymentId p = PayOk();
  auto events = Report(p, 1, ChargeOutcome::kCaptured, kT + 2000);
  // Then a ticket per seat (tickets_test.cc).
  CHECK(Types(events) == std::vector{EventType::kPaymentSucceeded, EventType::kReservationConfirmed,
                                     EventType::kTicketIssued, EventType::kTicketIssued});
  CHECK(PaymentOf(p).status == PaymentStatus::kSucceeded);
  CHECK(Res().status == ReservationStatus::kConfirmed);
  CHECK(w.state.FindConcert(concert)->seats.status(0) == SeatStatus::kSold);
  CHECK_FALSE(PaymentOf(p).NeedsWorker());
  CheckClean();
}

TEST_CASE_FIXTURE(Fixture, "a decline is retried with doubling backoff, then succeeds") {
  const PaymentId p = PayOk();
  auto first = Report(p, 1, ChargeOutcome::kDeclined, kT + 2000);
  REQUIRE(Types(first) == std::vector{EventType::kPaymentFailed});
  const auto& f1 = std::get<PaymentFailed>(first[0].body);
  CHECK_FALSE(f1.final);
  CHECK(f1.retry_at == kT + 2000 + config.payment_retry_base_ms);
  CHECK(PaymentOf(p).current_attempt() == 2);
  CHECK(PaymentOf(p).next_attempt_at == f1.retry_at);
  auto second = Report(p, 2, ChargeOutcome::kDeclined, kT + 4000);
  CHECK(std::get<PaymentFailed>(second[0].body).retry_at == kT + 4000 + 2 * config.payment_retry_base_ms);
  // A stale report of attempt 1 changes nothing.
  CHECK(CodeOf(w.Run(w.AsAdmin(kT + 4100, ReportChargeCmd{p, 1, ChargeOutcome::kCaptured, ""}))) ==
        ResultCode::kStalePaymentAttempt);
  auto third = Report(p, 3, ChargeOutcome::kCaptured, kT + 7000);
  CHECK(Types(third) == std::vector{EventType::kPaymentSucceeded, EventType::kReservationConfirmed,
                                    EventType::kTicketIssued, EventType::kTicketIssued});
  CHECK(PaymentOf(p).history.size() == 4);  // requested, two failed attempts, succeeded
  CheckClean();
}

TEST_CASE_FIXTURE(Fixture, "declines until the attempts run out release the seats, with no refund") {
  const PaymentId p = PayOk();
  Report(p, 1, ChargeOutcome::kDeclined, kT + 2000);
  Report(p, 2, ChargeOutcome::kDeclined, kT + 4000);
  auto last = Report(p, 3, ChargeOutcome::kDeclined, kT + 9000);
  CHECK(Types(last) == std::vector{EventType::kPaymentFailed, EventType::kSeatsReleased});
  CHECK(std::get<PaymentFailed>(last[0].body).final);
  CHECK(PaymentOf(p).status == PaymentStatus::kFailed);
  CHECK(Res().status == ReservationStatus::kCancelled);
  CHECK(w.state.FindConcert(concert)->seats.IsAvailable(0));
  CHECK_FALSE(PaymentOf(p).NeedsWorker());
  CHECK(CodeOf(Report(p, 4, ChargeOutcome::kCaptured, kT + 9500).back()) ==
        ResultCode::kPaymentNotPending);
  CheckClean();
}

TEST_CASE_FIXTURE(Fixture, "giving up after unanswered calls refunds by key, and the refund settles") {
  const PaymentId p = PayOk();
  Report(p, 1, ChargeOutcome::kError, kT + 2000);
  Report(p, 2, ChargeOutcome::kDeclined, kT + 4000);
  auto last = Report(p, 3, ChargeOutcome::kDeclined, kT + 9000);
  CHECK(Types(last) == std::vector{EventType::kPaymentFailed, EventType::kSeatsReleased,
                                   EventType::kRefundIssued});
  CHECK(std::get<RefundIssued>(last[2].body).why == RefundReason::kUnknownOutcome);
  CHECK(PaymentOf(p).NeedsWorker());
  CHECK(CodeOf(w.Run(w.AsAdmin(kT + 9100, ReportRefundCmd{p, Res().amount + 1}))) ==
        ResultCode::kInvalidArgument);
  CHECK(TypeOf(w.Run(w.AsAdmin(kT + 9100, ReportRefundCmd{p, 0}))) == EventType::kRefundSettled);
  CHECK_FALSE(PaymentOf(p).NeedsWorker());
  CHECK(CodeOf(w.Run(w.AsAdmin(kT + 9200, ReportRefundCmd{p, 0}))) == ResultCode::kNoRefundPending);
  CheckClean();
}

TEST_CASE_FIXTURE(Fixture, "a retry that would fall after the hold's deadline is not made") {
  const TimeMs deadline = Res().expires_at + config.payment_grace_ms;
  const PaymentId p = PayOk();
  auto events = Report(p, 1, ChargeOutcome::kDeclined, deadline - 10);
  CHECK(std::get<PaymentFailed>(events[0].body).final);
  CHECK(Res().status == ReservationStatus::kCancelled);
}

TEST_CASE_FIXTURE(Fixture, "a success after the hold expired is refunded and leaves the seats alone") {
  const PaymentId p = PayOk();
  const TimeMs deadline = Res().expires_at;
  // The hold expires at its grace deadline even though the payment is in flight ...
  w.Tick(deadline);
  CHECK(Res().status == ReservationStatus::kExpired);
  CHECK(PaymentOf(p).status == PaymentStatus::kPending);
  // ... someone else takes a seat ...
  REQUIRE(CodeOf(w.Hold(bob, concert, {0}, deadline + 1)) == ResultCode::kOk);
  // ... and the late money goes back.
  auto events = Report(p, 1, ChargeOutcome::kCaptured, deadline + 2);
  CHECK(Types(events) == std::vector{EventType::kPaymentSucceeded, EventType::kRefundIssued});
  CHECK(std::get<RefundIssued>(events[1].body).why == RefundReason::kLateSuccess);
  CHECK(PaymentOf(p).status == PaymentStatus::kRefunded);
  CHECK(w.state.FindConcert(concert)->seats.status(0) == SeatStatus::kHeld);
  CHECK(w.state.FindConcert(concert)->seats.owner(0) != held);
  CheckClean();
}

TEST_CASE_FIXTURE(Fixture, "a hold being paid cannot be cancelled or confirmed by hand") {
  PayOk();
  CHECK(CodeOf(w.Run(w.As(alice, kT + 1100, ReleaseHoldCmd{held}))) ==
        ResultCode::kReservationNotHeld);
  CHECK(CodeOf(w.Run(w.AsAdmin(kT + 1100, ConfirmReservationCmd{held}))) ==
        ResultCode::kReservationNotHeld);
}

TEST_CASE_FIXTURE(Fixture, "refunding a paid reservation sends the money back through the worker") {
  const PaymentId p = PayOk();
  Report(p, 1, ChargeOutcome::kCaptured, kT + 2000);
  const std::size_t before = w.sink.events.size();
  w.Run(w.AsAdmin(kT + 3000, RefundReservationCmd{held}));
  REQUIRE(w.sink.events.size() == before + 2);
  CHECK(TypeOf(w.sink.events[before]) == EventType::kReservationRefunded);
  CHECK(std::get<RefundIssued>(w.sink.events[before + 1].body).why ==
        RefundReason::kReservationRefunded);
  CHECK(PaymentOf(p).status == PaymentStatus::kRefunded);
  CHECK(w.state.FindConcert(concert)->seats.IsAvailable(0));
  CheckClean();
}

TEST_CASE_FIXTURE(Fixture, "only the worker reports charges and refunds") {
  const PaymentId p = PayOk();
  CHECK(CodeOf(w.Run(w.As(alice, kT + 1100, ReportChargeCmd{p, 1, ChargeOutcome::kCaptured, ""}))) ==
        ResultCode::kForbidden);
  CHECK(CodeOf(w.Run(w.As(alice, kT + 1100, ReportRefundCmd{p, 0}))) == ResultCode::kForbidden);
  CHECK(CodeOf(w.Run(w.AsAdmin(kT + 1100, ReportChargeCmd{777, 1, ChargeOutcome::kCaptured, ""}))) ==
        ResultCode::kUnknownPayment);
}

TEST_CASE_FIXTURE(Fixture, "every payment event survives the codec, and a snapshot keeps the sagas") {
  const PaymentId p = PayOk();
  Report(p, 1, ChargeOutcome::kError, kT + 2000);
  const ReservationId second =
      std::get<HoldPlaced>(w.Hold(alice, concert, {7}, kT + 2100).body).reservation;
  const PaymentId q = std::get<PaymentRequested>(Pay(alice, second, kT + 2200).body).payment;
  Report(q, 1, ChargeOutcome::kCaptured, kT + 2300);
  w.Run(w.AsAdmin(kT + 2400, RefundReservationCmd{second}));
  w.Run(w.AsAdmin(kT + 2500, ReportRefundCmd{q, 90'000}));
  Report(p, 2, ChargeOutcome::kError, kT + 4000);
  Report(p, 3, ChargeOutcome::kDeclined, kT + 9000);

  TestWorld replayed;
  std::string bytes;
  for (const Event& e : w.sink.events) EncodeEvent(e, &bytes);
  std::string_view in = bytes;
  while (!in.empty()) {
    Event e;
    REQUIRE(DecodeEvent(&in, &e).ok());
    REQUIRE(replayed.state.Apply(e).ok());
  }
  CHECK(StateHash(replayed.state) == StateHash(w.state));

  std::string snapshot;
  EncodeState(w.state, &snapshot);
  auto restored = DecodeState(snapshot, w.state.config());
  REQUIRE(restored.ok());
  CHECK(StateHash(*restored.value()) == StateHash(w.state));
  const Payment* back = restored.value()->FindPayment(p);
  REQUIRE(back != nullptr);
  CHECK(back->history == PaymentOf(p).history);
  CHECK(back->refund_requested);
  CHECK(back->outcome_unknown);
  CHECK(CheckInvariants(*restored.value()).empty());
}

TEST_CASE_FIXTURE(Fixture, "a journal whose payment events contradict the state is corrupt") {
  Event e;
  e.seq = w.state.last_seq() + 1;
  e.ts = kT + 5000;
  e.body = PaymentSucceeded{12345, held, concert, alice, 1, 1000};
  CHECK(w.state.Apply(e).IsCorruption());
  e.body = SeatsReleased{held, concert, alice, 12345};
  CHECK(w.state.Apply(e).IsCorruption());
}

TEST_CASE_FIXTURE(Fixture, "a saga that outlives its reservation is dropped when it ends") {
  // The payment alone remains, for the worker.
  const PaymentId p = PayOk();
  const TimeMs gone = OutliveReservation();
  REQUIRE(w.state.FindPayment(p) != nullptr);
  // A decline ends it with nothing taken: nothing refers to it any more.
  Report(p, 1, ChargeOutcome::kDeclined, gone + 1);
  CHECK(w.state.FindPayment(p) == nullptr);
  CHECK(w.state.payments().empty());
  CheckClean();
}

TEST_CASE_FIXTURE(Fixture, "a late success with no reservation left keeps its payment until the refund settles") {
  const PaymentId p = PayOk();
  const TimeMs gone = OutliveReservation();
  const auto events = Report(p, 1, ChargeOutcome::kCaptured, gone + 1);
  CHECK(Types(events) == std::vector{EventType::kPaymentSucceeded, EventType::kRefundIssued});
  REQUIRE(w.state.FindPayment(p) != nullptr);
  w.Run(w.AsAdmin(gone + 2, ReportRefundCmd{p, PaymentOf(p).amount}));
  CHECK(w.state.FindPayment(p) == nullptr);
  CheckClean();
}

TEST_CASE_FIXTURE(Fixture, "간편결제 names its wallet; no other method does; the wallet is kept") {
  auto pay = [&](PaymentMethod m, EasyPayProvider wallet) {
    return w.Run(w.As(alice, kT + 1000, RequestPaymentCmd{held, m, wallet}));
  };
  CHECK(CodeOf(pay(PaymentMethod::kEasyPay, EasyPayProvider::kNone)) ==
        ResultCode::kUnknownPaymentMethod);
  CHECK(CodeOf(pay(PaymentMethod::kCard, EasyPayProvider::kKakaoPay)) ==
        ResultCode::kUnknownPaymentMethod);
  CHECK(CodeOf(pay(PaymentMethod::kEasyPay, static_cast<EasyPayProvider>(4))) ==
        ResultCode::kUnknownPaymentMethod);
  CHECK(Res().status == ReservationStatus::kHeld);
  const Event e = pay(PaymentMethod::kEasyPay, EasyPayProvider::kNaverPay);
  REQUIRE(TypeOf(e) == EventType::kPaymentRequested);
  const PaymentId id = std::get<PaymentRequested>(e.body).payment;
  CHECK(PaymentOf(id).wallet == EasyPayProvider::kNaverPay);
  // Journaled and snapshotted with it.
  std::string rec;
  EncodeEvent(e, &rec);
  std::string_view in = rec;
  Event back;
  REQUIRE(DecodeEvent(&in, &back).ok());
  CHECK(std::get<PaymentRequested>(back.body).wallet == EasyPayProvider::kNaverPay);
  std::string snap;
  EncodeState(w.state, &snap);
  auto restored = DecodeState(snap, config);
  REQUIRE(restored.ok());
  CHECK(restored.value()->FindPayment(id)->wallet == EasyPayProvider::kNaverPay);
  // A version 11 writer had no wallet byte: its record reads as no wallet.
  Event old = e;
  std::get<PaymentRequested>(old.body).wallet = EasyPayProvider::kNone;
  const std::string v11 = AsVersion(old, 11, 1 + 8);  // no wallet, no deposit_due (17)
  std::string_view v11_in = v11;
  REQUIRE(DecodeEvent(&v11_in, &back).ok());
  CHECK(std::get<PaymentRequested>(back.body).wallet == EasyPayProvider::kNone);
  CHECK(std::get<PaymentRequested>(back.body).method == PaymentMethod::kEasyPay);
  CHECK(std::get<PaymentRequested>(back.body).hold_expires_at ==
        std::get<PaymentRequested>(e.body).hold_expires_at);
  // The same Idempotency-Key through another wallet is another request, not a replay.
  Command same_key = w.As(alice, kT + 2000, RequestPaymentCmd{held, PaymentMethod::kEasyPay,
                                                               EasyPayProvider::kNaverPay});
  same_key.has_idem = true;
  same_key.idem = IdemKeyFromString("pay-1");
  Command other_wallet = same_key;
  std::get<RequestPaymentCmd>(other_wallet.body).wallet = EasyPayProvider::kTossPay;
  w.Run(same_key);
  CHECK(CodeOf(w.Run(other_wallet)) == ResultCode::kIdempotencyKeyReused);
  // A wallet the format does not know is corrupt, not guessed.
  std::string bad;
  Event unknown = e;
  std::get<PaymentRequested>(unknown.body).wallet = static_cast<EasyPayProvider>(9);
  EncodeEvent(unknown, &bad);
  std::string_view bad_in = bad;
  CHECK(DecodeEvent(&bad_in, &back).IsCorruption());
  CheckClean();
}
