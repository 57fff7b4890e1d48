#include "gateway/api.h"

#include <spdlog/spdlog.h>

#include <charconv>

#include "gateway/credentials.h"

namespace cm::gateway {

using engine::Event;
using engine::EventType;

Api::Api(ApiOptions options, EnginePort& engine, readmodel::ReadModel& reads, const JwtCodec& jwt,
         ReplyRouter& replies, QueuePresence* presence, const QueueStats* queue_stats)
    : options_(std::move(options)),
      engine_(engine),
      reads_(reads),
      jwt_(jwt),
      replies_(replies),
      presence_(presence),
      queue_stats_(queue_stats),
      hold_limiter_(options_.hold_rate_per_s, options_.hold_burst),
      login_ip_limiter_(options_.login_rate_per_ip, options_.login_burst_per_ip),
      signup_ip_limiter_(options_.signup_rate_per_ip, options_.signup_burst_per_ip),
      login_backoff_(options_.login_free_attempts, options_.login_backoff_base_ms,
                     options_.login_backoff_cap_ms),
      dummy_hash_(HashPassword("not-a-real-password-only-for-timing")),
      passwords_(std::make_unique<PasswordPool>(options_.password_threads,
                                                options_.password_queue)) {
  AddRoutes();
  std::vector<std::string> names;
  for (const auto& r : router_.routes()) names.push_back(r->name);
  http_metrics_ = std::make_unique<HttpMetrics>(std::move(names));
}

Api::~Api() { passwords_->Stop(); }

void Api::WriteMetrics(metrics::PrometheusText* out) const {
  http_metrics_->Write(out);
  passwords_->WriteMetrics(out);
  out->Counter("cm_edge_refusals_total",
               "Requests refused by the per-address limits and the login backoff (429)",
               edge_refusals_);
  out->Single("cm_login_backoff_accounts", "gauge", "Accounts with recent login attempts tracked",
              static_cast<double>(login_backoff_.tracked()));
  for (const auto& source : metric_sources_) source(out);
}

void Api::AddRoutes() {
  using V = http::verb;
  auto r = [this](V m, std::string pattern, auto fn) { router_.Add(m, std::move(pattern), fn); };
  r(V::post, "/api/users/signup", [this](const ExPtr& ex, const PathParams&) { Signup(ex); });
  r(V::post, "/api/users/login", [this](const ExPtr& ex, const PathParams&) { Login(ex); });
  r(V::post, "/api/users/refresh", [this](const ExPtr& ex, const PathParams&) { Refresh(ex); });
  r(V::post, "/api/users/logout", [this](const ExPtr& ex, const PathParams&) { Logout(ex); });
  r(V::get, "/api/users/me", [this](const ExPtr& ex, const PathParams&) { Me(ex); });
  r(V::get, "/api/users/me/reservations",
    [this](const ExPtr& ex, const PathParams&) { MyReservations(ex); });
  r(V::post, "/api/admin/venues", [this](const ExPtr& ex, const PathParams&) { CreateVenue(ex); });
  r(V::post, "/api/admin/concerts",
    [this](const ExPtr& ex, const PathParams&) { CreateConcert(ex); });
  r(V::post, "/api/admin/concerts/{id}/open",
    [this](const ExPtr& ex, const PathParams& p) { SetSales(ex, p[0], true); });
  r(V::post, "/api/admin/concerts/{id}/close",
    [this](const ExPtr& ex, const PathParams& p) { SetSales(ex, p[0], false); });
  r(V::post, "/api/admin/reservations/{id}/confirm",
    [this](const ExPtr& ex, const PathParams& p) { AdminSettle(ex, p[0], true); });
  r(V::post, "/api/admin/reservations/{id}/refund",
    [this](const ExPtr& ex, const PathParams& p) { AdminSettle(ex, p[0], false); });
  r(V::get, "/api/concerts", [this](const ExPtr& ex, const PathParams&) { ListConcerts(ex); });
  r(V::get, "/api/concerts/{id}",
    [this](const ExPtr& ex, const PathParams& p) { GetConcert(ex, p[0]); });
  r(V::get, "/api/concerts/{id}/seats",
    [this](const ExPtr& ex, const PathParams& p) { GetSeats(ex, p[0]); });
  r(V::post, "/api/v1/concerts/{concertId}/reservations",
    [this](const ExPtr& ex, const PathParams& p) { CreateReservation(ex, p[0]); });
  r(V::get, "/api/reservations/{id}",
    [this](const ExPtr& ex, const PathParams& p) { GetReservation(ex, p[0]); });
  r(V::delete_, "/api/reservations/{id}",
    [this](const ExPtr& ex, const PathParams& p) { CancelReservation(ex, p[0]); });
  r(V::post, "/api/payments", [this](const ExPtr& ex, const PathParams&) { CreatePayment(ex); });
  r(V::get, "/api/payments/{id}",
    [this](const ExPtr& ex, const PathParams& p) { GetPayment(ex, p[0]); });
  r(V::post, "/api/v1/concerts/{concertId}/queue",
    [this](const ExPtr& ex, const PathParams& p) { JoinQueue(ex, p[0]); });
  r(V::get, "/api/v1/concerts/{concertId}/queue/me",
    [this](const ExPtr& ex, const PathParams& p) { GetQueueTicket(ex, p[0]); });
  r(V::delete_, "/api/v1/concerts/{concertId}/queue/me",
    [this](const ExPtr& ex, const PathParams& p) { LeaveQueue(ex, p[0]); });
  AddOpsRoutes();
  AddWebRoutes();
}

void Api::Handle(const ExPtr& ex) {
  const std::string_view path = PathOf(ex->req.target());
  Router::Match m = router_.Find(ex->req.method(), path);
  if (m.route == nullptr) {
    if (!m.allow.empty()) {
      return Fail(ex, Problem(405, "METHOD_NOT_ALLOWED",
                              std::string(ex->req.method_string()) + " is not allowed on " +
                                  std::string(path) + "; allowed: " + m.allow)
                          .Header(http::field::allow, m.allow));
    }
    return Fail(ex, 404, "NOT_FOUND", "no route for " + std::string(path));
  }
  for (std::size_t i = 0; i < router_.routes().size(); ++i)
    if (router_.routes()[i].get() == m.route) ex->route = i;
  try {
    m.route->handler(ex, m.params);
  } catch (const std::exception& e) {
    spdlog::error("request {} {} failed: {}", ex->request_id, m.route->name, e.what());
    Fail(ex, 500, "INTERNAL_ERROR", "the server failed to handle the request");
  }
}

void Api::Observe(const Exchange& ex, const Response& res) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - ex.started)
                          .count();
  http_metrics_->Observe(ex.route, static_cast<int>(res.result_int()),
                         static_cast<uint64_t>(micros));
  if (access_log_ != nullptr) {
    JsonWriter w;
    w.BeginObject()
        .Field("ts", FormatTime(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count()))
        .Field("request_id", ex.request_id)
        .Field("remote", ex.remote)
        .Field("method", std::string_view(ex.req.method_string()))
        .Field("path", PathOf(ex.req.target()))
        .Field("status", res.result_int())
        .Field("duration_us", static_cast<int64_t>(micros))
        .Field("bytes", static_cast<uint64_t>(res.body().size()));
    if (ex.user != 0) w.Field("user", ex.user);
    w.EndObject();
    access_log_->Write(w.str());
  }
}

void Api::Json(const ExPtr& ex, int status, std::string body,
               std::initializer_list<std::pair<http::field, std::string>> headers) {
  Response res{static_cast<http::status>(status), ex->req.version()};
  res.set(http::field::content_type, "application/json");
  for (const auto& [f, v] : headers) res.set(f, v);
  res.keep_alive(ex->req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  ex->responder->Send(std::move(res));
}

void Api::Fail(const ExPtr& ex, Problem p) {
  ex->responder->Send(std::move(p).Build(ex->req.version(), ex->req.keep_alive()));
}

void Api::Fail(const ExPtr& ex, int status, std::string_view code, std::string_view detail) {
  Fail(ex, Problem(status, code, detail));
}

void Api::FailInput(const ExPtr& ex, const InputError& err) {
  Problem p(err.status, err.code, err.detail);
  if (!err.field.empty()) p.With([&](JsonWriter& w) { w.Field("field", err.field); });
  Fail(ex, std::move(p));
}

void Api::TryLater(const ExPtr& ex, int status, std::string_view code, std::string_view detail,
                   int retry_after_s) {
  Fail(ex, Problem(status, code, detail)
               .Header(http::field::retry_after, std::to_string(std::max(1, retry_after_s))));
}

void Api::FailEvent(const ExPtr& ex, const Event& e) {
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
  if (detail.empty()) {
    switch (code) {
      case engine::ResultCode::kSeatNotAvailable: detail = "some of the seats are taken"; break;
      case engine::ResultCode::kSeatLimitExceeded:
        detail = "the per-user seat limit would be exceeded; you may take " +
                 std::to_string(detail_value) + " more";
        break;
      case engine::ResultCode::kEmailTaken: detail = "the email is already registered"; break;
      case engine::ResultCode::kSeatCooldown:
        detail = "you gave up some of these seats moments ago; they are open to everyone else "
                 "until " + FormatTime(static_cast<int64_t>(detail_value));
        break;
      default: detail = std::string(engine::ToString(code));
    }
  }
  Problem p(HttpStatusOf(code), engine::ToString(code), detail);
  if (seats != nullptr) {
    p.With([&](JsonWriter& w) {
      w.Key("seats").BeginArray();
      for (engine::SeatIndex s : *seats) w.Uint(s);
      w.EndArray();
    });
  }
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

std::optional<AccessClaims> Api::Authenticate(const ExPtr& ex, bool admin) {
  const std::string_view h = ex->req[http::field::authorization];
  auto unauthorized = [&](std::string_view code, std::string_view detail) {
    Fail(ex, Problem(401, code, detail)
                 .Header(http::field::www_authenticate,
                         std::string("Bearer error=\"invalid_token\", error_description=\"") +
                             std::string(detail) + "\""));
    return std::nullopt;
  };
  if (h.empty()) return unauthorized("MISSING_TOKEN", "an Authorization: Bearer token is required");
  if (h.size() < 8 || !(h.substr(0, 7) == "Bearer " || h.substr(0, 7) == "bearer "))
    return unauthorized("MALFORMED_TOKEN", "the Authorization header must be 'Bearer <token>'");
  const auto v = jwt_.Verify(h.substr(7), ex->received_ms / 1000);
  if (!v.claims) {
    switch (v.error) {
      case JwtError::kExpired: return unauthorized("TOKEN_EXPIRED", ToString(v.error));
      case JwtError::kNotYetValid: return unauthorized("TOKEN_NOT_YET_VALID", ToString(v.error));
      case JwtError::kBadAlgorithm: return unauthorized("UNSUPPORTED_ALGORITHM", ToString(v.error));
      case JwtError::kBadSignature: return unauthorized("INVALID_SIGNATURE", ToString(v.error));
      case JwtError::kMalformed: return unauthorized("MALFORMED_TOKEN", ToString(v.error));
    }
  }
  // Authority comes from the engine's records, not from what the token says: the user must
  // exist, and its role is the one on record now (a demoted admin's token stops working as an
  // admin's at once).
  AccessClaims claims = *v.claims;
  const auto role = reads_.Read([&](const engine::EngineState& s) -> std::optional<engine::Role> {
    const engine::User* u = s.FindUser(claims.sub);
    return u ? std::optional(u->role) : std::nullopt;
  });
  if (!role) return unauthorized("UNKNOWN_USER", "the token's user does not exist");
  claims.role = *role;
  ex->user = claims.sub;
  if (admin && claims.role != engine::Role::kAdmin) {
    Fail(ex, 403, "ADMIN_ONLY", "this endpoint requires the ADMIN role");
    return std::nullopt;
  }
  return claims;
}

bool Api::RequireJson(const ExPtr& ex) {
  std::string_view ct = ex->req[http::field::content_type];
  const std::size_t semi = ct.find(';');
  if (semi != std::string_view::npos) ct = ct.substr(0, semi);
  while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
  std::string lower(ct);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "application/json") return true;
  Fail(ex, 415, "UNSUPPORTED_MEDIA_TYPE",
       ct.empty() ? "a Content-Type: application/json body is required"
                  : "the body must be application/json, not " + std::string(ct));
  return false;
}

std::optional<simdjson::dom::object> Api::Body(const ExPtr& ex) {
  if (!RequireJson(ex)) return std::nullopt;
  InputError err;
  auto obj = ParseObject(ex->req.body(), &err);
  if (!obj) FailInput(ex, err);
  return obj;
}

std::optional<uint64_t> Api::IdParam(const ExPtr& ex, std::string_view text,
                                     std::string_view what) {
  uint64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || ptr != text.data() + text.size() || id == 0) {
    Fail(ex, 404, "NOT_FOUND", "no " + std::string(what) + " with id '" + std::string(text) + "'");
    return std::nullopt;
  }
  return id;
}

std::optional<engine::Command> Api::NewCommand(const ExPtr& ex, const AccessClaims& claims) {
  engine::Command cmd;
  cmd.actor = claims.sub;
  cmd.actor_role = claims.role;
  const std::string_view key = ex->req["Idempotency-Key"];
  if (key.empty()) return cmd;
  if (key.size() > 255) {
    Fail(ex, Problem(422, "VALIDATION_FAILED", "Idempotency-Key: must be at most 255 characters")
                 .With([](JsonWriter& w) { w.Field("field", "Idempotency-Key"); }));
    return std::nullopt;
  }
  cmd.has_idem = true;
  cmd.idem = engine::IdemKeyFromString(key);
  return cmd;
}

void Api::Submit(const ExPtr& ex, engine::Command cmd, Then then) {
  const bool keyed = cmd.has_idem;
  const engine::UserId actor = cmd.actor;
  const engine::IdemKey key = cmd.idem;
  if (keyed && !inflight_.TryBegin(actor, key))
    return Fail(ex, 409, "IDEMPOTENCY_KEY_IN_FLIGHT",
                "a request with this Idempotency-Key is still being processed; retry later");
  const uint64_t token =
      replies_.Register(ex->responder, [this, ex, then = std::move(then), keyed, actor,
                                        key](const Event* e) {
        if (keyed) inflight_.End(actor, key);
        if (e == nullptr)
          return Fail(ex, 503, "ENGINE_HALTED",
                      "the engine stopped before answering; the request may not have been "
                      "applied, and it needs an operator before it takes writes again");
        try {
          then(*e);
        } catch (const std::exception& err) {
          spdlog::error("request {} reply failed: {}", ex->request_id, err.what());
          Fail(ex, 500, "INTERNAL_ERROR", "the server failed to build the reply");
        }
      });
  cmd.request_token = token;
  cmd.now = ex->received_ms;
  switch (engine_.TryPublish(std::move(cmd))) {
    case EnginePort::Publish::kOk:
      return;
    case EnginePort::Publish::kFull:
      replies_.Cancel(token);
      if (keyed) inflight_.End(actor, key);
      return Fail(ex, Problem(503, "ENGINE_BUSY", "the engine's input ring is full; retry shortly")
                          .Header(http::field::retry_after, "1"));
    case EnginePort::Publish::kUnavailable:
      replies_.Cancel(token);
      if (keyed) inflight_.End(actor, key);
      return Fail(ex, Problem(503, "ENGINE_UNAVAILABLE",
                              "the engine is not taking writes (starting or shutting down)")
                          .Header(http::field::retry_after, "5"));
    case EnginePort::Publish::kHalted: {
      replies_.Cancel(token);
      if (keyed) inflight_.End(actor, key);
      // No Retry-After: retrying cannot help until an operator fixes the journal and restarts.
      std::string why;
      engine_.Ready(&why);
      return Fail(ex, 503, "ENGINE_HALTED",
                  "the engine stopped taking writes and needs an operator (" + why + ")");
    }
  }
}

}  // namespace cm::gateway
