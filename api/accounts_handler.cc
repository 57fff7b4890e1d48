// Accounts: signup, login, refresh-token rotation, logout, and the caller's own data.
#include "api/accounts_handler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "api/replies.h"
#include "api/request_input.h"
#include "auth/credentials.h"
#include "views/resource_json.h"

namespace cm::api {

using auth::DigestOf;
using auth::HashPassword;
using auth::NewRefreshToken;
using auth::VerifyPassword;
using views::WriteReservationSummary;
using views::WriteUser;

using engine::Event;

namespace {

constexpr std::size_t kMinPassword = 8;
constexpr std::size_t kMaxPassword = 128;

bool ValidName(std::string_view name) {
  // Printable text: no control characters (UTF-8 letters are fine).
  return std::none_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

}  // namespace

AccountsHandler::AccountsHandler(RequestContext& ctx, const ApiOptions& options)
    : ctx_(ctx),
      reads_(ctx.reads()),
      options_(options),
      login_ip_limiter_(options_.login_rate_per_ip, options_.login_burst_per_ip),
      signup_ip_limiter_(options_.signup_rate_per_ip, options_.signup_burst_per_ip),
      login_backoff_(options_.login_free_attempts, options_.login_backoff_base_ms,
                     options_.login_backoff_cap_ms),
      dummy_hash_(HashPassword("not-a-real-password-only-for-timing")),
      passwords_(
          std::make_unique<PasswordPool>(options_.password_threads, options_.password_queue)) {}

AccountsHandler::~AccountsHandler() { passwords_->Stop(); }

void AccountsHandler::WriteMetrics(metrics::PrometheusText* out) const {
  passwords_->WriteMetrics(out);
  out->Counter("cm_edge_refusals_total",
               "Requests refused by the per-address limits and the login backoff (429)",
               edge_refusals_);
  out->Single("cm_login_backoff_accounts", "gauge", "Accounts with recent login attempts tracked",
              static_cast<double>(login_backoff_.tracked()));
}

void AccountsHandler::Signup(const ExPtr& ex) {
  auto body = Body(ex);
  if (!body) return;
  FieldReader f(*body);
  std::string email, password, name;
  f.String("email", &email, 3, 254) &&
      f.String("password", &password, kMinPassword, kMaxPassword) &&
      f.String("name", &name, 1, 100);
  std::string why;
  if (f.ok() && !NormaliseEmail(&email, &why)) f.Fail("email", why);
  if (f.ok() && !ValidName(name)) f.Fail("name", "must not contain control characters");
  if (!f.ok()) return FailInput(ex, f.error());
  if (!AllowAddress(ex, signup_ip_limiter_, "SIGNUP_RATE_LIMITED",
                    "too many signups from this address; try again later"))
    return;
  // Cheap early answer for the common duplicate; the engine still decides.
  if (reads_.Read(
          [&](const engine::EngineState& s) { return s.FindUserByEmail(email) != nullptr; }))
    return Fail(ex, 409, "EMAIL_TAKEN", "the email is already registered");

  const bool queued =
      RunHashing(ex, [this, ex, email = std::move(email), password = std::move(password),
                      name = std::move(name)]() mutable {
        engine::Command cmd;
        cmd.body = engine::RegisterUserCmd{std::move(email), HashPassword(password),
                                           engine::Role::kUser, std::move(name)};
        SubmitRegistration(ex, std::move(cmd));
      });
  if (!queued)
    TryLater(ex, 503, "PASSWORD_HASHING_BUSY",
             "too many signups and logins at once; try again shortly",
             passwords_->RetryAfterSeconds());
}

void AccountsHandler::CreateAccount(const ExPtr& ex) {
  auto claims = ctx_.Authenticate(ex, true);
  if (!claims) return;
  auto body = Body(ex);
  if (!body) return;
  FieldReader f(*body);
  std::string email, password, name, role_name = "STAFF";
  f.String("email", &email, 3, 254) &&
      f.String("password", &password, kMinPassword, kMaxPassword) &&
      f.String("name", &name, 1, 100);
  if (f.ok() && f.Has("role")) f.String("role", &role_name, 1, 16);
  std::string why;
  if (f.ok() && !NormaliseEmail(&email, &why)) f.Fail("email", why);
  if (f.ok() && !ValidName(name)) f.Fail("name", "must not contain control characters");
  engine::Role role = engine::Role::kStaff;
  if (f.ok()) {
    if (role_name == "STAFF") role = engine::Role::kStaff;
    else if (role_name == "ADMIN") role = engine::Role::kAdmin;
    else if (role_name == "USER") role = engine::Role::kUser;
    else f.Fail("role", "must be STAFF, ADMIN or USER");
  }
  if (!f.ok()) return FailInput(ex, f.error());
  auto cmd = NewCommand(ex, *claims);
  if (!cmd) return;
  const bool queued = RunHashing(ex, [this, ex, cmd = std::move(*cmd), email = std::move(email),
                                      password = std::move(password), name = std::move(name),
                                      role]() mutable {
    cmd.body = engine::RegisterUserCmd{std::move(email), HashPassword(password), role,
                                       std::move(name)};
    SubmitRegistration(ex, std::move(cmd));
  });
  if (!queued)
    TryLater(ex, 503, "PASSWORD_HASHING_BUSY", "password hashing is busy; try again shortly",
             passwords_->RetryAfterSeconds());
}

void AccountsHandler::SubmitRegistration(const ExPtr& ex, engine::Command cmd) {
  ctx_.Submit(ex, std::move(cmd), [this, ex](const Event& e) {
    const auto* u = std::get_if<engine::UserRegistered>(&e.body);
    if (u == nullptr) return FailEvent(ex, e);
    JsonWriter w;
    w.BeginObject()
        .Field("id", u->user)
        .Field("email", u->email)
        .Field("name", u->name)
        .Field("role", engine::ToString(u->role))
        .EndObject();
    Json(ex, 201, w.Take(), {{http::field::location, "/api/users/me"}});
  });
}

bool AccountsHandler::AllowAddress(const ExPtr& ex, RateLimiter& limiter, std::string_view code,
                                   std::string_view detail) {
  int retry_after = 1;
  if (limiter.Allow(client_keys_.Of(ex->remote_address), ex->received_ms, &retry_after))
    return true;
  edge_refusals_.fetch_add(1, std::memory_order_relaxed);
  TryLater(ex, 429, code, detail, retry_after);
  return false;
}

bool AccountsHandler::RunHashing(const ExPtr& ex, std::function<void()> job) {
  return passwords_->TrySubmit([this, ex, job = std::move(job)] {
    try {
      job();
    } catch (const std::exception& err) {
      spdlog::error("request {} failed on the password pool: {}", ex->request_id, err.what());
      Fail(ex, 500, "INTERNAL_ERROR", "the server failed to handle the request");
    }
  });
}

std::string AccountsHandler::IssueTokens(engine::UserId user, engine::SessionId session,
                                         const std::string& refresh_token, int64_t now_ms) {
  const auto u = reads_.Read([&](const engine::EngineState& s) {
    const engine::User* found = s.FindUser(user);
    return found ? std::optional<engine::User>(*found) : std::nullopt;
  });
  AccessClaims c;
  c.sub = user;
  c.role = u ? u->role : engine::Role::kUser;
  c.iat = now_ms / 1000;
  c.exp = c.iat + options_.access_ttl_s;
  c.sid = session;
  JsonWriter w;
  w.BeginObject()
      .Field("accessToken", ctx_.jwt().Sign(c))
      .Field("refreshToken", refresh_token)
      .Field("tokenType", "Bearer")
      .Field("expiresIn", options_.access_ttl_s)
      .Field("refreshExpiresIn", options_.refresh_ttl_s);
  if (u) {
    w.Key("user");
    WriteUser(w, *u);
  }
  w.EndObject();
  return w.Take();
}

void AccountsHandler::Login(const ExPtr& ex) {
  auto body = Body(ex);
  if (!body) return;
  FieldReader f(*body);
  std::string email, password;
  f.String("email", &email, 1, 254) && f.String("password", &password, 1, kMaxPassword);
  if (!f.ok()) return FailInput(ex, f.error());
  std::transform(email.begin(), email.end(), email.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // Both limits are checked before any hashing, so refused attempts cost nothing. Unknown
  // emails back off like real ones, so the answers do not reveal which accounts exist.
  if (!AllowAddress(ex, login_ip_limiter_, "LOGIN_RATE_LIMITED",
                    "too many login attempts from this address; try again later"))
    return;
  int retry_after = 1;
  const uint64_t account = client_keys_.Of(email);
  if (!login_backoff_.TryStart(account, ex->received_ms, &retry_after)) {
    edge_refusals_.fetch_add(1, std::memory_order_relaxed);
    return TryLater(ex, 429, "TOO_MANY_LOGIN_ATTEMPTS",
                    "too many failed logins for this account; wait before trying again",
                    retry_after);
  }
  auto user = reads_.Read([&](const engine::EngineState& s) {
    const engine::User* u = s.FindUserByEmail(email);
    return u ? std::optional<engine::User>(*u) : std::nullopt;
  });
  const bool queued =
      RunHashing(ex, [this, ex, account, user = std::move(user), password = std::move(password)] {
        // Unknown emails cost the same argon2id verification, so timing does not reveal
        // accounts.
        const bool ok = VerifyPassword(user ? user->password_hash : dummy_hash_, password) && user;
        if (!ok) return Fail(ex, 401, "INVALID_CREDENTIALS", "wrong email or password");
        login_backoff_.Succeeded(account);
        StartSession(ex, *user);
      });
  if (!queued) {
    login_backoff_.Undo(account);
    TryLater(ex, 503, "PASSWORD_HASHING_BUSY", "too many logins at once; try again shortly",
             passwords_->RetryAfterSeconds());
  }
}

void AccountsHandler::StartSession(const ExPtr& ex, const engine::User& user) {
  const std::string refresh = NewRefreshToken();
  engine::Command cmd;
  cmd.actor = user.id;
  cmd.actor_role = user.role;
  cmd.body =
      engine::StartSessionCmd{DigestOf(refresh), ex->received_ms + options_.refresh_ttl_s * 1000};
  ctx_.Submit(ex, std::move(cmd), [this, ex, refresh](const Event& e) {
    const auto* s = std::get_if<engine::SessionStarted>(&e.body);
    if (s == nullptr) return FailEvent(ex, e);
    ex->user = s->user;
    Json(ex, 200, IssueTokens(s->user, s->session, refresh, ex->received_ms),
         {{http::field::cache_control, "no-store"}});
  });
}

void AccountsHandler::Refresh(const ExPtr& ex) {
  auto body = Body(ex);
  if (!body) return;
  FieldReader f(*body);
  std::string token;
  if (!f.String("refreshToken", &token, 1, 512)) return FailInput(ex, f.error());
  const std::string fresh = NewRefreshToken();
  engine::Command cmd;
  cmd.body = engine::RefreshSessionCmd{DigestOf(token), DigestOf(fresh),
                                       ex->received_ms + options_.refresh_ttl_s * 1000};
  ctx_.Submit(ex, std::move(cmd), [this, ex, fresh](const Event& e) {
    if (const auto* ended = std::get_if<engine::SessionEnded>(&e.body)) {
      ex->user = ended->user;
      return Fail(ex, 401, "REFRESH_TOKEN_REUSED",
                  "this refresh token was already exchanged; the session is revoked, so log in "
                  "again");
    }
    const auto* s = std::get_if<engine::SessionRefreshed>(&e.body);
    if (s == nullptr) return FailEvent(ex, e);
    ex->user = s->user;
    Json(ex, 200, IssueTokens(s->user, s->session, fresh, ex->received_ms),
         {{http::field::cache_control, "no-store"}});
  });
}

void AccountsHandler::Logout(const ExPtr& ex) {
  auto body = Body(ex);
  if (!body) return;
  FieldReader f(*body);
  std::string token;
  if (!f.String("refreshToken", &token, 1, 512)) return FailInput(ex, f.error());
  engine::Command cmd;
  cmd.body = engine::EndSessionCmd{DigestOf(token)};
  ctx_.Submit(ex, std::move(cmd), [this, ex](const Event& e) {
    // Logout is idempotent: a token that is already logged out, rotated away, expired or was
    // never issued ends up exactly where logout leaves it.
    const auto* s = std::get_if<engine::SessionEnded>(&e.body);
    if (s == nullptr && engine::OutcomeOf(e).code != engine::ResultCode::kUnknownSession)
      return FailEvent(ex, e);
    if (s != nullptr) ex->user = s->user;
    Response res{http::status::no_content, ex->req.version()};
    res.keep_alive(ex->req.keep_alive());
    ex->responder->Send(std::move(res));
  });
}

void AccountsHandler::Me(const ExPtr& ex) {
  auto claims = ctx_.Authenticate(ex, false);
  if (!claims) return;
  const std::string body = reads_.Read([&](const engine::EngineState& s) {
    const engine::User* u = s.FindUser(claims->sub);
    if (u == nullptr) return std::string();
    JsonWriter w;
    WriteUser(w, *u);
    return w.Take();
  });
  if (body.empty()) return Fail(ex, 404, "NOT_FOUND", "the token's user does not exist");
  Json(ex, 200, body);
}

void AccountsHandler::MyReservations(const ExPtr& ex) {
  auto claims = ctx_.Authenticate(ex, false);
  if (!claims) return;
  int64_t page, size;
  if (!Paging(ex, &page, &size)) return;
  const auto ids = reads_.ReservationsOf(claims->sub);
  std::string body = reads_.Read([&](const engine::EngineState& s) {
    JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    const auto first = static_cast<std::size_t>(page * size);
    for (std::size_t i = first; i < ids.size() && i < first + static_cast<std::size_t>(size); ++i) {
      const engine::Reservation* r = s.FindReservation(ids[i]);
      const engine::Concert* c = r ? s.FindConcert(r->concert) : nullptr;
      if (c != nullptr) WriteReservationSummary(w, *r, *c, s.FindPayment(r->payment));
    }
    w.EndArray()
        .Field("page", page)
        .Field("size", size)
        .Field("total", static_cast<uint64_t>(ids.size()))
        .EndObject();
    return w.Take();
  });
  Json(ex, 200, std::move(body));
}

}  // namespace cm::api
