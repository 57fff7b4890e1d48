#include "api/api.h"

#include <spdlog/spdlog.h>

#include <charconv>

#include "api/booking_page.h"
#include "runtime/wall_clock.h"

namespace cm::api {

using json::FormatTime;

Api::Api(ApiOptions options, EnginePort& engine, readmodel::ReadModel& reads, const JwtCodec& jwt,
         ReplyRouter& replies, readmodel::QueuePresence* presence,
         const readmodel::QueueStats* queue_stats)
    : options_(std::move(options)),
      engine_(engine),
      reads_(reads),
      ctx_(engine, reads, jwt, replies),
      accounts_(ctx_, options_),
      admin_(ctx_),
      venues_(ctx_),
      people_(ctx_),
      seat_history_(ctx_, options_.seat_history),
      live_metrics_(ctx_,
                    [this](metrics::PrometheusText* out) {  // what /metrics writes
                      engine_.WriteMetrics(out);
                      WriteMetrics(out);
                    },
                    options_.alerts),
      report_(ctx_),
      backups_(ctx_, options_.backups),
      concerts_(ctx_),
      pow_(ctx_, options_),
      reservations_(ctx_, options_, pow_),
      queue_(ctx_, presence, queue_stats, pow_),
      queue_proofs_(ctx_, options_.queue_proof_inline_entries),
      members_(ctx_),
      deposits_(ctx_, options_.deposit_webhook_secret, options_.payment_key_prefix),
      payments_(ctx_, options_),
      reconcile_(ctx_),
      ticket_key_(options_.ticket_key
                      ? options_.ticket_key
                      : std::make_shared<const tickets::SigningKey>(tickets::SigningKey::Generate())),
      tickets_(ctx_, *ticket_key_),
      checkin_(ctx_, *ticket_key_),
      ops_(engine, options_.swagger_dir,
           [this](metrics::PrometheusText* out) { WriteMetrics(out); }) {
  AddRoutes();
  std::vector<std::string> names;
  for (const auto& r : router_.routes()) names.push_back(r->name);
  http_metrics_ = std::make_unique<http::HttpMetrics>(std::move(names));
}

void Api::WriteMetrics(metrics::PrometheusText* out) const {
  http_metrics_->Write(out);
  accounts_.WriteMetrics(out);
  checkin_.WriteMetrics(out);
  reservations_.WriteMetrics(out);
  pow_.WriteMetrics(out);
  out->Counter("cm_token_cache_hits_total",
               "Access tokens answered from the verified-token cache", ctx_.tokens().hit_count());
  out->Counter("cm_token_cache_misses_total",
               "Access tokens whose signature was checked (not in the cache)",
               ctx_.tokens().miss_count());
  for (const auto& source : metric_sources_) source(out);
}

// The route table: each route, the handler method that serves it. The handlers that decide
// something send a command to the engine (RequestContext::Submit), where Sequencer::Execute
// decides it (engine/sequencer.cc).
void Api::AddRoutes() {
  using V = http::verb;
  auto r = [this](V m, std::string pattern, auto fn) { router_.Add(m, std::move(pattern), fn); };
  r(V::post, "/api/users/signup",
    [this](const ExPtr& ex, const PathParams&) { accounts_.Signup(ex); });
  r(V::post, "/api/users/login",
    [this](const ExPtr& ex, const PathParams&) { accounts_.Login(ex); });
  r(V::post, "/api/users/refresh",
    [this](const ExPtr& ex, const PathParams&) { accounts_.Refresh(ex); });
  r(V::post, "/api/users/logout",
    [this](const ExPtr& ex, const PathParams&) { accounts_.Logout(ex); });
  r(V::get, "/api/users/me", [this](const ExPtr& ex, const PathParams&) { accounts_.Me(ex); });
  r(V::get, "/api/users/me/reservations",
    [this](const ExPtr& ex, const PathParams&) { accounts_.MyReservations(ex); });
  r(V::post, "/api/admin/venues",
    [this](const ExPtr& ex, const PathParams&) { admin_.CreateVenue(ex); });
  r(V::post, "/api/admin/venues/preview",
    [this](const ExPtr& ex, const PathParams&) { admin_.PreviewVenue(ex); });
  r(V::get, "/api/admin/venues",
    [this](const ExPtr& ex, const PathParams&) { venues_.ListVenues(ex); });
  r(V::get, "/api/admin/venues/{id}",
    [this](const ExPtr& ex, const PathParams& p) { venues_.GetVenue(ex, p[0]); });
  r(V::get, "/api/admin/users",
    [this](const ExPtr& ex, const PathParams&) { people_.FindUsers(ex); });
  r(V::get, "/api/admin/users/{id}",
    [this](const ExPtr& ex, const PathParams& p) { people_.GetUser(ex, p[0]); });
  r(V::post, "/api/admin/users/{id}/disable",
    [this](const ExPtr& ex, const PathParams& p) { people_.SetDisabled(ex, p[0], true); });
  r(V::post, "/api/admin/users/{id}/enable",
    [this](const ExPtr& ex, const PathParams& p) { people_.SetDisabled(ex, p[0], false); });
  r(V::get, "/api/admin/reservations",
    [this](const ExPtr& ex, const PathParams&) { people_.FindReservations(ex); });
  r(V::post, "/api/admin/tickets/{id}/revoke",
    [this](const ExPtr& ex, const PathParams& p) { people_.RevokeTicket(ex, p[0]); });
  r(V::post, "/api/admin/concerts",
    [this](const ExPtr& ex, const PathParams&) { admin_.CreateConcert(ex); });
  r(V::post, "/api/admin/concerts/{id}/open",
    [this](const ExPtr& ex, const PathParams& p) { admin_.SetSales(ex, p[0], true); });
  r(V::post, "/api/admin/concerts/{id}/close",
    [this](const ExPtr& ex, const PathParams& p) { admin_.SetSales(ex, p[0], false); });
  r(V::put, "/api/admin/concerts/{id}/members",
    [this](const ExPtr& ex, const PathParams& p) { members_.ListMembers(ex, p[0]); });
  r(V::get, "/api/v1/concerts/{concertId}/membership",
    [this](const ExPtr& ex, const PathParams& p) { members_.GetMembership(ex, p[0]); });
  r(V::post, "/api/v1/concerts/{concertId}/membership",
    [this](const ExPtr& ex, const PathParams& p) { members_.ClaimCode(ex, p[0]); });
  r(V::get, "/api/admin/concerts/{id}/seats/{seat}/history",
    [this](const ExPtr& ex, const PathParams& p) { seat_history_.GetHistory(ex, p[0], p[1]); });
  r(V::get, "/api/admin/alerts",
    [this](const ExPtr& ex, const PathParams&) { live_metrics_.GetAlerts(ex); });
  r(V::get, "/api/admin/live-metrics",
    [this](const ExPtr& ex, const PathParams&) { live_metrics_.Get(ex); });
  r(V::get, "/api/admin/concerts/{id}/report",
    [this](const ExPtr& ex, const PathParams& p) { report_.ConcertReport(ex, p[0]); });
  r(V::post, "/api/admin/backups",
    [this](const ExPtr& ex, const PathParams&) { backups_.Create(ex); });
  r(V::get, "/api/admin/backups",
    [this](const ExPtr& ex, const PathParams&) { backups_.List(ex); });
  r(V::get, "/api/admin/backups/{seq}",
    [this](const ExPtr& ex, const PathParams& p) { backups_.Get(ex, p[0]); });
  r(V::get, "/api/admin/backups/{seq}/file",
    [this](const ExPtr& ex, const PathParams& p) { backups_.GetFile(ex, p[0]); });
  r(V::post, "/api/admin/reservations/{id}/confirm",
    [this](const ExPtr& ex, const PathParams& p) { admin_.AdminSettle(ex, p[0], true); });
  r(V::get, "/api/admin/payments",
    [this](const ExPtr& ex, const PathParams&) { reconcile_.ListPayments(ex); });
  r(V::post, "/api/admin/payments/orphans",
    [this](const ExPtr& ex, const PathParams&) { reconcile_.AdoptOrphan(ex); });
  r(V::post, "/api/admin/reservations/{id}/refund",
    [this](const ExPtr& ex, const PathParams& p) { admin_.AdminSettle(ex, p[0], false); });
  r(V::get, "/api/concerts",
    [this](const ExPtr& ex, const PathParams&) { concerts_.ListConcerts(ex); });
  r(V::get, "/api/concerts/{id}",
    [this](const ExPtr& ex, const PathParams& p) { concerts_.GetConcert(ex, p[0]); });
  r(V::get, "/api/concerts/{id}/queue/proof",
    [this](const ExPtr& ex, const PathParams& p) { queue_proofs_.GetProof(ex, p[0]); });
  r(V::get, "/api/concerts/{id}/layout",
    [this](const ExPtr& ex, const PathParams& p) { concerts_.GetLayout(ex, p[0]); });
  r(V::get, "/api/concerts/{id}/seats",
    [this](const ExPtr& ex, const PathParams& p) { concerts_.GetSeats(ex, p[0]); });
  r(V::post, "/api/v1/concerts/{concertId}/reservations",
    [this](const ExPtr& ex, const PathParams& p) { reservations_.CreateReservation(ex, p[0]); });
  r(V::get, "/api/reservations/{id}",
    [this](const ExPtr& ex, const PathParams& p) { reservations_.GetReservation(ex, p[0]); });
  r(V::delete_, "/api/reservations/{id}",
    [this](const ExPtr& ex, const PathParams& p) { reservations_.CancelReservation(ex, p[0]); });
  r(V::post, "/api/payments",
    [this](const ExPtr& ex, const PathParams&) { payments_.CreatePayment(ex); });
  r(V::post, "/api/webhooks/deposits",
    [this](const ExPtr& ex, const PathParams&) { deposits_.Receive(ex); });
  r(V::get, "/api/payments/{id}",
    [this](const ExPtr& ex, const PathParams& p) { payments_.GetPayment(ex, p[0]); });
  r(V::get, "/api/v1/concerts/{concertId}/pow-challenge",
    [this](const ExPtr& ex, const PathParams& p) { pow_.IssueChallenge(ex, p[0]); });
  r(V::post, "/api/v1/concerts/{concertId}/queue",
    [this](const ExPtr& ex, const PathParams& p) { queue_.JoinQueue(ex, p[0]); });
  r(V::get, "/api/v1/concerts/{concertId}/queue/me",
    [this](const ExPtr& ex, const PathParams& p) { queue_.GetQueueTicket(ex, p[0]); });
  r(V::delete_, "/api/v1/concerts/{concertId}/queue/me",
    [this](const ExPtr& ex, const PathParams& p) { queue_.LeaveQueue(ex, p[0]); });
  r(V::post, "/api/reservations/{id}/cancel",
    [this](const ExPtr& ex, const PathParams& p) { reservations_.CancelPaid(ex, p[0]); });
  r(V::post, "/api/reservations/{id}/extend",
    [this](const ExPtr& ex, const PathParams& p) { reservations_.ExtendHold(ex, p[0]); });
  r(V::get, "/api/tickets/public-key",
    [this](const ExPtr& ex, const PathParams&) { tickets_.PublicKey(ex); });
  r(V::get, "/api/users/me/tickets",
    [this](const ExPtr& ex, const PathParams&) { tickets_.MyTickets(ex); });
  r(V::get, "/api/tickets/{id}",
    [this](const ExPtr& ex, const PathParams& p) { tickets_.GetTicket(ex, p[0]); });
  r(V::get, "/api/tickets/{id}/qr.svg",
    [this](const ExPtr& ex, const PathParams& p) { tickets_.GetQr(ex, p[0]); });
  r(V::post, "/api/tickets/{id}/transfer",
    [this](const ExPtr& ex, const PathParams& p) { tickets_.Transfer(ex, p[0]); });
  r(V::post, "/api/tickets/{id}/transfer/accept",
    [this](const ExPtr& ex, const PathParams& p) { tickets_.AcceptTransfer(ex, p[0]); });
  r(V::post, "/api/tickets/{id}/transfer/cancel",
    [this](const ExPtr& ex, const PathParams& p) { tickets_.EndTransferOffer(ex, p[0]); });
  r(V::get, "/api/users/me/transfers",
    [this](const ExPtr& ex, const PathParams&) { tickets_.OffersToMe(ex); });
  r(V::post, "/api/checkin", [this](const ExPtr& ex, const PathParams&) { checkin_.CheckIn(ex); });
  r(V::post, "/api/checkin/sync",
    [this](const ExPtr& ex, const PathParams&) { checkin_.Sync(ex); });
  r(V::get, "/api/checkin/bundle",
    [this](const ExPtr& ex, const PathParams&) { checkin_.Bundle(ex); });
  r(V::get, "/api/checkin/conflicts",
    [this](const ExPtr& ex, const PathParams&) { checkin_.Conflicts(ex); });
  r(V::post, "/api/admin/users",
    [this](const ExPtr& ex, const PathParams&) { accounts_.CreateAccount(ex); });
  ops_.AddRoutes(router_);
  AddBookingPageRoutes(router_);
}

void Api::Handle(const ExPtr& ex) {
  Router::Match m = router_.Find(ex->req.method(), PathOf(ex->req.target()));
  for (std::size_t i = 0; m.route != nullptr && i < router_.routes().size(); ++i)
    if (router_.routes()[i].get() == m.route) ex->route = i;
  const http::verb method = ex->req.method();
  const bool reads_only =
      method == http::verb::get || method == http::verb::head || method == http::verb::options;
  // A follower takes no writes: the client is sent on before any work (a login's hashing).
  if (!reads_only && !engine_.Leading()) return NotLeader(ex, engine_.LeaderUrl());
  const std::string_view min_seq_text = ex->req["CM-Min-Seq"];
  if (min_seq_text.empty()) return Dispatch(ex, m);
  engine::Seq min_seq = 0;
  const auto [end, ec] =
      std::from_chars(min_seq_text.data(), min_seq_text.data() + min_seq_text.size(), min_seq);
  if (ec != std::errc() || end != min_seq_text.data() + min_seq_text.size())
    return Fail(ex, 400, "INVALID_MIN_SEQ", "CM-Min-Seq must be a sequence number");
  auto late = [ex, min_seq] {
    TryLater(ex, 503, "SEQ_NOT_REACHED",
             "this server has not applied seq " + std::to_string(min_seq) +
                 " yet; retry, or ask the leader",
             1);
  };
  if (options_.seq_gate == nullptr)
    return reads_.applied_seq() >= min_seq ? Dispatch(ex, m) : late();
  options_.seq_gate->Wait(min_seq, std::chrono::milliseconds(options_.min_seq_wait_ms),
                          [this, ex, m = std::move(m)] { Dispatch(ex, m); }, std::move(late));
}

void Api::Dispatch(const ExPtr& ex, const Router::Match& m) {
  const std::string_view path = PathOf(ex->req.target());
  if (m.route == nullptr) {
    if (!m.allow.empty()) {
      return Fail(ex, Problem(405, "METHOD_NOT_ALLOWED",
                              std::string(ex->req.method_string()) + " is not allowed on " +
                                  std::string(path) + "; allowed: " + m.allow)
                          .Header(http::field::allow, m.allow));
    }
    return Fail(ex, 404, "NOT_FOUND", "no route for " + std::string(path));
  }
  try {
    m.route->handler(ex, m.params);
  } catch (const std::exception& e) {
    spdlog::error("request {} {} failed: {}", ex->request_id, m.route->name, e.what());
    Fail(ex, 500, "INTERNAL_ERROR", "the server failed to handle the request");
  }
}

void Api::Observe(const Exchange& ex, Response& res) {
  res.set("CM-Seq", std::to_string(reads_.applied_seq()));
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - ex.started)
                          .count();
  http_metrics_->Observe(ex.route, static_cast<int>(res.result_int()),
                         static_cast<uint64_t>(micros));
  if (access_log_ != nullptr) {
    JsonWriter w;
    w.BeginObject()
        .Field("ts", FormatTime(runtime::WallNowMs()))
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

}  // namespace cm::api
