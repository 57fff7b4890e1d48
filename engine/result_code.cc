#include "engine/result_code.h"

namespace cm::engine {

std::string_view ToString(ResultCode code) {
  switch (code) {
    case ResultCode::kOk: return "OK";
    case ResultCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case ResultCode::kForbidden: return "FORBIDDEN";
    case ResultCode::kEmailTaken: return "EMAIL_TAKEN";
    case ResultCode::kUnknownUser: return "UNKNOWN_USER";
    case ResultCode::kUnknownSession: return "UNKNOWN_SESSION";
    case ResultCode::kSessionExpired: return "SESSION_EXPIRED";
    case ResultCode::kAccountDisabled: return "ACCOUNT_DISABLED";
    case ResultCode::kUnknownVenue: return "UNKNOWN_VENUE";
    case ResultCode::kInvalidVenue: return "INVALID_VENUE";
    case ResultCode::kUnknownConcert: return "UNKNOWN_CONCERT";
    case ResultCode::kInvalidConcert: return "INVALID_CONCERT";
    case ResultCode::kSalesNotOpen: return "SALES_NOT_OPEN";
    case ResultCode::kSalesClosed: return "SALES_CLOSED";
    case ResultCode::kNotAMember: return "NOT_A_MEMBER";
    case ResultCode::kUnknownMemberCode: return "UNKNOWN_MEMBER_CODE";
    case ResultCode::kMemberCodeTaken: return "MEMBER_CODE_TAKEN";
    case ResultCode::kAlreadyAMember: return "ALREADY_A_MEMBER";
    case ResultCode::kUnknownSeat: return "UNKNOWN_SEAT";
    case ResultCode::kSeatNotAvailable: return "SEAT_NOT_AVAILABLE";
    case ResultCode::kSeatLimitExceeded: return "SEAT_LIMIT_EXCEEDED";
    case ResultCode::kTooManySeats: return "TOO_MANY_SEATS";
    case ResultCode::kDuplicateSeat: return "DUPLICATE_SEAT";
    case ResultCode::kUnknownGrade: return "UNKNOWN_GRADE";
    case ResultCode::kUnknownSection: return "UNKNOWN_SECTION";
    case ResultCode::kNoAdjacentSeats: return "NO_ADJACENT_SEATS";
    case ResultCode::kSeatCooldown: return "SEAT_COOLDOWN";
    case ResultCode::kCompanionNeedsWheelchair: return "COMPANION_NEEDS_WHEELCHAIR";
    case ResultCode::kUnknownReservation: return "UNKNOWN_RESERVATION";
    case ResultCode::kNotReservationOwner: return "NOT_RESERVATION_OWNER";
    case ResultCode::kHoldExpired: return "HOLD_EXPIRED";
    case ResultCode::kReservationNotHeld: return "RESERVATION_NOT_HELD";
    case ResultCode::kReservationNotConfirmed: return "RESERVATION_NOT_CONFIRMED";
    case ResultCode::kQueueAdmissionRequired: return "QUEUE_ADMISSION_REQUIRED";
    case ResultCode::kQueueNotEnabled: return "QUEUE_NOT_ENABLED";
    case ResultCode::kQueueNotOpenYet: return "QUEUE_NOT_OPEN_YET";
    case ResultCode::kAlreadyInQueue: return "ALREADY_IN_QUEUE";
    case ResultCode::kNotInQueue: return "NOT_IN_QUEUE";
    case ResultCode::kQueueDrawNotCommitted: return "QUEUE_DRAW_NOT_COMMITTED";
    case ResultCode::kUnknownPayment: return "UNKNOWN_PAYMENT";
    case ResultCode::kPaymentNotPending: return "PAYMENT_NOT_PENDING";
    case ResultCode::kStalePaymentAttempt: return "STALE_PAYMENT_ATTEMPT";
    case ResultCode::kNoRefundPending: return "NO_REFUND_PENDING";
    case ResultCode::kUnknownPaymentMethod: return "UNKNOWN_PAYMENT_METHOD";
    case ResultCode::kDepositWindowClosed: return "DEPOSIT_WINDOW_CLOSED";
    case ResultCode::kRefundDeadlinePassed: return "REFUND_DEADLINE_PASSED";
    case ResultCode::kHoldAlreadyExtended: return "HOLD_ALREADY_EXTENDED";
    case ResultCode::kHoldExtensionUnavailable: return "HOLD_EXTENSION_UNAVAILABLE";
    case ResultCode::kPaymentInProgress: return "PAYMENT_IN_PROGRESS";
    case ResultCode::kReservationsFull: return "RESERVATIONS_FULL";
    case ResultCode::kUnknownTicket: return "UNKNOWN_TICKET";
    case ResultCode::kNotTicketHolder: return "NOT_TICKET_HOLDER";
    case ResultCode::kAlreadyUsed: return "ALREADY_USED";
    case ResultCode::kTicketRevoked: return "REVOKED";
    case ResultCode::kWrongConcert: return "WRONG_CONCERT";
    case ResultCode::kNotOpenYet: return "NOT_OPEN_YET";
    case ResultCode::kTransferClosed: return "TRANSFER_CLOSED";
    case ResultCode::kTicketCheckedIn: return "TICKET_CHECKED_IN";
    case ResultCode::kTicketTransferred: return "TICKET_TRANSFERRED";
    case ResultCode::kScanAlreadyRecorded: return "SCAN_ALREADY_RECORDED";
    case ResultCode::kConflictLimit: return "CONFLICT_LIMIT";
    case ResultCode::kNoTransferOffer: return "NO_TRANSFER_OFFER";
    case ResultCode::kIdempotencyKeyReused: return "IDEMPOTENCY_KEY_REUSED";
  }
  return "UNKNOWN_RESULT_CODE";
}

}  // namespace cm::engine
