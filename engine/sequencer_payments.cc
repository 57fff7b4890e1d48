// The sequencer's decisions for the payment saga (DESIGN.md, "The payment saga"):
//
//   RequestPayment -> PaymentRequested (reservation PAYMENT_PENDING, hold waits a bounded grace)
//   ReportCharge captured  -> PaymentSucceeded + ReservationConfirmed + TicketIssued per seat
//                             PaymentSucceeded + RefundIssued    when the hold already ended
//   ReportCharge failed    -> PaymentFailed (retry_at)           while attempts and the hold last
//                             PaymentFailed (final) + SeatsReleased [+ RefundIssued]
//   ReportRefund           -> RefundSettled
//
// The worker that calls the provider reports each attempt by number; a report for any other
// attempt, or for a payment that already ended, is refused, so duplicates after a restart are
// harmless.
#include <algorithm>

#include "engine/reject.h"
#include "engine/sequencer.h"

namespace cm::engine {
namespace {

constexpr int64_t kMaxOrphanAmount = 1'000'000'000'000;  // KRW; far above any real capture

}  // namespace
namespace {

constexpr std::size_t kMaxDetail = 200;  // provider reasons are for people; keep them short

}  // namespace

EventBody Sequencer::DecideRequestPayment(const Command& cmd, const RequestPaymentCmd& c) {
  const Reservation* r = state_.FindReservation(c.reservation);
  if (r == nullptr) return Reject(cmd, ResultCode::kUnknownReservation, c.reservation);
  if (r->user != cmd.actor) return Reject(cmd, ResultCode::kNotReservationOwner, c.reservation);
  if (r->status == ReservationStatus::kExpired)
    return Reject(cmd, ResultCode::kHoldExpired, c.reservation);
  if (r->status != ReservationStatus::kHeld)
    return Reject(cmd, ResultCode::kReservationNotHeld, static_cast<uint64_t>(r->status),
                  "the reservation is " + std::string(ToString(r->status)) + ", not HELD");
  if (static_cast<uint8_t>(c.method) > static_cast<uint8_t>(PaymentMethod::kEasyPay))
    return Reject(cmd, ResultCode::kUnknownPaymentMethod);
  // An easy payment goes through one wallet, chosen by the fan; the other methods through none.
  if ((c.method == PaymentMethod::kEasyPay) != (c.wallet != EasyPayProvider::kNone) ||
      static_cast<uint8_t>(c.wallet) > kLastEasyPayProvider)
    return Reject(cmd, ResultCode::kUnknownPaymentMethod, static_cast<uint64_t>(c.wallet),
                  c.method == PaymentMethod::kEasyPay
                      ? "EASY_PAY needs a wallet: KAKAOPAY, NAVERPAY or TOSSPAY"
                      : "only EASY_PAY names a wallet");
  TimeMs hold_until = r->expires_at + state_.config().payment_grace_ms;
  TimeMs deposit_due = 0;
  if (c.method == PaymentMethod::kBankTransfer) {
    // 무통장입금: the seats stay held until the deposit is due (the concert's deadline), and a
    // grace past it for the bank's notice of a deposit made in time to arrive.
    const Concert* concert = state_.FindConcert(r->concert);
    if (concert == nullptr || !concert->spec->bank_transfer.enabled)
      return Reject(cmd, ResultCode::kUnknownPaymentMethod, 0,
                    "this concert takes no bank transfers");
    const BankTransferRules& rules = concert->spec->bank_transfer;
    deposit_due = concert->spec->DepositDeadline(now_);
    // Time to get to a bank: 10 minutes, or the whole window when the concert sets less.
    const TimeMs needed =
        rules.window_ms > 0 ? std::min(rules.window_ms, kMinDepositWindowMs) : kMinDepositWindowMs;
    if (deposit_due < now_ + needed)
      return Reject(cmd, ResultCode::kDepositWindowClosed, static_cast<uint64_t>(deposit_due));
    hold_until = deposit_due + state_.config().payment_grace_ms;
  }
  return PaymentRequested{state_.IdOf(state_.last_seq() + 1),
                          r->id,
                          r->concert,
                          r->user,
                          r->amount,
                          c.method,
                          cmd.idem,
                          hold_until,
                          c.wallet,
                          deposit_due};
}

EventBody Sequencer::DecideReportCharge(const Command& cmd, const ReportChargeCmd& c) {
  if (cmd.actor_role != Role::kSystem)
    return Reject(cmd, ResultCode::kForbidden, 0, "only the payment worker reports charges");
  const Payment* p = state_.FindPayment(c.payment);
  if (p == nullptr) return Reject(cmd, ResultCode::kUnknownPayment, c.payment);
  if (p->status != PaymentStatus::kPending)
    return Reject(cmd, ResultCode::kPaymentNotPending, static_cast<uint64_t>(p->status));
  if (p->IsDeposit())  // paid by a deposit, never charged
    return Reject(cmd, ResultCode::kInvalidArgument, c.payment, "a bank transfer is deposited");
  if (c.attempt != p->current_attempt())
    return Reject(cmd, ResultCode::kStalePaymentAttempt, p->current_attempt());

  const Reservation* r = state_.FindReservation(p->reservation);
  const bool hold_live = r != nullptr && r->status == ReservationStatus::kPaymentPending &&
                         r->payment == p->id;
  if (c.outcome == ChargeOutcome::kCaptured) {
    if (hold_live) {
      follow_ups_.push_back(ReservationConfirmed{r->id, r->concert, r->user, 0});
      IssueTickets(*r);
    } else {
      // The money came after the hold ended (expired past its grace): the seats may already
      // be someone else's, so the money goes back and the seats stay as they are.
      follow_ups_.push_back(RefundIssued{p->id, p->reservation, p->concert, p->user, p->amount,
                                         RefundReason::kLateSuccess});
    }
    return PaymentSucceeded{p->id, p->reservation, p->concert, p->user, c.attempt, p->amount};
  }

  PaymentFailed failed{p->id, p->reservation, p->concert, p->user, c.attempt, c.outcome,
                       false, 0, c.detail.substr(0, kMaxDetail)};
  const uint32_t max_attempts = std::max<uint32_t>(1, state_.config().payment_max_attempts);
  const TimeMs backoff = state_.config().payment_retry_base_ms
                         << std::min<uint32_t>(c.attempt - 1, 16);
  const TimeMs retry_at = now_ + backoff;
  if (c.attempt < max_attempts && hold_live && retry_at < r->expires_at) {
    failed.retry_at = retry_at;
    return failed;
  }
  // No more tries: compensate. The seats go back on sale; if any call ended without an
  // answer the provider may hold money under this payment's key, so a refund by key follows
  // (it returns nothing when nothing was taken).
  failed.final = true;
  if (hold_live) follow_ups_.push_back(SeatsReleased{r->id, r->concert, r->user, p->id});
  if (p->outcome_unknown || c.outcome == ChargeOutcome::kError)
    follow_ups_.push_back(RefundIssued{p->id, p->reservation, p->concert, p->user, p->amount,
                                       RefundReason::kUnknownOutcome});
  return failed;
}

EventBody Sequencer::DecideReportRefund(const Command& cmd, const ReportRefundCmd& c) {
  if (cmd.actor_role != Role::kSystem)
    return Reject(cmd, ResultCode::kForbidden, 0, "only the payment worker reports refunds");
  const Payment* p = state_.FindPayment(c.payment);
  if (p == nullptr) return Reject(cmd, ResultCode::kUnknownPayment, c.payment);
  if (!p->refund_requested || p->refund_settled)
    return Reject(cmd, ResultCode::kNoRefundPending, c.payment);
  // The provider returns at most what was asked (RefundIssued's amount).
  if (c.refunded < 0 || c.refunded > p->refund_amount)
    return Reject(cmd, ResultCode::kInvalidArgument, static_cast<uint64_t>(c.refunded),
                  "a refund is between 0 and the payment's amount");
  return RefundSettled{p->id, p->reservation, p->concert, p->user, c.refunded};
}

EventBody Sequencer::DecideAdoptOrphan(const Command& cmd, const AdoptOrphanChargeCmd& c) {
  if (cmd.actor_role != Role::kAdmin && cmd.actor_role != Role::kSystem)
    return Reject(cmd, ResultCode::kForbidden, 0, "only an admin refunds orphaned charges");
  if (state_.FindPayment(c.payment) != nullptr)
    return Reject(cmd, ResultCode::kInvalidArgument, c.payment,
                  "a payment with that id is on record (this timeline's own, or adopted "
                  "already)");
  // Only an id a restore left behind: any other could still be issued, or was never ours.
  if (!state_.IsLostId(c.payment))
    return Reject(cmd, ResultCode::kUnknownPayment, c.payment,
                  "not a payment id of a lost timeline");
  if (c.amount <= 0 || c.amount > kMaxOrphanAmount)
    return Reject(cmd, ResultCode::kInvalidArgument, static_cast<uint64_t>(c.amount),
                  "the amount is the provider's capture, 1 to 10^12");
  return RefundIssued{c.payment, 0, 0, 0, c.amount, RefundReason::kOrphanCharge};
}

}  // namespace cm::engine
