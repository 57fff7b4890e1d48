#pragma once
// The booking API: the route table, and the handlers it sends each request to (one per
// resource, api/*_handler.h). Handlers authenticate, read the body, submit commands to the
// engine through RequestContext and answer from durable events and the read model; nothing
// here touches the sequencer's state.

#include <functional>
#include <memory>
#include <vector>

#include "api/accounts_handler.h"
#include "api/admin_handler.h"
#include "api/backup_handler.h"
#include "api/report_handler.h"
#include "api/api_options.h"
#include "api/concerts_handler.h"
#include "api/engine_port.h"
#include "api/ops_handler.h"
#include "api/payments_handler.h"
#include "api/people_handler.h"
#include "api/pow_gate.h"
#include "api/deposit_webhook.h"
#include "api/live_metrics_handler.h"
#include "api/members_handler.h"
#include "api/queue_handler.h"
#include "api/queue_proof_handler.h"
#include "api/reconcile_handler.h"
#include "api/request_context.h"
#include "api/reservations_handler.h"
#include "api/seat_history_handler.h"
#include "api/checkin_handler.h"
#include "api/tickets_handler.h"
#include "api/venues_handler.h"
#include "http/access_log.h"
#include "http/http_metrics.h"
#include "metrics/prometheus_text.h"

namespace cm::api {

class Api {
 public:
  // `presence` and `queue_stats` (optional) serve the waiting room (see QueueHandler).
  Api(ApiOptions options, EnginePort& engine, readmodel::ReadModel& reads, const JwtCodec& jwt,
      ReplyRouter& replies, readmodel::QueuePresence* presence = nullptr,
      const readmodel::QueueStats* queue_stats = nullptr);

  // One JSON line per request goes there (null: none). Set before serving; it must outlive us.
  void SetAccessLog(http::AccessLog* log) { access_log_ = log; }
  void Handle(const ExPtr& ex);
  // Every response: its CM-Seq header, the metrics and the access log.
  void Observe(const Exchange& ex, Response& res);
  const Router& router() const { return router_; }
  void WriteMetrics(metrics::PrometheusText* out) const;
  // More metrics for /metrics (the HTTP server's connections). Before serving.
  void AddMetricsSource(std::function<void(metrics::PrometheusText*)> source) {
    metric_sources_.push_back(std::move(source));
  }

 private:
  void AddRoutes();
  // After the checks every request passes (leader, CM-Min-Seq): the route's handler. `m` was
  // found before the checks, so that their answers are counted under the route too.
  void Dispatch(const ExPtr& ex, const http::Router::Match& m);

  ApiOptions options_;
  EnginePort& engine_;
  const readmodel::ReadModel& reads_;
  RequestContext ctx_;
  AccountsHandler accounts_;
  AdminHandler admin_;
  VenuesHandler venues_;
  PeopleHandler people_;
  SeatHistoryHandler seat_history_;
  LiveMetricsHandler live_metrics_;
  ReportHandler report_;
  BackupHandler backups_;
  ConcertsHandler concerts_;
  PowGate pow_;  // before the handlers it gates
  ReservationsHandler reservations_;
  QueueHandler queue_;
  QueueProofHandler queue_proofs_;
  MembersHandler members_;
  DepositWebhook deposits_;
  PaymentsHandler payments_;
  ReconcileHandler reconcile_;
  std::shared_ptr<const tickets::SigningKey> ticket_key_;
  TicketsHandler tickets_;
  CheckinHandler checkin_;
  OpsHandler ops_;
  Router router_;
  std::unique_ptr<http::HttpMetrics> http_metrics_;
  http::AccessLog* access_log_ = nullptr;
  std::vector<std::function<void(metrics::PrometheusText*)>> metric_sources_;
};

}  // namespace cm::api
