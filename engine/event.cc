#include "engine/event.h"

namespace cm::engine {

std::string_view ToString(EventType t) {
#define CM_EVENT_NAME(Type, tag, since, area, topic) #Type,
  static constexpr std::string_view kNames[] = {CM_EVENT_TYPES(CM_EVENT_NAME)};
#undef CM_EVENT_NAME
  const auto i = static_cast<std::size_t>(t);
  return i < std::size(kNames) ? kNames[i] : "Unknown";
}

std::string_view ToString(RefundReason r) {
  switch (r) {
    case RefundReason::kLateSuccess: return "LATE_SUCCESS";
    case RefundReason::kUnknownOutcome: return "UNKNOWN_OUTCOME";
    case RefundReason::kReservationRefunded: return "RESERVATION_REFUNDED";
    case RefundReason::kBuyerCancelled: return "BUYER_CANCELLED";
    case RefundReason::kOrphanCharge: return "ORPHAN_CHARGE";
    case RefundReason::kWrongAmount: return "WRONG_AMOUNT";
    case RefundReason::kLateDeposit: return "LATE_DEPOSIT";
  }
  return "UNKNOWN";
}

std::string_view ToString(PaymentStep s) {
  switch (s) {
    case PaymentStep::kRequested: return "REQUESTED";
    case PaymentStep::kAttemptFailed: return "ATTEMPT_FAILED";
    case PaymentStep::kSucceeded: return "SUCCEEDED";
    case PaymentStep::kFailed: return "FAILED";
    case PaymentStep::kRefundIssued: return "REFUND_ISSUED";
    case PaymentStep::kRefundSettled: return "REFUND_SETTLED";
    case PaymentStep::kSeatsReleased: return "SEATS_RELEASED";
    case PaymentStep::kAccountIssued: return "ACCOUNT_ISSUED";
  }
  return "UNKNOWN";
}

Outcome OutcomeOf(const Event& e) {
  struct Visitor {
    Outcome operator()(const UserRegistered& b) { return {ResultCode::kOk, b.user, 0}; }
    Outcome operator()(const VenueCreated& b) { return {ResultCode::kOk, b.venue, 0}; }
    Outcome operator()(const ConcertCreated& b) { return {ResultCode::kOk, b.concert, 0}; }
    Outcome operator()(const SalesOpened& b) { return {ResultCode::kOk, b.concert, 0}; }
    Outcome operator()(const SalesClosed& b) { return {ResultCode::kOk, b.concert, 0}; }
    Outcome operator()(const HoldPlaced& b) { return {ResultCode::kOk, b.reservation, 0}; }
    Outcome operator()(const HoldReleased& b) { return {ResultCode::kOk, b.reservation, 0}; }
    Outcome operator()(const HoldExpired& b) { return {ResultCode::kOk, b.reservation, 0}; }
    Outcome operator()(const ReservationConfirmed& b) {
      return {ResultCode::kOk, b.reservation, 0};
    }
    Outcome operator()(const ReservationRefunded& b) {
      return {ResultCode::kOk, b.reservation, 0};
    }
    Outcome operator()(const CommandRejected& b) { return {b.code, 0, b.detail}; }
    Outcome operator()(const DuplicateCommand& b) { return {b.code, b.ref, b.detail}; }
    Outcome operator()(const SessionStarted& b) { return {ResultCode::kOk, b.session, b.user}; }
    Outcome operator()(const SessionRefreshed& b) { return {ResultCode::kOk, b.session, b.user}; }
    Outcome operator()(const SessionEnded& b) { return {ResultCode::kOk, b.session, b.user}; }
    Outcome operator()(const QueueJoined& b) { return {ResultCode::kOk, b.concert, b.user}; }
    Outcome operator()(const QueueOpened& b) { return {ResultCode::kOk, b.concert, 0}; }
    Outcome operator()(const QueueDrawn& b) { return {ResultCode::kOk, b.concert, b.count}; }
    Outcome operator()(const QueueAdmitted& b) {
      return {ResultCode::kOk, b.concert, b.users.size()};
    }
    Outcome operator()(const QueueTicketsEnded& b) {
      return {ResultCode::kOk, b.concert, b.users.size()};
    }
    Outcome operator()(const PaymentRequested& b) { return {ResultCode::kOk, b.payment, 0}; }
    Outcome operator()(const PaymentSucceeded& b) { return {ResultCode::kOk, b.payment, 0}; }
    Outcome operator()(const PaymentFailed& b) { return {ResultCode::kOk, b.payment, 0}; }
    Outcome operator()(const RefundIssued& b) { return {ResultCode::kOk, b.payment, 0}; }
    Outcome operator()(const SeatsReleased& b) { return {ResultCode::kOk, b.reservation, 0}; }
    Outcome operator()(const RefundSettled& b) { return {ResultCode::kOk, b.payment, 0}; }
    Outcome operator()(const TicketIssued& b) { return {ResultCode::kOk, b.ticket, 0}; }
    Outcome operator()(const TicketCheckedIn& b) {
      return {ResultCode::kOk, b.ticket, static_cast<uint64_t>(b.scanned_at)};
    }
    Outcome operator()(const TicketTransferred& b) { return {ResultCode::kOk, b.ticket, b.to}; }
    Outcome operator()(const TicketOffered& b) { return {ResultCode::kOk, b.ticket, 0}; }
    Outcome operator()(const TicketOfferEnded& b) { return {ResultCode::kOk, b.ticket, b.by}; }
    Outcome operator()(const CheckInConflict& b) {
      return {ResultCode::kOk, b.ticket, static_cast<uint64_t>(b.why)};
    }
    Outcome operator()(const ReservationCancelled& b) {
      return {ResultCode::kOk, b.reservation, static_cast<uint64_t>(b.refund)};
    }
    Outcome operator()(const HoldExtended& b) {
      return {ResultCode::kOk, b.reservation, static_cast<uint64_t>(b.expires_at)};
    }
    Outcome operator()(const TermStarted& b) { return {ResultCode::kOk, b.term, 0}; }
    Outcome operator()(const StateHashed& b) {
      return {ResultCode::kOk, b.state_seq, b.digest};
    }
    Outcome operator()(const TimelineStarted& b) {
      return {ResultCode::kOk, b.timeline, b.id_base};
    }
    Outcome operator()(const SnapshotMarked& b) { return {ResultCode::kOk, b.format, 0}; }
    Outcome operator()(const SeatsReturned& b) { return {ResultCode::kOk, b.concert, b.seats.size()}; }
    Outcome operator()(const SalePhaseBegan& b) { return {ResultCode::kOk, b.concert, b.phase}; }
    Outcome operator()(const MembersListed& b) {
      return {ResultCode::kOk, b.concert, b.entries.size()};
    }
    Outcome operator()(const MemberCodeClaimed& b) { return {ResultCode::kOk, b.concert, 0}; }
    Outcome operator()(const QueueCommitted& b) { return {ResultCode::kOk, b.concert, b.phase}; }
    Outcome operator()(const VirtualAccountIssued& b) { return {ResultCode::kOk, b.payment, 0}; }
    Outcome operator()(const TicketRevoked& b) { return {ResultCode::kOk, b.ticket, b.by}; }
    Outcome operator()(const AccountStatusChanged& b) {
      return {ResultCode::kOk, b.user, b.disabled ? 1u : 0u};
    }
  };
  return std::visit(Visitor{}, e.body);
}

}  // namespace cm::engine
