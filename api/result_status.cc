#include "api/result_status.h"

namespace cm::api {

int HttpStatusOf(engine::ResultCode code) {
  using engine::ResultCode;
  switch (code) {
    case ResultCode::kOk:
      return 200;
    case ResultCode::kInvalidArgument:
      return 422;
    case ResultCode::kForbidden:
      return 403;
    case ResultCode::kEmailTaken:
      return 409;
    case ResultCode::kUnknownUser:
      return 401;  // a token for a user that does not exist
    case ResultCode::kUnknownSession:
      return 401;
    case ResultCode::kSessionExpired:
      return 401;
    case ResultCode::kAccountDisabled:
      return 403;
    case ResultCode::kUnknownVenue:
      return 404;
    case ResultCode::kInvalidVenue:
      return 422;
    case ResultCode::kUnknownConcert:
      return 404;
    case ResultCode::kInvalidConcert:
      return 422;
    case ResultCode::kSalesNotOpen:
      return 409;
    case ResultCode::kSalesClosed:
      return 409;
    case ResultCode::kNotAMember:
      return 403;
    case ResultCode::kUnknownMemberCode:
      return 404;
    case ResultCode::kMemberCodeTaken:
      return 409;
    case ResultCode::kAlreadyAMember:
      return 409;
    case ResultCode::kUnknownSeat:
      return 404;
    case ResultCode::kSeatNotAvailable:
      return 409;
    case ResultCode::kSeatLimitExceeded:
      return 409;
    case ResultCode::kTooManySeats:
      return 422;
    case ResultCode::kDuplicateSeat:
      return 422;
    case ResultCode::kUnknownGrade:
      return 422;
    case ResultCode::kUnknownSection:
      return 422;
    case ResultCode::kNoAdjacentSeats:
      return 409;
    case ResultCode::kSeatCooldown:
      return 409;
    case ResultCode::kCompanionNeedsWheelchair:
      return 409;
    case ResultCode::kUnknownReservation:
      return 404;
    case ResultCode::kNotReservationOwner:
      return 404;  // shown as UNKNOWN_RESERVATION
    case ResultCode::kHoldExpired:
      return 409;
    case ResultCode::kReservationNotHeld:
      return 409;
    case ResultCode::kReservationNotConfirmed:
      return 409;
    case ResultCode::kIdempotencyKeyReused:
      return 422;
    case ResultCode::kQueueAdmissionRequired:
      return 403;
    case ResultCode::kQueueNotEnabled:
      return 409;
    case ResultCode::kQueueNotOpenYet:
      return 409;
    case ResultCode::kAlreadyInQueue:
      return 200;  // the place the user already has
    case ResultCode::kNotInQueue:
      return 404;
    case ResultCode::kQueueDrawNotCommitted:
      return 503;  // for a moment after a start: the page tries again
    case ResultCode::kUnknownPayment:
      return 404;
    case ResultCode::kPaymentNotPending:
      return 409;
    case ResultCode::kStalePaymentAttempt:
      return 409;
    case ResultCode::kNoRefundPending:
      return 409;
    case ResultCode::kUnknownPaymentMethod:
      return 422;
    case ResultCode::kDepositWindowClosed:
      return 409;
    case ResultCode::kRefundDeadlinePassed:
    case ResultCode::kHoldAlreadyExtended:
    case ResultCode::kHoldExtensionUnavailable:
    case ResultCode::kPaymentInProgress:
      return 409;
    case ResultCode::kReservationsFull:
      return 503;  // ended holds are retired after ended_retention_ms
    case ResultCode::kUnknownTicket:
    case ResultCode::kNotTicketHolder:
    case ResultCode::kNoTransferOffer:
      return 404;  // another's ticket is shown as UNKNOWN_TICKET
    // The door's refusals; POST /api/checkin answers them as results, with 200.
    case ResultCode::kAlreadyUsed:
    case ResultCode::kTicketRevoked:
    case ResultCode::kWrongConcert:
    case ResultCode::kNotOpenYet:
    case ResultCode::kTransferClosed:
    case ResultCode::kTicketCheckedIn:
    case ResultCode::kTicketTransferred:
    case ResultCode::kScanAlreadyRecorded:
    case ResultCode::kConflictLimit:
      return 409;
  }
  return 500;
}

}  // namespace cm::api
