#include "gateway/problem.h"

namespace cm::gateway {

std::string_view ReasonPhrase(int status) {
  return http::obsolete_reason(static_cast<http::status>(status));
}

Problem::Problem(int status, std::string_view code, std::string_view detail) : status_(status) {
  std::string type = "https://concertmania.dev/problems/";
  for (char c : code) type.push_back(c == '_' ? '-' : static_cast<char>(std::tolower(c)));
  w_.BeginObject()
      .Field("type", type)
      .Field("title", ReasonPhrase(status))
      .Field("status", status)
      .Field("detail", detail)
      .Field("code", code);
}

Problem& Problem::Header(http::field f, std::string value) {
  headers_.emplace_back(f, std::move(value));
  return *this;
}

Response Problem::Build(unsigned version, bool keep_alive) && {
  w_.EndObject();
  Response res{static_cast<http::status>(status_), version};
  res.set(http::field::content_type, "application/problem+json");
  for (auto& [f, v] : headers_) res.set(f, v);
  res.keep_alive(keep_alive);
  res.body() = w_.Take();
  res.prepare_payload();
  return res;
}

int HttpStatusOf(engine::ResultCode code) {
  using engine::ResultCode;
  switch (code) {
    case ResultCode::kOk: return 200;
    case ResultCode::kInvalidArgument: return 422;
    case ResultCode::kForbidden: return 403;
    case ResultCode::kEmailTaken: return 409;
    case ResultCode::kUnknownUser: return 401;  // a token for a user that does not exist
    case ResultCode::kUnknownSession: return 401;
    case ResultCode::kSessionExpired: return 401;
    case ResultCode::kUnknownVenue: return 404;
    case ResultCode::kInvalidVenue: return 422;
    case ResultCode::kUnknownConcert: return 404;
    case ResultCode::kInvalidConcert: return 422;
    case ResultCode::kSalesNotOpen: return 409;
    case ResultCode::kSalesClosed: return 409;
    case ResultCode::kUnknownSeat: return 404;
    case ResultCode::kSeatNotAvailable: return 409;
    case ResultCode::kSeatLimitExceeded: return 409;
    case ResultCode::kTooManySeats: return 422;
    case ResultCode::kDuplicateSeat: return 422;
    case ResultCode::kUnknownGrade: return 422;
    case ResultCode::kUnknownSection: return 422;
    case ResultCode::kNoAdjacentSeats: return 409;
    case ResultCode::kSeatCooldown: return 409;
    case ResultCode::kUnknownReservation: return 404;
    case ResultCode::kNotReservationOwner: return 404;  // shown as UNKNOWN_RESERVATION
    case ResultCode::kHoldExpired: return 409;
    case ResultCode::kReservationNotHeld: return 409;
    case ResultCode::kReservationNotConfirmed: return 409;
    case ResultCode::kIdempotencyKeyReused: return 422;
    case ResultCode::kQueueAdmissionRequired: return 403;
    case ResultCode::kQueueNotEnabled: return 409;
    case ResultCode::kQueueNotOpenYet: return 409;
    case ResultCode::kAlreadyInQueue: return 200;  // the place the user already has
    case ResultCode::kNotInQueue: return 404;
    case ResultCode::kUnknownPayment: return 404;
    case ResultCode::kPaymentNotPending: return 409;
    case ResultCode::kStalePaymentAttempt: return 409;
    case ResultCode::kNoRefundPending: return 409;
    case ResultCode::kUnknownPaymentMethod: return 422;
  }
  return 500;
}

}  // namespace cm::gateway
