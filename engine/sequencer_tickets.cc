// The sequencer's decisions after the sale: tickets and the door, transfer, cancellation under
// the refund policy, and hold extension.
//
//   (a confirmation)   -> ... ReservationConfirmed + TicketIssued per seat
//   CheckIn            -> TicketCheckedIn (ADMITTED), or a refusal the scanner shows; an
//                         offline scan that collides -> CheckInConflict
//   TransferTicket     -> TicketOffered (to an email, registered or not: the same answer)
//   AcceptTransfer     -> TicketTransferred (the next version: the old code is revoked)
//   EndTransferOffer   -> TicketOfferEnded (withdrawn by the holder, declined by the recipient)
//   CancelReservation  -> ReservationCancelled [+ RefundIssued of the amount less the fee]; not
//                         once an admin revoked one of its tickets (REVOKED)
//   ExtendHold         -> HoldExtended
#include <algorithm>

#include "engine/reject.h"
#include "engine/sequencer.h"

namespace cm::engine {
namespace {

// How far ahead of the sequencer's clock an offline gate's clock may run.
constexpr TimeMs kMaxGateClockSkewMs = 5 * 60'000;

}  // namespace

void Sequencer::IssueTickets(const Reservation& r) {
  // The answer takes the next seq, and the follow-ups the ones after it, in order.
  for (SeatIndex seat : r.seats) {
    const TicketId id = state_.IdOf(state_.last_seq() + 2 + follow_ups_.size());
    follow_ups_.push_back(TicketIssued{id, r.id, r.concert, r.user, seat});
  }
}

EventBody Sequencer::DecideCheckIn(const Command& cmd, const CheckInCmd& c) {
  if (!IsDoorStaff(cmd))
    return Reject(cmd, ResultCode::kForbidden, 0, "only door staff check tickets in");
  if (c.gate.empty() || c.gate.size() > kMaxGateName)
    return Reject(cmd, ResultCode::kInvalidArgument, 0, "a gate name is 1 to 32 bytes");
  if (c.device.size() > kMaxDeviceName)
    return Reject(cmd, ResultCode::kInvalidArgument, 0, "a device name is at most 32 bytes");
  const Ticket* t = state_.FindTicket(c.ticket);
  // A code that verifies but names a seat or concert other than the ticket's was not issued
  // by this engine (another deployment's key): it is not a ticket here.
  if (t == nullptr || t->concert != c.concert || t->seat != c.seat)
    return Reject(cmd, ResultCode::kUnknownTicket, c.ticket);
  if (t->concert != c.at_concert) return Reject(cmd, ResultCode::kWrongConcert, t->concert);
  if (c.offline && (c.scanned_at <= 0 || c.scanned_at > now_ + kMaxGateClockSkewMs))
    return Reject(cmd, ResultCode::kInvalidArgument, 0, "the scan's time is not plausible");
  const bool revoked = t->state == TicketState::kRevoked || c.version != t->version;
  const bool used = t->state == TicketState::kCheckedIn;
  if (c.offline && (revoked || used)) {
    // The gate already let someone in: record the collision, never refuse it silently.
    if (!revoked && t->gate == c.gate && t->checked_in_at == c.scanned_at)
      return Reject(cmd, ResultCode::kScanAlreadyRecorded, t->id);
    CheckInConflict conflict{t->id,
                             t->concert,
                             c.gate,
                             c.scanned_at,
                             revoked ? ResultCode::kTicketRevoked : ResultCode::kAlreadyUsed,
                             used ? t->gate : std::string(),
                             used ? t->checked_in_at : 0,
                             c.device};
    // The same scan uploaded again (a gate that retries) is one conflict, not another.
    if (state_.HasConflict(conflict)) return Reject(cmd, ResultCode::kScanAlreadyRecorded, t->id);
    if (state_.ConflictsOf(t->concert).size() >= kMaxConflictsPerConcert)
      return Reject(cmd, ResultCode::kConflictLimit, kMaxConflictsPerConcert,
                    "this concert keeps no more conflicts: resolve the ones listed");
    return conflict;
  }
  if (revoked) return Reject(cmd, ResultCode::kTicketRevoked, t->version);
  if (used) return Reject(cmd, ResultCode::kAlreadyUsed, static_cast<uint64_t>(t->checked_in_at),
                          t->gate);
  const Concert& concert = *state_.FindConcert(t->concert);
  // An offline gate's scan happened whatever the clock said; only a live scan waits for the doors.
  if (!c.offline && now_ < concert.spec->doors_open_at)
    return Reject(cmd, ResultCode::kNotOpenYet, static_cast<uint64_t>(concert.spec->doors_open_at));
  return TicketCheckedIn{t->id,  t->concert, t->holder, t->version,
                         c.gate, c.offline ? c.scanned_at : now_, c.offline};
}

std::optional<EventBody> Sequencer::RefuseGiving(const Command& cmd, const Ticket& t) {
  if (t.state == TicketState::kCheckedIn) return Reject(cmd, ResultCode::kTicketCheckedIn, t.id);
  if (t.state == TicketState::kRevoked) return Reject(cmd, ResultCode::kTicketRevoked, t.id);
  const ConcertSpec& spec = *state_.FindConcert(t.concert)->spec;
  const TimeMs cutoff = spec.starts_at - spec.transfer_cutoff_ms;
  if (now_ >= cutoff) return Reject(cmd, ResultCode::kTransferClosed, static_cast<uint64_t>(cutoff));
  return std::nullopt;
}

EventBody Sequencer::DecideTransfer(const Command& cmd, const TransferTicketCmd& c) {
  const Ticket* t = state_.FindTicket(c.ticket);
  if (t == nullptr) return Reject(cmd, ResultCode::kUnknownTicket, c.ticket);
  if (t->holder != cmd.actor) return Reject(cmd, ResultCode::kNotTicketHolder, c.ticket);
  if (auto refused = RefuseGiving(cmd, *t)) return *std::move(refused);
  if (c.to_email.empty() || c.to_email.size() > kMaxEmail)
    return Reject(cmd, ResultCode::kInvalidArgument, 0, "an email is 1 to 254 bytes");
  // Only the holder's own email is checked (they know it): any other is offered alike.
  if (const User* me = state_.FindUser(cmd.actor); me != nullptr && me->email == c.to_email)
    return Reject(cmd, ResultCode::kInvalidArgument, 0, "the ticket is already yours");
  return TicketOffered{t->id, t->concert, cmd.actor, c.to_email};
}

EventBody Sequencer::DecideAcceptTransfer(const Command& cmd, const AcceptTransferCmd& c) {
  const Ticket* t = state_.FindTicket(c.ticket);
  const User* me = state_.FindUser(cmd.actor);
  // A ticket that is not offered to the caller answers as one that does not exist.
  if (t == nullptr || me == nullptr || t->offer_to.empty() || t->offer_to != me->email ||
      t->holder == cmd.actor)
    return Reject(cmd, ResultCode::kNoTransferOffer, c.ticket);
  if (auto refused = RefuseGiving(cmd, *t)) return *std::move(refused);
  return TicketTransferred{t->id, t->concert, t->holder, cmd.actor,
                           NextTicketVersion(t->version, state_.timeline())};
}

EventBody Sequencer::DecideEndOffer(const Command& cmd, const EndTransferOfferCmd& c) {
  const Ticket* t = state_.FindTicket(c.ticket);
  const User* me = state_.FindUser(cmd.actor);
  const bool mine = t != nullptr && t->holder == cmd.actor;
  const bool to_me = t != nullptr && me != nullptr && t->offer_to == me->email;
  if (t == nullptr || t->offer_to.empty() || !(mine || to_me))
    return Reject(cmd, ResultCode::kNoTransferOffer, c.ticket);
  return TicketOfferEnded{t->id, t->concert, t->holder, cmd.actor};
}

EventBody Sequencer::DecideCancel(const Command& cmd, const CancelReservationCmd& c) {
  const Reservation* r = state_.FindReservation(c.reservation);
  if (r == nullptr) return Reject(cmd, ResultCode::kUnknownReservation, c.reservation);
  if (r->user != cmd.actor) return Reject(cmd, ResultCode::kNotReservationOwner, c.reservation);
  if (r->status != ReservationStatus::kConfirmed)
    return Reject(cmd, ResultCode::kReservationNotConfirmed, static_cast<uint64_t>(r->status));
  const ConcertSpec& spec = *state_.FindConcert(r->concert)->spec;
  const TimeMs deadline = spec.starts_at - spec.refund.deadline_ms;
  if (now_ >= deadline)
    return Reject(cmd, ResultCode::kRefundDeadlinePassed, static_cast<uint64_t>(deadline));
  const TicketId first = state_.FirstTicketOf(r->id);
  for (std::size_t i = 0; first != 0 && i < r->seats.size(); ++i) {
    const Ticket& t = *state_.FindTicket(first + i);
    if (t.state == TicketState::kCheckedIn)
      return Reject(cmd, ResultCode::kTicketCheckedIn, t.id);
    if (t.holder != r->user) return Reject(cmd, ResultCode::kTicketTransferred, t.id);
    // An admin revoked it without a refund (a fraud): the buyer cannot cancel for one either.
    if (t.voided) return Reject(cmd, ResultCode::kTicketRevoked, t.id);
  }
  // Only money that was paid comes back (an admin-confirmed sale has no payment).
  ReservationCancelled cancelled{r->id, r->concert, r->user, 0, 0};
  if (const Payment* p = state_.FindPayment(r->payment);
      p != nullptr && p->status == PaymentStatus::kSucceeded && !p->refund_requested) {
    cancelled.fee = spec.refund.FeeOn(p->amount);
    cancelled.refund = p->amount - cancelled.fee;
    if (cancelled.refund > 0)
      follow_ups_.push_back(RefundIssued{p->id, r->id, r->concert, r->user, cancelled.refund,
                                         RefundReason::kBuyerCancelled});
  }
  return cancelled;
}

EventBody Sequencer::DecideExtend(const Command& cmd, const ExtendHoldCmd& c) {
  const Reservation* r = state_.FindReservation(c.reservation);
  if (r == nullptr) return Reject(cmd, ResultCode::kUnknownReservation, c.reservation);
  if (r->user != cmd.actor) return Reject(cmd, ResultCode::kNotReservationOwner, c.reservation);
  if (r->status == ReservationStatus::kExpired)
    return Reject(cmd, ResultCode::kHoldExpired, c.reservation);
  if (r->status == ReservationStatus::kPaymentPending)
    return Reject(cmd, ResultCode::kPaymentInProgress, r->payment);
  if (r->status != ReservationStatus::kHeld)
    return Reject(cmd, ResultCode::kReservationNotHeld, static_cast<uint64_t>(r->status));
  if (r->extended) return Reject(cmd, ResultCode::kHoldAlreadyExtended, c.reservation);
  const ConcertSpec& spec = *state_.FindConcert(r->concert)->spec;
  const TimeMs cap = spec.HoldCapFrom(r->created_at);
  const TimeMs until = std::min(r->expires_at + spec.hold_extension_ms, cap);
  if (spec.hold_extension_ms == 0 || until <= r->expires_at)
    return Reject(cmd, ResultCode::kHoldExtensionUnavailable, static_cast<uint64_t>(cap));
  return HoldExtended{r->id, r->concert, r->user, until};
}

}  // namespace cm::engine
