#include "api/people_handler.h"

#include <algorithm>
#include <charconv>

#include "api/replies.h"
#include "api/request_input.h"
#include "engine/ticket.h"
#include "views/resource_json.h"

namespace cm::api {
namespace {

constexpr std::size_t kMaxFound = 100;  // reservations one search lists

// A ticket as support sees it: no code (the holder's page has it), where it is and why.
void WriteTicketForSupport(JsonWriter& w, const engine::EngineState& s, const engine::Ticket& t) {
  w.BeginObject()
      .Field("id", t.id)
      .Field("reservationId", t.reservation)
      .Field("concertId", t.concert)
      .Field("holderId", t.holder)
      .Field("version", t.version)
      .Field("status", engine::ToString(t.state))
      .Field("revokedByAdmin", t.voided);
  if (const engine::Concert* c = s.FindConcert(t.concert)) {
    w.Field("concertTitle", c->spec->title);
    w.Key("seat");
    views::WriteSeat(w, *c, t.seat);
  }
  if (t.state == engine::TicketState::kCheckedIn)
    w.Field("checkedInAt", json::FormatTime(t.checked_in_at)).Field("gate", t.gate);
  w.EndObject();
}

void WriteReservations(JsonWriter& w, const engine::EngineState& s,
                       const std::vector<engine::ReservationId>& ids) {
  w.Key("reservations").BeginArray();
  for (engine::ReservationId id : ids) {
    const engine::Reservation* r = s.FindReservation(id);
    const engine::Concert* c = r ? s.FindConcert(r->concert) : nullptr;
    if (c == nullptr) continue;
    const engine::Payment* p = s.FindPayment(r->payment);
    w.BeginObject().Key("reservation");
    views::WriteReservation(w, *r, *c, p);
    if (p != nullptr) {
      w.Key("payment");
      views::WritePayment(w, *p);
    }
    w.EndObject();
  }
  w.EndArray();
}

bool ParseUint(std::string_view text, uint64_t* out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && *out > 0;
}

}  // namespace

std::optional<std::string> ReasonOf(const ExPtr& ex, bool required) {
  if (ex->req.body().empty() && !required) return std::string();
  auto body = Body(ex);
  if (!body) return std::nullopt;
  FieldReader f(*body);
  std::string reason;
  if (required || f.Has("reason"))
    f.String("reason", &reason, required ? 1 : 0, engine::kMaxSupportReason);
  if (!f.ok()) {
    FailInput(ex, f.error());
    return std::nullopt;
  }
  return reason;
}

void PeopleHandler::FindUsers(const ExPtr& ex) {
  if (!ctx_.Authenticate(ex, true)) return;
  const std::string_view target = ex->req.target();
  const auto prefix = http::PercentDecode(QueryParam(target, "email"));
  const auto after = http::PercentDecode(QueryParam(target, "after"));
  if (!prefix || !after)
    return Fail(ex, 422, "VALIDATION_FAILED", "email, after: not a valid percent-encoding");
  const std::string_view staff = QueryParam(target, "staff");
  if (!staff.empty() && staff != "true" && staff != "false")
    return Fail(ex, 422, "VALIDATION_FAILED", "staff: must be true or false");
  int64_t limit = 0;
  if (!QueryNumber(ex, "limit", 50, 1, 200, &limit)) return;
  // Emails are kept lower-cased (NormaliseEmail), so the search is too.
  std::string lower = *prefix;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto ids = reads_.FindUsers(lower, *after, static_cast<std::size_t>(limit) + 1,
                                    staff == "true");
  std::string body = reads_.Read([&](const engine::EngineState& s) {
    JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    std::string last;
    for (std::size_t i = 0; i < ids.size() && i < static_cast<std::size_t>(limit); ++i)
      if (const engine::User* u = s.FindUser(ids[i])) {
        views::WriteUser(w, *u);
        last = u->email;
      }
    w.EndArray();
    if (ids.size() > static_cast<std::size_t>(limit)) w.Field("next", last);
    return w.EndObject().Take();
  });
  Json(ex, 200, std::move(body), {{http::field::cache_control, "no-store"}});
}

void PeopleHandler::ReplyUser(const ExPtr& ex, engine::UserId id, int status) {
  const auto reservations = reads_.ReservationsOf(id);
  const auto tickets = reads_.TicketsOf(id);
  std::string body = reads_.Read([&](const engine::EngineState& s) {
    const engine::User* u = s.FindUser(id);
    if (u == nullptr) return std::string();
    JsonWriter w;
    w.BeginObject().Key("user");
    views::WriteUser(w, *u);
    WriteReservations(w, s, reservations);
    w.Key("tickets").BeginArray();
    for (engine::TicketId t : tickets)
      if (const engine::Ticket* found = s.FindTicket(t)) WriteTicketForSupport(w, s, *found);
    w.EndArray();
    return w.EndObject().Take();
  });
  if (body.empty()) return Fail(ex, 404, "UNKNOWN_USER", "no user with id " + std::to_string(id));
  Json(ex, status, std::move(body), {{http::field::cache_control, "no-store"}});
}

void PeopleHandler::GetUser(const ExPtr& ex, std::string_view id_text) {
  if (!ctx_.Authenticate(ex, true)) return;
  auto id = IdParam(ex, id_text, "user");
  if (!id) return;
  ReplyUser(ex, *id, 200);
}

void PeopleHandler::SetDisabled(const ExPtr& ex, std::string_view id_text, bool disabled) {
  auto claims = ctx_.Authenticate(ex, true);
  if (!claims) return;
  auto id = IdParam(ex, id_text, "user");
  if (!id) return;
  auto reason = ReasonOf(ex, false);
  if (!reason) return;
  // (The engine's UNKNOWN_USER means a token's user and answers 401; here it is the target.)
  if (!reads_.Read([&](const engine::EngineState& s) { return s.HasUser(*id); }))
    return Fail(ex, 404, "UNKNOWN_USER", "no user with id " + std::to_string(*id));
  auto cmd = NewCommand(ex, *claims);
  if (!cmd) return;
  cmd->body = engine::SetAccountStatusCmd{*id, disabled, std::move(*reason)};
  ctx_.Submit(ex, std::move(*cmd), [this, ex, id = *id](const engine::Event& e) {
    if (engine::OutcomeOf(e).code != engine::ResultCode::kOk) return FailEvent(ex, e);
    ReplyUser(ex, id, 200);
  });
}

void PeopleHandler::FindReservations(const ExPtr& ex) {
  if (!ctx_.Authenticate(ex, true)) return;
  const std::string_view target = ex->req.target();
  const std::string_view id_text = QueryParam(target, "id");
  const auto email = http::PercentDecode(QueryParam(target, "email"));
  const std::string_view concert_text = QueryParam(target, "concert");
  if (!email) return Fail(ex, 422, "VALIDATION_FAILED", "email: not a valid percent-encoding");
  const int asked = !id_text.empty() + !email->empty() + !concert_text.empty();
  if (asked != 1)
    return Fail(ex, 422, "VALIDATION_FAILED",
                "give one of id, email, or concert with seat (or section, row and number)");
  std::vector<engine::ReservationId> ids;
  if (!id_text.empty()) {
    uint64_t id = 0;
    if (!ParseUint(id_text, &id))
      return Fail(ex, 422, "VALIDATION_FAILED", "id: must be a positive integer");
    ids.push_back(id);
  } else if (!email->empty()) {
    std::string normal = *email, why;
    if (!NormaliseEmail(&normal, &why)) return Fail(ex, 422, "VALIDATION_FAILED", "email: " + why);
    const auto user = reads_.Read([&](const engine::EngineState& s) -> engine::UserId {
      const engine::User* u = s.FindUserByEmail(normal);
      return u ? u->id : 0;
    });
    if (user != 0) ids = reads_.ReservationsOf(user);
  } else {
    uint64_t concert = 0, seat_id = 0, number = 0;
    const std::string_view seat_text = QueryParam(target, "seat");
    const auto section = http::PercentDecode(QueryParam(target, "section"));
    const auto row = http::PercentDecode(QueryParam(target, "row"));
    const std::string_view number_text = QueryParam(target, "number");
    if (!ParseUint(concert_text, &concert))
      return Fail(ex, 422, "VALIDATION_FAILED", "concert: must be a positive integer");
    const bool by_id = !seat_text.empty();
    if (by_id) {
      const auto [end, ec] = std::from_chars(seat_text.data(), seat_text.data() + seat_text.size(), seat_id);
      if (ec != std::errc() || end != seat_text.data() + seat_text.size())
        return Fail(ex, 422, "VALIDATION_FAILED", "seat: must be a seat id");
    }
    if (!by_id && (!section || !row || section->empty() || row->empty() ||
                   !ParseUint(number_text, &number) || number > 65535))
      return Fail(ex, 422, "VALIDATION_FAILED",
                  "seat: give the seat's id, or its section, row and number");
    bool concert_known = false, seat_known = false;
    reads_.Read([&](const engine::EngineState& s) {
      const engine::Concert* c = s.FindConcert(concert);
      if (c == nullptr) return 0;
      concert_known = true;
      std::optional<engine::SeatIndex> seat;
      if (by_id && seat_id < c->venue->seat_count()) seat = static_cast<engine::SeatIndex>(seat_id);
      if (!by_id) seat = engine::FindSeat(*c->venue, *section, *row, static_cast<uint32_t>(number));
      if (!seat) return 0;
      seat_known = true;
      const engine::SeatStatus st = c->seats.status(*seat);
      if (st == engine::SeatStatus::kHeld || st == engine::SeatStatus::kSold)
        ids.push_back(c->seats.owner(*seat));
      return 0;
    });
    if (!concert_known)
      return Fail(ex, 404, "UNKNOWN_CONCERT", "no concert with id " + std::to_string(concert));
    if (!seat_known) return Fail(ex, 404, "UNKNOWN_SEAT", "the concert's venue has no such seat");
  }
  std::reverse(ids.begin(), ids.end());  // newest first
  if (ids.size() > kMaxFound) ids.resize(kMaxFound);
  std::string body = reads_.Read([&](const engine::EngineState& s) {
    JsonWriter w;
    w.BeginObject();
    WriteReservations(w, s, ids);
    return w.EndObject().Take();
  });
  Json(ex, 200, std::move(body), {{http::field::cache_control, "no-store"}});
}

void PeopleHandler::RevokeTicket(const ExPtr& ex, std::string_view id_text) {
  auto claims = ctx_.Authenticate(ex, true);
  if (!claims) return;
  auto id = IdParam(ex, id_text, "ticket");
  if (!id) return;
  auto reason = ReasonOf(ex, true);
  if (!reason) return;
  auto cmd = NewCommand(ex, *claims);
  if (!cmd) return;
  cmd->body = engine::RevokeTicketCmd{*id, std::move(*reason)};
  ctx_.Submit(ex, std::move(*cmd), [this, ex, id = *id](const engine::Event& e) {
    if (engine::OutcomeOf(e).code != engine::ResultCode::kOk) return FailEvent(ex, e);
    std::string body = reads_.Read([&](const engine::EngineState& s) {
      const engine::Ticket* t = s.FindTicket(id);
      if (t == nullptr) return std::string("{}");
      JsonWriter w;
      WriteTicketForSupport(w, s, *t);
      return w.Take();
    });
    Json(ex, 200, std::move(body));
  });
}

}  // namespace cm::api
