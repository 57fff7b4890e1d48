// Reservations: hold seats (explicit or best-available), read one, cancel one.
#include "api/reservations_handler.h"

#include "api/replies.h"
#include "api/request_input.h"
#include "api/resource_replies.h"
#include "engine/hold_precheck.h"
#include "views/resource_json.h"

namespace cm::api {


using engine::Event;

void ReservationsHandler::WriteMetrics(metrics::PrometheusText* out) const {
  out->Counter("cm_holds_refused_at_gateway_total",
               "Holds refused for a taken seat from the read model, without the engine",
               taken_at_gateway_);
}

void ReservationsHandler::CreateReservation(const ExPtr& ex, std::string_view concert_text) {
  auto claims = ctx_.Authenticate(ex, false);
  if (!claims) return;
  auto concert = IdParam(ex, concert_text, "concert");
  if (!concert) return;
  if (!CheckAdmission(ex, *claims, *concert)) return;
  int retry_after = 1;
  if (!hold_limiter_.Allow(claims->sub, ex->received_ms, &retry_after))
    return TryLater(ex, 429, "RATE_LIMITED", "too many reservation requests; slow down",
                    retry_after);
  auto body = Body(ex);
  if (!body) return;
  FieldReader f(*body);
  auto cmd = NewCommand(ex, *claims);
  if (!cmd) return;
  if (f.Has("seatIds")) {
    if (f.Has("accessible")) {
      f.Fail("accessible", "is for best-available (count); explicit seats are what they are");
      return FailInput(ex, f.error());
    }
    std::vector<int64_t> ids;
    if (!f.IntArray("seatIds", &ids, 1, engine::kMaxSeatsPerHold, 0, UINT32_MAX))
      return FailInput(ex, f.error());
    engine::HoldSeatsCmd hold{*concert, {}, static_cast<uint8_t>(ids.size())};
    for (int64_t s : ids) hold.seats.push_back(static_cast<engine::SeatIndex>(s));
    // The on-sale's most common answer, given here when the read model already shows it.
    if (!cmd->has_idem && ctx_.engine().TakesWrites()) {
      const auto taken = reads_.Read([&](const engine::EngineState& s) {
        return engine::TakenSeatsRefusal(s, claims->sub, claims->role == engine::Role::kAdmin,
                                         hold, ex->received_ms);
      });
      if (taken) {
        Event refusal;
        engine::CommandRejected& r = refusal.body.emplace<engine::CommandRejected>();
        r.command = engine::CommandType::kHoldSeats;
        r.code = engine::ResultCode::kSeatNotAvailable;
        r.seats = *taken;
        r.detail = r.seats[0];
        taken_at_gateway_.fetch_add(1, std::memory_order_relaxed);
        return FailEvent(ex, refusal);
      }
    }
    cmd->body = hold;
  } else if (f.Has("count")) {
    int64_t count = 0;
    std::string grade, section;
    bool accessible = false;
    if (!f.Int("count", &count, 1, engine::kMaxSeatsPerHold)) return FailInput(ex, f.error());
    if (f.Has("accessible") && (*body)["accessible"].get(accessible) != simdjson::SUCCESS) {
      f.Fail("accessible", "must be true or false");
      return FailInput(ex, f.error());
    }
    if (f.Has("grade") && !f.String("grade", &grade, 1, 32)) return FailInput(ex, f.error());
    if (f.Has("section") && !f.String("section", &section, 1, 64)) return FailInput(ex, f.error());
    // Grade and section names become the venue's indexes; the venue never changes.
    int grade_index = engine::kAnyGrade, section_index = engine::kAnySection;
    const bool known = reads_.Read([&](const engine::EngineState& s) {
      const engine::Concert* c = s.FindConcert(*concert);
      if (c == nullptr) return false;
      const auto& spec = *c->venue->spec;
      for (std::size_t g = 0; g < spec.grades.size(); ++g)
        if (spec.grades[g] == grade) grade_index = static_cast<int>(g);
      for (std::size_t k = 0; k < spec.sections.size(); ++k)
        if (spec.sections[k].name == section) section_index = static_cast<int>(k);
      return true;
    });
    if (!known)
      return Fail(ex, 404, "UNKNOWN_CONCERT", "no concert with id " + std::to_string(*concert));
    if (!grade.empty() && grade_index == engine::kAnyGrade)
      return Fail(
          ex, Problem(422, "UNKNOWN_GRADE", "grade: '" + grade + "' is not a grade of this venue")
                  .With([](JsonWriter& w) { w.Field("field", "grade"); }));
    if (!section.empty() && section_index == engine::kAnySection)
      return Fail(ex, Problem(422, "UNKNOWN_SECTION",
                              "section: '" + section + "' is not a section of this venue")
                          .With([](JsonWriter& w) { w.Field("field", "section"); }));
    cmd->body = engine::HoldBestAvailableCmd{*concert, static_cast<uint32_t>(count), grade_index,
                                             section_index, accessible};
  } else {
    return Fail(ex, Problem(422, "VALIDATION_FAILED",
                            "give either seatIds (explicit seats) or count, with an optional "
                            "grade and section (best available)")
                        .With([](JsonWriter& w) { w.Field("field", "seatIds"); }));
  }
  // Last, so a request the gateway answers itself (a taken seat, a bad body) spends no solution.
  if (!pow_.Pass(ex, *claims, *concert, PowGate::Step::kHold, *cmd)) return;
  ctx_.Submit(ex, std::move(*cmd), [this, ex](const Event& e) {
    if (const auto* h = std::get_if<engine::HoldPlaced>(&e.body))
      return ReplyReservation(ex, reads_, h->reservation, 201, false);
    if (const auto* d = std::get_if<engine::DuplicateCommand>(&e.body);
        d && d->code == engine::ResultCode::kOk)
      return ReplyReservation(ex, reads_, d->ref, 201, true);
    FailEvent(ex, e);
  });
}

void ReservationsHandler::GetReservation(const ExPtr& ex, std::string_view id_text) {
  auto claims = ctx_.Authenticate(ex, false);
  if (!claims) return;
  auto id = IdParam(ex, id_text, "reservation");
  if (!id) return;
  const auto owner =
      reads_.Read([&](const engine::EngineState& s) -> std::optional<engine::UserId> {
        const engine::Reservation* r = s.FindReservation(*id);
        return r ? std::optional(r->user) : std::nullopt;
      });
  // Someone else's reservation answers exactly like a missing one, so ids cannot be probed.
  if (!owner || (*owner != claims->sub && claims->role != engine::Role::kAdmin))
    return Fail(ex, 404, "UNKNOWN_RESERVATION", "no reservation with id " + std::to_string(*id));
  ReplyReservation(ex, reads_, *id, 200, false);
}

void ReservationsHandler::CancelReservation(const ExPtr& ex, std::string_view id_text) {
  auto claims = ctx_.Authenticate(ex, false);
  if (!claims) return;
  auto id = IdParam(ex, id_text, "reservation");
  if (!id) return;
  // Releases share the holds' bucket: hold-release churn costs the same as holding.
  int retry_after = 1;
  if (!hold_limiter_.Allow(claims->sub, ex->received_ms, &retry_after))
    return TryLater(ex, 429, "RATE_LIMITED", "too many reservation requests; slow down",
                    retry_after);
  auto cmd = NewCommand(ex, *claims);
  if (!cmd) return;
  cmd->body = engine::ReleaseHoldCmd{*id};
  ctx_.Submit(ex, std::move(*cmd), [this, ex, id = *id](const Event& e) {
    if (engine::OutcomeOf(e).code != engine::ResultCode::kOk) return FailEvent(ex, e);
    ReplyReservation(ex, reads_, id, 200, false);
  });
}

void ReservationsHandler::CancelPaid(const ExPtr& ex, std::string_view id_text) {
  auto claims = ctx_.Authenticate(ex, false);
  if (!claims) return;
  auto id = IdParam(ex, id_text, "reservation");
  if (!id) return;
  auto cmd = NewCommand(ex, *claims);
  if (!cmd) return;
  cmd->body = engine::CancelReservationCmd{*id};
  ctx_.Submit(ex, std::move(*cmd), [ex, id = *id](const Event& e) {
    const auto* c = std::get_if<engine::ReservationCancelled>(&e.body);
    const auto* again = std::get_if<engine::DuplicateCommand>(&e.body);
    if (c == nullptr && !(again && again->code == engine::ResultCode::kOk))
      return FailEvent(ex, e);
    JsonWriter w;
    w.BeginObject().Field("id", id).Field("status", "REFUNDED");
    // The refund runs through the payment saga: GET /api/payments/{id} follows it.
    if (c) w.Field("refund", c->refund).Field("fee", c->fee);
    w.Field("ticketsRevoked", true).EndObject();
    Json(ex, 200, w.Take());
  });
}

void ReservationsHandler::ExtendHold(const ExPtr& ex, std::string_view id_text) {
  auto claims = ctx_.Authenticate(ex, false);
  if (!claims) return;
  auto id = IdParam(ex, id_text, "reservation");
  if (!id) return;
  auto cmd = NewCommand(ex, *claims);
  if (!cmd) return;
  cmd->body = engine::ExtendHoldCmd{*id};
  ctx_.Submit(ex, std::move(*cmd), [this, ex, id = *id](const Event& e) {
    if (engine::OutcomeOf(e).code != engine::ResultCode::kOk) return FailEvent(ex, e);
    ReplyReservation(ex, reads_, id, 200, false);
  });
}

bool ReservationsHandler::CheckAdmission(const ExPtr& ex, const AccessClaims& claims,
                                         engine::ConcertId concert) {
  if (claims.role == engine::Role::kAdmin) return true;  // staff sell at the box office
  const bool admitted = reads_.Read([&](const engine::EngineState& s) {
    const engine::Concert* c = s.FindConcert(concert);
    return c == nullptr || c->room == nullptr || c->room->IsAdmitted(claims.sub);
  });
  if (admitted) return true;
  Fail(ex, Problem(403, "QUEUE_ADMISSION_REQUIRED",
                   "this concert sells through a waiting room: join it with POST "
                   "/api/v1/concerts/" +
                       std::to_string(concert) + "/queue and hold seats once admitted")
               .With([&](JsonWriter& w) {
                 w.Field("queue", "/api/v1/concerts/" + std::to_string(concert) + "/queue");
               }));
  return false;
}

}  // namespace cm::api
