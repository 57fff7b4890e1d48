#include "api/tickets_handler.h"

#include "api/replies.h"
#include "api/request_input.h"
#include "tickets/qr_svg.h"
#include "tickets/ticket_code.h"
#include "views/resource_json.h"

namespace cm::api {

using engine::Event;

namespace {

tickets::TicketClaim ClaimOf(const engine::Ticket& t) {
  return tickets::TicketClaim{t.id, t.concert, t.seat, t.version};
}

// Authenticates, reads the ticket id, submits `make(id)`; `reply` gets the event the command
// made (null when a retry repeats the first answer) and the ticket. Anything else is a refusal.
template <class Made, class Reply>
void SubmitForTicket(RequestContext& ctx, const ExPtr& ex, std::string_view id_text,
                     engine::CommandBody (*make)(engine::TicketId), Reply reply) {
  auto claims = ctx.Authenticate(ex, false);
  if (!claims) return;
  auto id = IdParam(ex, id_text, "ticket");
  if (!id) return;
  auto cmd = NewCommand(ex, *claims);
  if (!cmd) return;
  cmd->body = make(*id);
  ctx.Submit(ex, std::move(*cmd), [ex, reply = std::move(reply)](const Event& e) {
    const auto* made = std::get_if<Made>(&e.body);
    const auto* again = std::get_if<engine::DuplicateCommand>(&e.body);
    if (made == nullptr && !(again && again->code == engine::ResultCode::kOk))
      return FailEvent(ex, e);
    reply(made, made ? made->ticket : again->ref);
  });
}

}  // namespace

void TicketsHandler::PublicKey(const ExPtr& ex) {
  JsonWriter w;
  w.BeginObject()
      .Field("algorithm", "Ed25519")
      .Field("publicKey", tickets::PublicKeyText(key_.public_key()))
      .Field("encoding", "base64url, no padding")
      .Field("codeFormat",
             "CM1 + base64url(varint ticket, concert, seat, version | 64-byte signature over "
             "'concertmania-ticket/1' + those varints)")
      .EndObject();
  Json(ex, 200, w.Take(), {{http::field::cache_control, "public, max-age=300"}});
}

std::optional<engine::Ticket> TicketsHandler::Visible(const ExPtr& ex,
                                                      const auth::AccessClaims& claims,
                                                      engine::TicketId id) {
  auto t = reads_.Read([&](const engine::EngineState& s) -> std::optional<engine::Ticket> {
    const engine::Ticket* found = s.FindTicket(id);
    return found ? std::optional(*found) : std::nullopt;
  });
  if (!t || (t->holder != claims.sub && claims.role != engine::Role::kAdmin)) {
    Fail(ex, 404, "UNKNOWN_TICKET", "no ticket with id " + std::to_string(id));
    return std::nullopt;
  }
  return t;
}

std::string TicketsHandler::Render(const engine::Ticket& t) {
  const std::string code = t.state == engine::TicketState::kRevoked
                               ? std::string()
                               : tickets::EncodeTicketCode(ClaimOf(t), key_);
  return reads_.Read([&](const engine::EngineState& s) {
    JsonWriter w;
    w.BeginObject()
        .Field("id", t.id)
        .Field("concertId", t.concert)
        .Field("reservationId", t.reservation)
        .Field("holderId", t.holder)
        .Field("version", t.version)
        .Field("status", engine::ToString(t.state));
    if (const engine::Concert* c = s.FindConcert(t.concert)) {
      w.Field("concertTitle", c->spec->title)
          .Field("startsAt", json::FormatTime(c->spec->starts_at))
          .Field("doorsOpenAt", json::FormatTime(c->spec->doors_open_at));
      w.Key("seat");
      views::WriteSeat(w, *c, t.seat);
    }
    if (t.state == engine::TicketState::kCheckedIn)
      w.Field("checkedInAt", json::FormatTime(t.checked_in_at)).Field("gate", t.gate);
    if (!t.offer_to.empty()) {
      w.Key("offer").BeginObject().Field("to", t.offer_to);
      w.Field("offeredAt", json::FormatTime(t.offered_at)).EndObject();
    }
    if (!code.empty())
      w.Field("code", code).Field("qr", "/api/tickets/" + std::to_string(t.id) + "/qr.svg");
    w.EndObject();
    return w.Take();
  });
}

void TicketsHandler::MyTickets(const ExPtr& ex) {
  auto claims = ctx_.Authenticate(ex, false);
  if (!claims) return;
  const auto ids = reads_.TicketsOf(claims->sub);
  std::string body = "{\"tickets\":[";
  bool first = true;
  for (engine::TicketId id : ids) {
    auto t = reads_.Read([&](const engine::EngineState& s) -> std::optional<engine::Ticket> {
      const engine::Ticket* found = s.FindTicket(id);
      return found ? std::optional(*found) : std::nullopt;
    });
    if (!t || t->holder != claims->sub) continue;
    if (!first) body.push_back(',');
    first = false;
    body += Render(*t);
  }
  body += "]}";
  Json(ex, 200, std::move(body), {{http::field::cache_control, "no-store"}});
}

void TicketsHandler::GetTicket(const ExPtr& ex, std::string_view id_text) {
  auto claims = ctx_.Authenticate(ex, false);
  if (!claims) return;
  auto id = IdParam(ex, id_text, "ticket");
  if (!id) return;
  auto t = Visible(ex, *claims, *id);
  if (!t) return;
  Json(ex, 200, Render(*t), {{http::field::cache_control, "no-store"}});
}

void TicketsHandler::GetQr(const ExPtr& ex, std::string_view id_text) {
  auto claims = ctx_.Authenticate(ex, false);
  if (!claims) return;
  auto id = IdParam(ex, id_text, "ticket");
  if (!id) return;
  auto t = Visible(ex, *claims, *id);
  if (!t) return;
  if (t->state == engine::TicketState::kRevoked)
    return Fail(ex, 409, "REVOKED", "the ticket is revoked; it has no code");
  auto svg = tickets::QrSvg(tickets::EncodeTicketCode(ClaimOf(*t), key_));
  if (!svg) return Fail(ex, 500, "QR_FAILED", "the code does not fit in a QR code");
  Response res{http::status::ok, ex->req.version()};
  res.set(http::field::content_type, "image/svg+xml");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(ex->req.keep_alive());
  res.body() = std::move(*svg);
  res.prepare_payload();
  ex->responder->Send(std::move(res));
}

void TicketsHandler::Transfer(const ExPtr& ex, std::string_view id_text) {
  auto claims = ctx_.Authenticate(ex, false);
  if (!claims) return;
  auto id = IdParam(ex, id_text, "ticket");
  if (!id) return;
  auto body = Body(ex);
  if (!body) return;
  FieldReader f(*body);
  std::string email, why;
  f.String("email", &email, 3, 254);
  if (f.ok() && !NormaliseEmail(&email, &why)) f.Fail("email", why);
  if (!f.ok()) return FailInput(ex, f.error());
  auto cmd = NewCommand(ex, *claims);
  if (!cmd) return;
  cmd->body = engine::TransferTicketCmd{*id, email};
  // 202 and the same body whether or not anyone has that email: the offer waits for them.
  ctx_.Submit(ex, std::move(*cmd), [ex, email](const Event& e) {
    const auto* offered = std::get_if<engine::TicketOffered>(&e.body);
    const auto* again = std::get_if<engine::DuplicateCommand>(&e.body);
    if (offered == nullptr && !(again && again->code == engine::ResultCode::kOk))
      return FailEvent(ex, e);
    JsonWriter w;
    w.BeginObject()
        .Field("ticketId", offered ? offered->ticket : again->ref)
        .Field("to", email)
        .Field("status", "OFFERED")
        .EndObject();
    Json(ex, 202, w.Take());
  });
}

void TicketsHandler::AcceptTransfer(const ExPtr& ex, std::string_view id_text) {
  SubmitForTicket<engine::TicketTransferred>(
      ctx_, ex, id_text, [](engine::TicketId id) -> engine::CommandBody {
        return engine::AcceptTransferCmd{id};
      },
      [ex](const engine::TicketTransferred* moved, engine::TicketId ticket) {
        JsonWriter w;
        w.BeginObject().Field("ticketId", ticket);
        if (moved) w.Field("version", moved->version);
        w.Field("status", "TRANSFERRED").EndObject();
        Json(ex, 200, w.Take());
      });
}

void TicketsHandler::EndTransferOffer(const ExPtr& ex, std::string_view id_text) {
  SubmitForTicket<engine::TicketOfferEnded>(
      ctx_, ex, id_text, [](engine::TicketId id) -> engine::CommandBody {
        return engine::EndTransferOfferCmd{id};
      },
      [ex](const engine::TicketOfferEnded*, engine::TicketId ticket) {
        JsonWriter w;
        w.BeginObject().Field("ticketId", ticket).Field("status", "OFFER_ENDED").EndObject();
        Json(ex, 200, w.Take());
      });
}

void TicketsHandler::OffersToMe(const ExPtr& ex) {
  auto claims = ctx_.Authenticate(ex, false);
  if (!claims) return;
  std::string body = reads_.Read([&](const engine::EngineState& s) {
    JsonWriter w;
    w.BeginObject().Key("offers").BeginArray();
    const engine::User* me = s.FindUser(claims->sub);
    for (engine::TicketId id : me ? s.OffersTo(me->email) : std::span<const engine::TicketId>()) {
      const engine::Ticket& t = *s.FindTicket(id);
      const engine::Concert* c = s.FindConcert(t.concert);
      // Past the cutoff it cannot be taken any more: not an offer to show.
      if (c == nullptr || s.clock() >= c->spec->starts_at - c->spec->transfer_cutoff_ms) continue;
      const engine::User* from = s.FindUser(t.holder);
      w.BeginObject()
          .Field("ticketId", t.id)
          .Field("concertId", t.concert)
          .Field("from", from ? from->email : std::string())
          .Field("offeredAt", json::FormatTime(t.offered_at));
      const engine::ConcertSpec& spec = *c->spec;
      w.Field("concertTitle", spec.title)
          .Field("startsAt", json::FormatTime(spec.starts_at))
          .Field("acceptBy", json::FormatTime(spec.starts_at - spec.transfer_cutoff_ms));
      w.Key("seat");
      views::WriteSeat(w, *c, t.seat);
      w.EndObject();
    }
    w.EndArray().EndObject();
    return w.Take();
  });
  Json(ex, 200, std::move(body), {{http::field::cache_control, "no-store"}});
}

}  // namespace cm::api
