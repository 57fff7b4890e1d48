#include "api/replies.h"

#include "api/result_status.h"

namespace cm::api {

using engine::Event;
using json::FormatTime;

void Json(const ExPtr& ex, int status, std::string body,
          std::initializer_list<std::pair<http::field, std::string>> headers) {
  Response res{static_cast<http::status>(status), ex->req.version()};
  res.set(http::field::content_type, "application/json");
  for (const auto& [f, v] : headers) res.set(f, v);
  res.keep_alive(ex->req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  ex->responder->Send(std::move(res));
}

void Fail(const ExPtr& ex, Problem p) {
  ex->responder->Send(std::move(p).Build(ex->req.version(), ex->req.keep_alive()));
}

void Fail(const ExPtr& ex, int status, std::string_view code, std::string_view detail) {
  Fail(ex, Problem(status, code, detail));
}

void FailInput(const ExPtr& ex, const InputError& err) {
  Problem p(err.status, err.code, err.detail);
  if (!err.field.empty()) p.With([&](JsonWriter& w) { w.Field("field", err.field); });
  Fail(ex, std::move(p));
}

void TryLater(const ExPtr& ex, int status, std::string_view code, std::string_view detail,
              int retry_after_s) {
  Fail(ex, Problem(status, code, detail)
               .Header(http::field::retry_after, std::to_string(std::max(1, retry_after_s))));
}

void NotLeader(const ExPtr& ex, const std::string& leader_url) {
  if (leader_url.empty())
    return TryLater(ex, 503, "NOT_LEADER",
                    "this server is not the leader and takes no writes; the leader's "
                    "address is not known yet",
                    1);
  std::string location = leader_url;
  while (!location.empty() && location.back() == '/') location.pop_back();
  location += std::string(ex->req.target());
  Fail(ex, Problem(307, "NOT_LEADER",
                   "this server is not the leader and takes no writes; send it to the leader")
               .With([&](json::JsonWriter& w) { w.Field("leader", leader_url); })
               .Header(http::field::location, location));
}

namespace {
constexpr std::string_view kSeatsTakenDetail = "some of the seats are taken";
}  // namespace

void FailEvent(const ExPtr& ex, const Event& e) {
  engine::ResultCode code;
  uint64_t detail_value = 0;
  std::string detail;
  const engine::SeatList* seats = nullptr;
  if (const auto* r = std::get_if<engine::CommandRejected>(&e.body)) {
    code = r->code;
    detail_value = r->detail;
    detail = r->reason;
    if (!r->seats.empty()) seats = &r->seats;
  } else {
    const auto& d = std::get<engine::DuplicateCommand>(e.body);
    code = d.code;
    detail_value = d.detail;
    detail = "a retry of request " + std::to_string(d.original_seq) + ", which was refused";
  }
  // Someone else's reservation looks exactly like a missing one, so ids cannot be probed.
  if (code == engine::ResultCode::kNotReservationOwner) {
    code = engine::ResultCode::kUnknownReservation;
    detail = "no reservation with id " + std::to_string(detail_value);
  }
  if (code == engine::ResultCode::kNotTicketHolder) {
    code = engine::ResultCode::kUnknownTicket;
    detail = "no ticket with id " + std::to_string(detail_value);
  }
  const auto when = [&] { return FormatTime(static_cast<int64_t>(detail_value)); };
  // The on-sale's most common refusal starts from a head rendered once.
  const bool seats_taken = code == engine::ResultCode::kSeatNotAvailable && detail.empty();
  if (detail.empty() && !seats_taken) {
    switch (code) {
      case engine::ResultCode::kRefundDeadlinePassed:
        detail = "the refund policy allowed cancelling until " + when();
        break;
      case engine::ResultCode::kSalesNotOpen:
        detail = detail_value == 0 ? "sales for this concert are not open"
                                   : "sales for this concert open at " + when();
        break;
      case engine::ResultCode::kNotAMember:
        detail =
            "this phase of the sale is for the concert's members; enter your member code, or "
            "sign in with the email on the list";
        break;
      case engine::ResultCode::kUnknownMemberCode:
        detail = "this code is not on the concert's member list";
        break;
      case engine::ResultCode::kMemberCodeTaken:
        detail = "another account has already used this member code";
        break;
      case engine::ResultCode::kTransferClosed:
        detail = "transfers for this concert closed at " + when();
        break;
      case engine::ResultCode::kTicketCheckedIn:
        detail = "ticket " + std::to_string(detail_value) + " was already used at the door";
        break;
      case engine::ResultCode::kTicketTransferred:
        detail = "ticket " + std::to_string(detail_value) + " was given to someone else";
        break;
      case engine::ResultCode::kNoTransferOffer:
        detail = "no pending offer of ticket " + std::to_string(detail_value) + " to or from you";
        break;
      case engine::ResultCode::kTicketRevoked:
        detail = "the ticket is revoked";
        break;
      case engine::ResultCode::kHoldAlreadyExtended:
        detail = "a hold is extended once";
        break;
      case engine::ResultCode::kHoldExtensionUnavailable:
        detail = detail_value == 0 ? "this concert's holds cannot be extended"
                                   : "the hold already runs to its cap, " + when();
        break;
      case engine::ResultCode::kPaymentInProgress:
        detail = "the hold is being paid for; it cannot be extended";
        break;
      case engine::ResultCode::kReservationsFull:
        detail = "the sale keeps as many reservations as it can; try again in a few minutes";
        break;
      case engine::ResultCode::kReservationNotConfirmed:
        detail = "only a CONFIRMED reservation can be cancelled for a refund";
        break;
      case engine::ResultCode::kSeatLimitExceeded:
        detail = "the per-user seat limit would be exceeded; you may take " +
                 std::to_string(detail_value) + " more";
        break;
      case engine::ResultCode::kEmailTaken:
        detail = "the email is already registered";
        break;
      case engine::ResultCode::kSeatCooldown:
        detail =
            "you gave up some of these seats moments ago; they are open to everyone else "
            "until " +
            FormatTime(static_cast<int64_t>(detail_value));
        break;
      default:
        detail = std::string(engine::ToString(code));
    }
  }
  static const Problem::Head kSeatsTaken = Problem::RenderHead(
      HttpStatusOf(engine::ResultCode::kSeatNotAvailable),
      engine::ToString(engine::ResultCode::kSeatNotAvailable), kSeatsTakenDetail);
  Problem p = seats_taken ? Problem(kSeatsTaken)
                          : Problem(HttpStatusOf(code), engine::ToString(code), detail);
  if (seats != nullptr) {
    p.With([&](JsonWriter& w) {
      w.Key("seats").BeginArray();
      for (engine::SeatIndex s : *seats) w.Uint(s);
      w.EndArray();
    });
  }
  if (code == engine::ResultCode::kSalesNotOpen && detail_value != 0)
    p.With([&](JsonWriter& w) { w.Field("opensAt", when()); });
  if (code == engine::ResultCode::kSeatLimitExceeded)
    p.With([&](JsonWriter& w) { w.Field("remaining", detail_value); });
  if (code == engine::ResultCode::kSeatCooldown) {
    const auto until = static_cast<int64_t>(detail_value);
    p.With([&](JsonWriter& w) { w.Field("retryAt", FormatTime(until)); });
    p.Header(http::field::retry_after,
             std::to_string(std::max<int64_t>(1, (until - ex->received_ms + 999) / 1000)));
  }
  Fail(ex, std::move(p));
}

void ReplyResource(const ExPtr& ex, int status, std::string body, const std::string& location,
                   bool replayed) {
  Response res{static_cast<http::status>(status), ex->req.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::location, location);
  if (replayed) res.set("Idempotent-Replayed", "true");  // the first answer, repeated
  res.keep_alive(ex->req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  ex->responder->Send(std::move(res));
}

}  // namespace cm::api
