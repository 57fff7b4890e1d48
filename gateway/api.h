#pragma once
// The booking API: routes, authentication, request validation, commands into the engine and
// replies from durable events. It reads the durable read model and never touches the
// sequencer's state.

#include <functional>
#include <memory>
#include <string>

#include "engine/command.h"
#include "engine/event.h"
#include "gateway/access_log.h"
#include "gateway/edge_limits.h"
#include "gateway/http_metrics.h"
#include "gateway/http_types.h"
#include "gateway/json_input.h"
#include "gateway/jwt.h"
#include "gateway/password_pool.h"
#include "gateway/problem.h"
#include "gateway/reply_router.h"
#include "gateway/request_guards.h"
#include "gateway/router.h"
#include "metrics/prometheus_text.h"
#include "readmodel/read_model.h"

namespace cm::gateway {

// Where commands go (the engine's input ring), and what operations need to know about it.
class EnginePort {
 public:
  // kUnavailable: not taking writes for a while (starting or shutting down); kHalted: the
  // journal failed and the engine stopped (fail-stop): only an operator brings it back.
  enum class Publish { kOk, kFull, kUnavailable, kHalted };
  virtual ~EnginePort() = default;
  virtual Publish TryPublish(engine::Command cmd) = 0;
  // Ready = recovery finished, the journal is writable (not halted), not shutting down.
  virtual bool Ready(std::string* why) const = 0;
  virtual bool Halted() const { return false; }
  // Engine-side metrics (ring depth, batches, journal sync, durable_seq, domain counters).
  virtual void WriteMetrics(metrics::PrometheusText* out) const = 0;
};

struct ApiOptions {
  int64_t access_ttl_s = 15 * 60;
  int64_t refresh_ttl_s = 14 * 24 * 3600;
  double hold_rate_per_s = 5;  // per user, on the reservation endpoints
  double hold_burst = 10;
  std::string swagger_dir;  // swagger-ui-dist from npm
  std::string web_dir;      // the web page (issue 4); may be empty
  bool payments_enabled = false;  // a payment provider is configured
  // The opening minute. Password hashing runs on its own pool; beyond `password_queue` waiting
  // jobs, logins and signups get 503. Anonymous endpoints are limited per remote address, and
  // login attempts per account back off (see AttemptBackoff). A rate <= 0 disables a limit.
  int password_threads = 1;
  std::size_t password_queue = 64;
  double login_rate_per_ip = 5, login_burst_per_ip = 20;
  double signup_rate_per_ip = 0.2, signup_burst_per_ip = 10;
  int login_free_attempts = 5;
  int64_t login_backoff_base_ms = 1000, login_backoff_cap_ms = 300'000;
};

class QueuePresence;
class QueueStats;

class Api {
 public:
  // `presence` and `queue_stats` (optional) serve the waiting room: polls count as presence,
  // and wait estimates use the measured admission rate.
  Api(ApiOptions options, EnginePort& engine, readmodel::ReadModel& reads, const JwtCodec& jwt,
      ReplyRouter& replies, QueuePresence* presence = nullptr,
      const QueueStats* queue_stats = nullptr);

  ~Api();  // stops the password pool first: its jobs use the rest
  // One JSON line per request goes there (null: none). Set before serving; it must outlive us.
  void SetAccessLog(AccessLog* log) { access_log_ = log; }
  void Handle(const std::shared_ptr<Exchange>& ex);
  void Observe(const Exchange& ex, const Response& res);  // metrics and the access log
  const Router& router() const { return router_; }
  void WriteMetrics(metrics::PrometheusText* out) const;
  // More metrics for /metrics (the HTTP server's connections). Before serving.
  void AddMetricsSource(std::function<void(metrics::PrometheusText*)> source) {
    metric_sources_.push_back(std::move(source));
  }

 private:
  using ExPtr = std::shared_ptr<Exchange>;
  using Then = std::function<void(const engine::Event&)>;

  void AddRoutes();
  void AddOpsRoutes();
  void AddWebRoutes();  // the booking page

  // Replies.
  void Json(const ExPtr& ex, int status, std::string body,
            std::initializer_list<std::pair<http::field, std::string>> headers = {});
  void Fail(const ExPtr& ex, Problem p);
  void Fail(const ExPtr& ex, int status, std::string_view code, std::string_view detail);
  void FailInput(const ExPtr& ex, const InputError& err);
  // 429 or 503 with Retry-After.
  void TryLater(const ExPtr& ex, int status, std::string_view code, std::string_view detail,
                int retry_after_s);
  // A CommandRejected or DuplicateCommand that carries a failure.
  void FailEvent(const ExPtr& ex, const engine::Event& e);

  // Checks; each answers the request itself when it fails.
  std::optional<AccessClaims> Authenticate(const ExPtr& ex, bool admin);
  bool RequireJson(const ExPtr& ex);
  std::optional<simdjson::dom::object> Body(const ExPtr& ex);
  std::optional<uint64_t> IdParam(const ExPtr& ex, std::string_view text, std::string_view what);
  // A command from the caller in `claims`, with the request's Idempotency-Key if it has one.
  std::optional<engine::Command> NewCommand(const ExPtr& ex, const AccessClaims& claims);

  // Publishes `cmd`; `then` runs on an I/O thread with the answering event once it is durable.
  void Submit(const ExPtr& ex, engine::Command cmd, Then then);

  // Handlers.
  void Signup(const ExPtr& ex);
  void Login(const ExPtr& ex);
  // Takes a token of the caller's address from `limiter`; answers 429 `code` itself when none.
  bool AllowAddress(const ExPtr& ex, RateLimiter& limiter, std::string_view code,
                    std::string_view detail);
  // Runs `job` on the password pool (a throw answers 500); false when the pool is full.
  bool RunHashing(const ExPtr& ex, std::function<void()> job);
  // The halves of signup and login that run on the password pool after hashing.
  void SubmitRegistration(const ExPtr& ex, engine::Command cmd);
  void StartSession(const ExPtr& ex, const engine::User& user);
  void Refresh(const ExPtr& ex);
  void Logout(const ExPtr& ex);
  void Me(const ExPtr& ex);
  void MyReservations(const ExPtr& ex);
  void CreateVenue(const ExPtr& ex);
  void CreateConcert(const ExPtr& ex);
  void SetSales(const ExPtr& ex, std::string_view id, bool open);
  void AdminSettle(const ExPtr& ex, std::string_view id, bool confirm);
  void ListConcerts(const ExPtr& ex);
  void GetConcert(const ExPtr& ex, std::string_view id);
  void GetConcertReply(const ExPtr& ex, engine::ConcertId id, int status);
  void GetSeats(const ExPtr& ex, std::string_view id);
  void GetSectionSeats(const ExPtr& ex, engine::ConcertId id, std::string_view section);
  // ?page= (from 0) and ?size= (1..100, default 20); answers 422 itself when either is bad.
  bool Paging(const ExPtr& ex, int64_t* page, int64_t* size);
  bool QueryNumber(const ExPtr& ex, std::string_view name, int64_t fallback, int64_t lo,
                   int64_t hi, int64_t* out);
  void CreateReservation(const ExPtr& ex, std::string_view concert_id);
  void GetReservation(const ExPtr& ex, std::string_view id);
  void CancelReservation(const ExPtr& ex, std::string_view id);
  void CreatePayment(const ExPtr& ex);
  void GetPayment(const ExPtr& ex, std::string_view id);
  // Reply with a payment the read model knows (202 on creation, 200 on reads).
  void ReplyPayment(const ExPtr& ex, engine::PaymentId id, int status, bool replayed);
  // The queue endpoints' caller and concert; answers the request itself when either is bad.
  struct QueueCaller {
    AccessClaims claims;
    engine::ConcertId concert;
  };
  std::optional<QueueCaller> QueueRequest(const ExPtr& ex, std::string_view concert_id);
  void JoinQueue(const ExPtr& ex, std::string_view concert_id);
  void GetQueueTicket(const ExPtr& ex, std::string_view concert_id);
  void LeaveQueue(const ExPtr& ex, std::string_view concert_id);
  void ReplyQueueTicket(const ExPtr& ex, engine::ConcertId concert, engine::UserId user, int status);
  // Reservations on a concert with a waiting room need an admission; answers 403 when missing.
  bool CheckAdmission(const ExPtr& ex, const AccessClaims& claims, engine::ConcertId concert);
  void ServeFile(const ExPtr& ex, const std::string& path, std::string_view content_type);

  std::string IssueTokens(engine::UserId user, const std::string& refresh_token, int64_t now_ms);
  // A resource rendered from the read model: its JSON with Location, and Idempotent-Replayed
  // when this answers a retried request.
  void ReplyResource(const ExPtr& ex, int status, std::string body, const std::string& location,
                     bool replayed);
  // Reply 201/200 with a reservation the read model knows.
  void ReplyReservation(const ExPtr& ex, engine::ReservationId id, int status, bool replayed);

  AccessLog* access_log_ = nullptr;
  ApiOptions options_;
  EnginePort& engine_;
  readmodel::ReadModel& reads_;
  const JwtCodec& jwt_;
  ReplyRouter& replies_;
  QueuePresence* presence_;
  const QueueStats* queue_stats_;
  Router router_;
  std::unique_ptr<HttpMetrics> http_metrics_;
  RateLimiter hold_limiter_;
  ClientKeys client_keys_;
  RateLimiter login_ip_limiter_;
  RateLimiter signup_ip_limiter_;
  AttemptBackoff login_backoff_;
  std::atomic<uint64_t> edge_refusals_{0};
  std::vector<std::function<void(metrics::PrometheusText*)>> metric_sources_;  // 429s from the anonymous limits and the backoff
  InflightKeys inflight_;
  static constexpr std::size_t kGzipFrom = 16 * 1024;  // smaller maps go as they are
  std::mutex gzip_mu_;
  std::unordered_map<engine::ConcertId, std::pair<engine::Seq, std::shared_ptr<const std::string>>>
      gzipped_maps_;  // one per concert: its newest compressed seat map
  std::string dummy_hash_;  // verified against for unknown emails, so timing does not tell
  // Last, so it is destroyed (joined) first.
  std::unique_ptr<PasswordPool> passwords_;
};

}  // namespace cm::gateway
