#include "api/checkin_handler.h"

#include "api/replies.h"
#include "api/request_input.h"
#include "tickets/door_bundle.h"
#include "tickets/ticket_code.h"
#include "views/resource_json.h"

namespace cm::api {

using engine::Event;
using engine::ResultCode;

namespace {

constexpr std::size_t kMaxSyncScans = 1000;
constexpr std::size_t kMaxGatesCounted = 256;  // then "other": a label per gate, bounded

bool IsDoorAnswer(ResultCode c) {
  return c == ResultCode::kAlreadyUsed || c == ResultCode::kTicketRevoked ||
         c == ResultCode::kWrongConcert || c == ResultCode::kNotOpenYet ||
         c == ResultCode::kUnknownTicket || c == ResultCode::kScanAlreadyRecorded;
}

// The details a scanner shows with a refusal.
void WriteRefusal(JsonWriter& w, const engine::CommandRejected& r) {
  switch (r.code) {
    case ResultCode::kAlreadyUsed:
      w.Field("firstScanAt", json::FormatTime(static_cast<int64_t>(r.detail)))
          .Field("firstGate", r.reason);
      break;
    case ResultCode::kTicketRevoked:
      w.Field("currentVersion", r.detail);
      break;
    case ResultCode::kWrongConcert:
      w.Field("ticketConcertId", r.detail);
      break;
    case ResultCode::kNotOpenYet:
      w.Field("doorsOpenAt", json::FormatTime(static_cast<int64_t>(r.detail)));
      break;
    default:
      break;
  }
}

}  // namespace

std::optional<auth::AccessClaims> CheckinHandler::Staff(const ExPtr& ex) {
  auto claims = ctx_.Authenticate(ex, false);
  if (!claims) return std::nullopt;
  if (claims->role != engine::Role::kStaff && claims->role != engine::Role::kAdmin) {
    Fail(ex, 403, "STAFF_ONLY", "checking tickets in needs the STAFF or ADMIN role");
    return std::nullopt;
  }
  return claims;
}

void CheckinHandler::Count(std::string_view gate, std::string_view result) {
  std::lock_guard lock(metrics_mu_);
  if (result != "ADMITTED") {
    ++refused_by_reason_[std::string(result)];
    return;
  }
  auto it = admitted_by_gate_.find(gate);
  if (it == admitted_by_gate_.end())
    it = admitted_by_gate_.size() < kMaxGatesCounted
             ? admitted_by_gate_.emplace(std::string(gate), 0).first
             : admitted_by_gate_.try_emplace("other", 0).first;
  ++it->second;
}

void CheckinHandler::WriteMetrics(metrics::PrometheusText* out) const {
  std::lock_guard lock(metrics_mu_);
  out->Header("cm_checkins_total", "counter", "Tickets admitted at the door, by gate");
  for (const auto& [gate, n] : admitted_by_gate_)
    out->Sample("cm_checkins_total", metrics::Label("gate", gate), static_cast<double>(n));
  out->Header("cm_checkin_rejections_total", "counter",
              "Door scans that did not admit, by reason");
  for (const auto& [why, n] : refused_by_reason_)
    out->Sample("cm_checkin_rejections_total", metrics::Label("reason", why),
                static_cast<double>(n));
}

void CheckinHandler::CheckIn(const ExPtr& ex) {
  auto claims = Staff(ex);
  if (!claims) return;
  auto body = Body(ex);
  if (!body) return;
  FieldReader f(*body);
  std::string code, gate;
  int64_t concert = 0;
  f.String("code", &code, 1, 512) && f.String("gate", &gate, 1, engine::kMaxGateName) &&
      f.Int("concertId", &concert, 1, INT64_MAX);
  if (!f.ok()) return FailInput(ex, f.error());
  const auto claim = tickets::VerifyTicketCode(code, key_.public_key());
  if (!claim) {
    Count(gate, "INVALID_TICKET");
    JsonWriter w;
    w.BeginObject()
        .Field("result", "INVALID_TICKET")
        .Field("detail", "not a ticket code signed by this server")
        .EndObject();
    return Json(ex, 200, w.Take());
  }
  auto cmd = NewCommand(ex, *claims);
  if (!cmd) return;
  cmd->has_idem = false;  // a scan is answered by the state, not by a remembered first answer
  cmd->body = engine::CheckInCmd{claim->ticket, claim->concert, claim->seat, claim->version,
                                 static_cast<engine::ConcertId>(concert), gate, false, 0, {}};
  ctx_.Submit(ex, std::move(*cmd), [this, ex, gate, claim = *claim](const Event& e) {
    JsonWriter w;
    w.BeginObject();
    if (const auto* in = std::get_if<engine::TicketCheckedIn>(&e.body)) {
      Count(gate, "ADMITTED");
      w.Field("result", "ADMITTED")
          .Field("ticketId", in->ticket)
          .Field("gate", in->gate)
          .Field("at", json::FormatTime(in->scanned_at));
    } else if (const auto* r = std::get_if<engine::CommandRejected>(&e.body);
               r != nullptr && IsDoorAnswer(r->code)) {
      Count(gate, engine::ToString(r->code));
      w.Field("result", engine::ToString(r->code)).Field("ticketId", claim.ticket);
      WriteRefusal(w, *r);
    } else {
      return FailEvent(ex, e);
    }
    reads_.Read([&](const engine::EngineState& s) {
      if (const engine::Concert* c = s.FindConcert(claim.concert);
          c != nullptr && claim.seat < c->seats.size()) {
        w.Key("seat");
        views::WriteSeat(w, *c, claim.seat);
      }
      return 0;
    });
    w.EndObject();
    Json(ex, 200, w.Take());
  });
}

void CheckinHandler::Sync(const ExPtr& ex) {
  auto claims = Staff(ex);
  if (!claims) return;
  auto body = Body(ex);
  if (!body) return;
  FieldReader f(*body);
  std::string gate, device;
  int64_t concert = 0;
  f.String("gate", &gate, 1, engine::kMaxGateName) && f.Int("concertId", &concert, 1, INT64_MAX) &&
      (!f.Has("device") || f.String("device", &device, 1, engine::kMaxDeviceName));
  if (!f.ok()) return FailInput(ex, f.error());
  simdjson::dom::array scans;
  if ((*body)["scans"].get(scans) != simdjson::SUCCESS || scans.size() == 0 ||
      scans.size() > kMaxSyncScans)
    return Fail(ex, Problem(422, "VALIDATION_FAILED",
                            "scans: give 1 to " + std::to_string(kMaxSyncScans) +
                                " objects {code, scannedAt (epoch ms)}")
                        .With([](JsonWriter& w) { w.Field("field", "scans"); }));
  // Each scan: its code's claim (if the signature holds) and the command that records it.
  std::vector<std::optional<tickets::TicketClaim>> claims_of;
  std::vector<engine::Command> cmds;
  std::vector<std::size_t> cmd_of;  // scan index -> command index, or SIZE_MAX
  for (simdjson::dom::element scan : scans) {
    simdjson::dom::object o;
    std::string_view code;
    int64_t at = 0;
    if (scan.get(o) != simdjson::SUCCESS || o["code"].get(code) != simdjson::SUCCESS ||
        o["scannedAt"].get(at) != simdjson::SUCCESS || code.size() > 512 || at <= 0)
      return Fail(ex, Problem(422, "VALIDATION_FAILED",
                              "scans[" + std::to_string(claims_of.size()) +
                                  "]: needs code (string) and scannedAt (epoch ms, > 0)")
                          .With([](JsonWriter& w) { w.Field("field", "scans"); }));
    claims_of.push_back(tickets::VerifyTicketCode(code, key_.public_key()));
    if (!claims_of.back()) {
      cmd_of.push_back(SIZE_MAX);
      continue;
    }
    const tickets::TicketClaim& c = *claims_of.back();
    auto cmd = NewCommand(ex, *claims);
    if (!cmd) return;
    cmd->body = engine::CheckInCmd{c.ticket, c.concert, c.seat, c.version,
                                   static_cast<engine::ConcertId>(concert), gate, true, at, device};
    cmd_of.push_back(cmds.size());
    cmds.push_back(std::move(*cmd));
  }
  ctx_.SubmitAll(ex, std::move(cmds), [this, ex, gate, claims_of = std::move(claims_of),
                                       cmd_of = std::move(cmd_of)](std::vector<Event> answers) {
    JsonWriter w;
    uint64_t recorded = 0, conflicts = 0;
    w.BeginObject().Key("results").BeginArray();
    for (std::size_t i = 0; i < claims_of.size(); ++i) {
      w.BeginObject();
      if (cmd_of[i] == SIZE_MAX) {
        w.Field("result", "INVALID_TICKET").EndObject();
        continue;
      }
      w.Field("ticketId", claims_of[i]->ticket);
      const Event& e = answers[cmd_of[i]];
      if (const auto* in = std::get_if<engine::TicketCheckedIn>(&e.body)) {
        ++recorded;
        Count(gate, "ADMITTED");
        w.Field("result", "RECORDED").Field("at", json::FormatTime(in->scanned_at));
      } else if (const auto* c = std::get_if<engine::CheckInConflict>(&e.body)) {
        ++conflicts;
        w.Field("result", "CONFLICT").Field("why", engine::ToString(c->why));
        if (!c->first_gate.empty())
          w.Field("firstGate", c->first_gate).Field("firstScanAt", json::FormatTime(c->first_at));
      } else if (const auto* r = std::get_if<engine::CommandRejected>(&e.body)) {
        w.Field("result", engine::ToString(r->code));
        if (!r->reason.empty()) w.Field("detail", r->reason);
      } else {
        w.Field("result", "UNEXPECTED");
      }
      w.EndObject();
    }
    w.EndArray().Field("recorded", recorded).Field("conflicts", conflicts).EndObject();
    Json(ex, 200, w.Take());
  });
}

void CheckinHandler::Bundle(const ExPtr& ex) {
  auto claims = Staff(ex);
  if (!claims) return;
  int64_t concert = 0;
  if (!QueryNumber(ex, "concert", 0, 1, INT64_MAX, &concert)) return;
  auto body = reads_.Read([&](const engine::EngineState& s) -> std::optional<std::string> {
    if (s.FindConcert(static_cast<engine::ConcertId>(concert)) == nullptr) return std::nullopt;
    return tickets::ExportDoorBundle(s, static_cast<engine::ConcertId>(concert),
                                     key_.public_key(), json::FormatTime(ex->received_ms));
  });
  if (!body) return Fail(ex, 404, "UNKNOWN_CONCERT", "no concert with id " + std::to_string(concert));
  Json(ex, 200, std::move(*body), {{http::field::cache_control, "no-store"}});
}

void CheckinHandler::Conflicts(const ExPtr& ex) {
  auto claims = Staff(ex);
  if (!claims) return;
  int64_t concert = 0, page = 0, size = 0;
  if (!QueryNumber(ex, "concert", 0, 0, INT64_MAX, &concert) || !Paging(ex, &page, &size)) return;
  std::string body = reads_.Read([&](const engine::EngineState& s) {
    // Every conflict, or one concert's: positions in s.conflicts(), oldest first.
    const std::size_t all = s.conflicts().size();
    const auto of = s.ConflictsOf(static_cast<engine::ConcertId>(concert));
    const std::size_t total = concert == 0 ? all : of.size();
    JsonWriter w;
    w.BeginObject().Key("conflicts").BeginArray();
    const auto first = static_cast<std::size_t>(page * size);
    for (std::size_t i = first; i < total && i < first + static_cast<std::size_t>(size); ++i) {
      const engine::EngineState::Conflict& c = s.conflicts()[concert == 0 ? i : of[i]];
      w.BeginObject()
          .Field("seq", c.seq)
          .Field("recordedAt", json::FormatTime(c.recorded_at))
          .Field("ticketId", c.what.ticket)
          .Field("concertId", c.what.concert)
          .Field("gate", c.what.gate)
          .Field("scannedAt", json::FormatTime(c.what.scanned_at))
          .Field("why", engine::ToString(c.what.why));
      if (!c.what.first_gate.empty())
        w.Field("firstGate", c.what.first_gate)
            .Field("firstScanAt", json::FormatTime(c.what.first_at));
      if (!c.what.device.empty()) w.Field("device", c.what.device);
      w.EndObject();
    }
    w.EndArray()
        .Field("page", page)
        .Field("size", size)
        .Field("total", static_cast<uint64_t>(total))
        .EndObject();
    return w.Take();
  });
  Json(ex, 200, std::move(body), {{http::field::cache_control, "no-store"}});
}

}  // namespace cm::api
