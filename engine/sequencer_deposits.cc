// 무통장입금: a BANK_TRANSFER payment is paid by a deposit into a virtual account.
//
//   RequestPayment BANK_TRANSFER -> PaymentRequested (the hold lasts until the deposit deadline)
//   ReportVirtualAccount         -> VirtualAccountIssued (AWAITING_DEPOSIT)
//   ReportDeposit, the amount due, made by the deadline, hold live
//                                 -> PaymentSucceeded + ReservationConfirmed + tickets
//   ReportDeposit, another amount, or after the deadline (or with the hold gone)
//                                 -> PaymentFailed (final) [+ SeatsReleased]
//                                    + RefundIssued (WRONG_AMOUNT or LATE_DEPOSIT, the deposit)
//   ReportDeposit after the payment ended -> RefundIssued (LATE_DEPOSIT, the deposit)
//   (time) the deadline and its grace, no deposit -> PaymentFailed (final) + SeatsReleased
// The provider takes one deposit per account and closes it at the deadline, so each payment
// sees at most one; a notice delivered twice is one command (its deposit id is the key).
#include <algorithm>

#include "engine/reject.h"
#include "engine/sequencer.h"

namespace cm::engine {
namespace {

constexpr std::size_t kMaxAccountText = 64;
constexpr int64_t kMaxDeposit = 1'000'000'000'000;  // KRW; far above any real ticket order

}  // namespace

void Sequencer::MissDepositDeadline(const Reservation& r, const Payment& p, EventSink& sink) {
  // Copies: applying the first event may move what the references point into.
  const ReservationId id = r.id;
  const ConcertId concert = r.concert;
  const UserId user = r.user;
  const PaymentId payment = p.id;
  Emit(PaymentFailed{payment, id, concert, user, p.current_attempt(), ChargeOutcome::kDeclined,
                     true, 0, std::string(kDepositDeadlinePassed)},
       nullptr, nullptr, false, sink);
  Emit(SeatsReleased{id, concert, user, payment}, nullptr, nullptr, false, sink);
}

EventBody Sequencer::DecideVirtualAccount(const Command& cmd, const ReportVirtualAccountCmd& c) {
  if (cmd.actor_role != Role::kSystem)
    return Reject(cmd, ResultCode::kForbidden, 0, "only the payment worker reports accounts");
  const Payment* p = state_.FindPayment(c.payment);
  if (p == nullptr) return Reject(cmd, ResultCode::kUnknownPayment, c.payment);
  if (!p->IsDeposit())
    return Reject(cmd, ResultCode::kInvalidArgument, c.payment, "not paid by a deposit");
  if (p->status != PaymentStatus::kPending || !p->account.empty())
    return Reject(cmd, ResultCode::kPaymentNotPending, static_cast<uint64_t>(p->status));
  if (c.bank.empty() || c.account.empty() || c.bank.size() > kMaxAccountText ||
      c.account.size() > kMaxAccountText || c.holder.size() > kMaxAccountText)
    return Reject(cmd, ResultCode::kInvalidArgument, 0, "a bank and an account of 1 to 64 bytes");
  return VirtualAccountIssued{p->id, p->reservation, p->concert, p->user, c.bank, c.account,
                              c.holder};
}

EventBody Sequencer::DecideDeposit(const Command& cmd, const ReportDepositCmd& c) {
  if (cmd.actor_role != Role::kSystem)
    return Reject(cmd, ResultCode::kForbidden, 0, "deposits are the provider's to report");
  const Payment* p = state_.FindPayment(c.payment);
  if (p == nullptr) return Reject(cmd, ResultCode::kUnknownPayment, c.payment);
  if (!p->IsDeposit())
    return Reject(cmd, ResultCode::kInvalidArgument, c.payment, "not paid by a deposit");
  if (c.amount <= 0 || c.amount > kMaxDeposit)
    return Reject(cmd, ResultCode::kInvalidArgument, static_cast<uint64_t>(c.amount),
                  "a deposit is 1 to 10^12 KRW");
  const Reservation* r = state_.FindReservation(p->reservation);
  // An ended reservation is dropped once its retention is over, with a payment the worker no
  // longer needs, when the next event's time passes that moment: this deposit's event would be
  // the one. The payment is as good as gone.
  if (!p->NeedsWorker() && r != nullptr && !IsLive(r->status) &&
      r->ended_at + state_.config().ended_retention_ms <= now_)
    return Reject(cmd, ResultCode::kUnknownPayment, c.payment);
  const bool hold_live = r != nullptr && r->status == ReservationStatus::kPaymentPending &&
                         r->payment == p->id;
  // In time by the bank's clock, as the provider signed it: the hold's grace past the deadline
  // lets a notice that comes a little late still confirm.
  const bool in_time = c.deposited_at > 0 && c.deposited_at <= p->deposit_due;
  if (p->status == PaymentStatus::kPending) {
    if (hold_live && in_time && c.amount == p->amount) {
      follow_ups_.push_back(ReservationConfirmed{r->id, r->concert, r->user, 0});
      IssueTickets(*r);
      return PaymentSucceeded{p->id, p->reservation, p->concert, p->user, p->current_attempt(),
                              p->amount};
    }
    // Another amount, or too late: the deposit goes back whole and the payment ends; the seats
    // go back on sale (the account took its one deposit; the fan starts again). The failure
    // says money was taken (kError), so the payment stays on record until its refund settles.
    const bool wrong = in_time && c.amount != p->amount;
    if (hold_live) follow_ups_.push_back(SeatsReleased{r->id, r->concert, r->user, p->id});
    follow_ups_.push_back(RefundIssued{p->id, p->reservation, p->concert, p->user, c.amount,
                                       wrong ? RefundReason::kWrongAmount
                                             : RefundReason::kLateDeposit});
    return PaymentFailed{p->id, p->reservation, p->concert, p->user, p->current_attempt(),
                         ChargeOutcome::kError, true, 0,
                         wrong ? std::string(kDepositWrongAmount) + ": deposited " +
                                     std::to_string(c.amount) + ", due " +
                                     std::to_string(p->amount)
                               : std::string(kDepositDeadlinePassed)};
  }
  // The payment ended before the money came (the deadline passed): it goes back.
  if (p->status == PaymentStatus::kFailed && !p->refund_requested)
    return RefundIssued{p->id, p->reservation, p->concert, p->user, c.amount,
                        RefundReason::kLateDeposit};
  return Reject(cmd, ResultCode::kPaymentNotPending, static_cast<uint64_t>(p->status),
                "the payment is " + std::string(ToString(p->status)) + "; the deposit needs an "
                "operator");
}

}  // namespace cm::engine
