#pragma once
// Business rejections are data: every command either succeeds or is rejected with one of these
// codes, carried in a CommandRejected event and mapped to HTTP by the gateway.
// Ranges: 0 ok, 1xx request shape and permissions, 2xx users, 3xx venues and concerts,
// 4xx holds and seats, 5xx reservations, 6xx idempotency, 7xx waiting room, 8xx payments,
// 9xx tickets and the door.

#include <cstdint>
#include <string_view>

namespace cm::engine {

enum class ResultCode : uint16_t {
  kOk = 0,

  kInvalidArgument = 100,
  kForbidden = 101,

  kEmailTaken = 200,
  kUnknownUser = 201,
  kUnknownSession = 202,  // a refresh token that was never issued, rotated away or revoked
  kSessionExpired = 203,
  kAccountDisabled = 204,  // an admin disabled the account: no login, no refresh, no authority

  kUnknownVenue = 300,
  kInvalidVenue = 301,
  kUnknownConcert = 302,
  kInvalidConcert = 303,
  kSalesNotOpen = 304,  // before the sales window, or not opened by an admin
  kSalesClosed = 305,   // after the window, or closed by an admin
  kNotAMember = 306,    // a members-only phase, and the user is not on the concert's list
  kUnknownMemberCode = 307,  // a code that is not on the concert's list
  kMemberCodeTaken = 308,    // another account claimed this code
  kAlreadyAMember = 309,     // the user is a member already (by a code or their email)

  kUnknownSeat = 400,
  kSeatNotAvailable = 401,  // detail: the first seat that was not AVAILABLE
  kSeatLimitExceeded = 402, // detail: seats the user may still take
  kTooManySeats = 403,      // more than kMaxSeatsPerHold in one request
  kDuplicateSeat = 404,     // the same seat twice in one request; detail: the seat
  kUnknownGrade = 405,
  kUnknownSection = 406,
  kNoAdjacentSeats = 407,   // best-available found no block of N adjacent seats
  kSeatCooldown = 408,      // the user released (or let expire) this seat moments ago;
                            // detail: when they may hold it again
  kCompanionNeedsWheelchair = 409,  // a companion seat without enough wheelchair spaces of its
                                    // section in the hold; detail: the seat

  kUnknownReservation = 500,
  kNotReservationOwner = 501,
  kHoldExpired = 502,
  kReservationNotHeld = 503,       // e.g. releasing a CONFIRMED reservation
  kReservationNotConfirmed = 504,  // refunding something that was never paid
  kRefundDeadlinePassed = 505,     // cancelling after the refund policy's deadline; detail: it
  kHoldAlreadyExtended = 506,      // a hold is extended once
  kHoldExtensionUnavailable = 507, // the concert allows none, or the cap is reached; detail: cap
  kPaymentInProgress = 508,        // a hold being paid for cannot be extended
  kReservationsFull = 509,  // every reservation slot is live or retained; ends free them

  kIdempotencyKeyReused = 600,  // the same key with a different command

  kQueueAdmissionRequired = 700,  // the concert has a waiting room and the user is not admitted
  kQueueNotEnabled = 701,         // the concert has no waiting room
  kQueueNotOpenYet = 702,         // before the pre-queue window; detail: when it opens
  kAlreadyInQueue = 703,          // the user's place is kept; detail: the ticket id
  kNotInQueue = 704,              // leaving without a waiting or admitted place
  kQueueDrawNotCommitted = 705,   // the room's draw is not committed yet (just after a start)

  kUnknownPayment = 800,
  kPaymentNotPending = 801,    // a result for a payment that already ended (a late duplicate)
  kStalePaymentAttempt = 802,  // a result for an attempt that is not the current one
  kNoRefundPending = 803,      // a refund settlement nobody asked for, or a second one
  kUnknownPaymentMethod = 804,
  kDepositWindowClosed = 805,  // a bank transfer's deadline would leave no time (sales end soon)

  // The door's answers (a check-in's refusals are named as the scanner shows them).
  kUnknownTicket = 900,
  kNotTicketHolder = 901,
  kAlreadyUsed = 902,      // detail: the first scan's time; reason: its gate
  kTicketRevoked = 903,    // an older version, or the reservation was cancelled; detail: version
  kWrongConcert = 904,     // detail: the ticket's concert
  kNotOpenYet = 905,       // before the doors open; detail: when they do
  kTransferClosed = 906,   // the concert's transfer cutoff has passed; detail: the cutoff
  kTicketCheckedIn = 907,  // a used ticket cannot be transferred or refunded
  kTicketTransferred = 908,  // a reservation whose ticket was given away cannot be cancelled
  kScanAlreadyRecorded = 909,  // an offline scan uploaded again: nothing new
  kConflictLimit = 910,  // the concert keeps kMaxConflictsPerConcert conflicts already
  kNoTransferOffer = 911,  // no pending offer of that ticket to (or from) the caller
};

std::string_view ToString(ResultCode code);

}  // namespace cm::engine
