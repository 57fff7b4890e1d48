#include "engine/event.h"

namespace cm::engine {

static_assert(std::variant_size_v<EventBody> == 19, "update EventType, ToString and the codec");

std::string_view ToString(EventType t) {
  switch (t) {
    case EventType::kUserRegistered: return "UserRegistered";
    case EventType::kVenueCreated: return "VenueCreated";
    case EventType::kConcertCreated: return "ConcertCreated";
    case EventType::kSalesOpened: return "SalesOpened";
    case EventType::kSalesClosed: return "SalesClosed";
    case EventType::kHoldPlaced: return "HoldPlaced";
    case EventType::kHoldReleased: return "HoldReleased";
    case EventType::kHoldExpired: return "HoldExpired";
    case EventType::kReservationConfirmed: return "ReservationConfirmed";
    case EventType::kReservationRefunded: return "ReservationRefunded";
    case EventType::kCommandRejected: return "CommandRejected";
    case EventType::kDuplicateCommand: return "DuplicateCommand";
    case EventType::kSessionStarted: return "SessionStarted";
    case EventType::kSessionRefreshed: return "SessionRefreshed";
    case EventType::kSessionEnded: return "SessionEnded";
    case EventType::kQueueJoined: return "QueueJoined";
    case EventType::kQueueOpened: return "QueueOpened";
    case EventType::kQueueAdmitted: return "QueueAdmitted";
    case EventType::kQueueTicketsEnded: return "QueueTicketsEnded";
  }
  return "Unknown";
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
    Outcome operator()(const QueueAdmitted& b) {
      return {ResultCode::kOk, b.concert, b.users.size()};
    }
    Outcome operator()(const QueueTicketsEnded& b) {
      return {ResultCode::kOk, b.concert, b.users.size()};
    }
  };
  return std::visit(Visitor{}, e.body);
}

}  // namespace cm::engine
