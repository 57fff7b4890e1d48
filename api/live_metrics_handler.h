#pragma once
// Admin: the server's own operating figures for the console's live on-sale view, read from the
// very text /metrics serves (metrics/prometheus_samples.h), not counted a second time: a hold's
// latency over the last minute (p50, p99, from the hold route's histogram), the sequencer's ring,
// replication's lag where there is a replica (a leader's events not yet replicated, a follower's
// seconds behind), the payment provider's declines and errors, the seat history's lag.

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "api/request_context.h"
#include "metrics/prometheus_text.h"

namespace cm::api {

class LiveMetricsHandler {
 public:
  using Writer = std::function<void(metrics::PrometheusText*)>;
  LiveMetricsHandler(RequestContext& ctx, Writer metrics, std::function<std::string()> alerts)
      : ctx_(ctx), metrics_(std::move(metrics)), alerts_(std::move(alerts)) {}

  // GET /api/admin/live-metrics
  void Get(const ExPtr& ex);
  // GET /api/admin/alerts: the alerts Prometheus finds firing or pending (app/alerts_poller.h);
  // {"source": null, "alerts": []} when no Prometheus is configured.
  void GetAlerts(const ExPtr& ex);

 private:
  using Buckets = std::vector<std::pair<double, double>>;  // (le, cumulative count)
  // The hold route's buckets `window` ago (the oldest kept within it), for a recent quantile.
  Buckets Since(int64_t now_ms, const Buckets& now);

  RequestContext& ctx_;
  Writer metrics_;
  std::function<std::string()> alerts_;
  std::mutex mu_;
  std::deque<std::pair<int64_t, Buckets>> history_;  // (when, buckets), oldest first
  static constexpr int64_t kWindowMs = 60'000;
};

}  // namespace cm::api
