// EngineState: the payment saga's events (see payment.h). Each checks that it follows from the
// state, so a journal that contradicts itself is reported as corrupt rather than applied.
#include <algorithm>
#include <string>

#include "engine/engine_state.h"

namespace cm::engine {
namespace {

Status Contradiction(const Event& e, const std::string& what) {
  return Status::Corruption("event seq " + std::to_string(e.seq) + ": " +
                            std::string(ToString(TypeOf(e))) + " " + what);
}

void Record(Payment& p, const Event& e, PaymentStep step, uint32_t attempt = 0,
            ChargeOutcome outcome = ChargeOutcome::kCaptured, std::string detail = {}) {
  p.history.push_back(PaymentHistoryEntry{e.ts, step, attempt, outcome, std::move(detail)});
}

}  // namespace

Status EngineState::ApplyPayment(const Event& e) {
  Status s = ApplyPaymentStep(e);
  if (!s.ok()) return s;
  // A payment outlives its reservation only while its saga runs (see Payment::SagaEnded).
  const PaymentId id = std::visit(
      [](const auto& b) -> PaymentId {
        if constexpr (requires { b.payment; }) return b.payment;
        return 0;  // not a payment event: ApplyPaymentStep refused it above
      },
      e.body);
  // An adopted orphan (no reservation) is kept for good: its record is what refuses adopting
  // the same charge again once its refund is settled.
  if (const Payment* p = payments_.Find(id); p != nullptr && p->SagaEnded() &&
                                             p->reservation != 0 &&
                                             !reservations_.contains(p->reservation))
    payments_.Erase(id);
  return s;
}

Status EngineState::ApplyPaymentStep(const Event& e) {
  if (const auto* b = std::get_if<PaymentRequested>(&e.body)) {
    Reservation* held = reservations_.Find(b->reservation);
    // A bank transfer's hold lasts until its deposit deadline, which may come sooner.
    const bool deposit = b->deposit_due != 0;
    if (held == nullptr || held->status != ReservationStatus::kHeld ||
        payments_.contains(b->payment) ||
        (deposit ? b->method != PaymentMethod::kBankTransfer || b->deposit_due <= e.ts ||
                       b->hold_expires_at < b->deposit_due
                 : b->hold_expires_at < held->expires_at))
      return Contradiction(e, "for a reservation that is not HELD");
    Reservation& r = *held;
    r.status = ReservationStatus::kPaymentPending;
    r.payment = b->payment;
    if (r.timer_slot != Reservation::kNoTimer) timers_.Remove(&r);
    r.expires_at = b->hold_expires_at;
    if (!config_.reads_only) timers_.Push(&r);
    Payment& p = *payments_.Emplace(b->payment).first;
    p.id = b->payment;
    p.reservation = b->reservation;
    p.user = b->user;
    p.concert = b->concert;
    p.amount = b->amount;
    p.method = b->method;
    p.wallet = b->wallet;
    p.client_key = b->client_key;
    p.deposit_due = b->deposit_due;
    p.created_at = e.ts;
    p.next_attempt_at = e.ts;
    // Room for a whole saga (requested, failed attempts, the end, a refund decided and
    // settled); a slot reused from an earlier payment keeps its buffer, so this rarely allocates.
    p.history.reserve(8);
    Record(p, e, PaymentStep::kRequested, 1);
    return Status::OK();
  }

  auto payment_of = [&](PaymentId id) -> Payment* { return payments_.Find(id); };

  if (const auto* b = std::get_if<VirtualAccountIssued>(&e.body)) {
    Payment* p = payment_of(b->payment);
    if (p == nullptr || p->status != PaymentStatus::kPending || !p->IsDeposit() ||
        !p->account.empty() || b->account.empty())
      return Contradiction(e, "for a payment that awaits no account");
    p->bank = b->bank;
    p->account = b->account;
    p->holder = b->holder;
    Record(*p, e, PaymentStep::kAccountIssued, 0, ChargeOutcome::kCaptured, b->bank);
    return Status::OK();
  }
  if (const auto* b = std::get_if<PaymentSucceeded>(&e.body)) {
    Payment* p = payment_of(b->payment);
    if (p == nullptr || p->status != PaymentStatus::kPending || b->attempt != p->current_attempt())
      return Contradiction(e, "for a payment that is not pending at that attempt");
    p->status = PaymentStatus::kSucceeded;
    Record(*p, e, PaymentStep::kSucceeded, b->attempt);
    return Status::OK();
  }
  if (const auto* b = std::get_if<PaymentFailed>(&e.body)) {
    Payment* p = payment_of(b->payment);
    if (p == nullptr || p->status != PaymentStatus::kPending || b->attempt != p->current_attempt())
      return Contradiction(e, "for a payment that is not pending at that attempt");
    p->failed_attempts = b->attempt;
    if (b->outcome == ChargeOutcome::kError) p->outcome_unknown = true;
    if (b->final) {
      p->status = PaymentStatus::kFailed;
    } else {
      p->next_attempt_at = b->retry_at;
    }
    Record(*p, e, b->final ? PaymentStep::kFailed : PaymentStep::kAttemptFailed, b->attempt,
           b->outcome, b->detail);
    return Status::OK();
  }
  if (const auto* b = std::get_if<RefundIssued>(&e.body)) {
    if (b->why == RefundReason::kOrphanCharge) return AdoptOrphan(e, *b);
    Payment* p = payment_of(b->payment);
    // A deposit goes back whole, whatever was due (it may be more).
    const bool deposit = b->why == RefundReason::kWrongAmount || b->why == RefundReason::kLateDeposit;
    if (p == nullptr || p->refund_requested || p->status == PaymentStatus::kPending ||
        b->amount < 0 || (!deposit && b->amount > p->amount))
      return Contradiction(e, "for a payment that cannot be refunded");
    p->refund_requested = true;
    p->refund_amount = b->amount;
    if (p->status == PaymentStatus::kSucceeded) p->status = PaymentStatus::kRefunded;
    Record(*p, e, PaymentStep::kRefundIssued, 0, ChargeOutcome::kCaptured,
           std::string(ToString(b->why)));
    return Status::OK();
  }
  if (const auto* b = std::get_if<SeatsReleased>(&e.body)) {
    Reservation* r = reservations_.Find(b->reservation);
    Payment* p = payment_of(b->payment);
    if (r == nullptr || !IsLive(r->status) || p == nullptr || r->payment != b->payment)
      return Contradiction(e, "for a reservation that is not live under that payment");
    Record(*p, e, PaymentStep::kSeatsReleased);
    return EndReservation(*r, ReservationStatus::kCancelled, e.ts);
  }
  if (const auto* b = std::get_if<RefundSettled>(&e.body)) {
    Payment* p = payment_of(b->payment);
    if (p == nullptr || !p->refund_requested || p->refund_settled || b->amount < 0 ||
        b->amount > std::max(p->amount, p->refund_amount))
      return Contradiction(e, "for a payment with no refund outstanding");
    p->refund_settled = true;
    p->refunded = b->amount;
    Record(*p, e, PaymentStep::kRefundSettled, 0, ChargeOutcome::kCaptured,
           std::to_string(b->amount));
    return Status::OK();
  }
  return Contradiction(e, "is not a payment event");
}

// A lost timeline's charge becomes a payment here only to be refunded: no reservation, no
// buyer, the whole amount back. It stays on record after its refund settles, so the same charge
// is never adopted twice.
Status EngineState::AdoptOrphan(const Event& e, const RefundIssued& b) {
  if (payments_.contains(b.payment) || !IsLostId(b.payment) || b.reservation != 0 ||
      b.amount <= 0)
    return Contradiction(e, "for a charge that is not a lost timeline's");
  Payment& p = *payments_.Emplace(b.payment).first;
  p.id = b.payment;
  p.amount = b.amount;
  p.status = PaymentStatus::kRefunded;
  p.created_at = e.ts;
  p.refund_requested = true;
  p.refund_amount = b.amount;
  Record(p, e, PaymentStep::kRefundIssued, 0, ChargeOutcome::kCaptured,
         std::string(ToString(b.why)));
  return Status::OK();
}

bool EngineState::IsLostId(uint64_t id) const {
  // Payment ids are made by seq; an id in the slot half of a timeline (a reservation's) is no
  // payment's, lost or not.
  if (SlotIds::IsSlotId(id & (kTimelineIdStride - 1))) return false;
  uint64_t previous_base = 0;
  for (const TimelineStart& t : timelines_) {
    if (id >= previous_base + t.first_seq && id < t.id_base) return true;
    previous_base = t.id_base;
  }
  return false;
}

}  // namespace cm::engine
