#include "api/live_metrics_handler.h"

#include <cmath>
#include <map>
#include <optional>

#include "api/replies.h"
#include "metrics/prometheus_samples.h"

namespace cm::api {
namespace {

constexpr std::string_view kHoldRoute = "POST /api/v1/concerts/{concertId}/reservations";

}  // namespace

LiveMetricsHandler::Buckets LiveMetricsHandler::Since(int64_t now_ms, const Buckets& now) {
  std::lock_guard lock(mu_);
  history_.emplace_back(now_ms, now);
  // Keep one snapshot older than the window, so a quiet minute still has a base.
  while (history_.size() > 2 && history_[1].first <= now_ms - kWindowMs) history_.pop_front();
  // The oldest kept: a minute ago, or the first ever taken (the quantile then covers less).
  const Buckets& base = history_.size() > 1 ? history_.front().second : Buckets{};
  Buckets delta = now;
  if (!base.empty() && base.size() == now.size())
    for (std::size_t i = 0; i < now.size(); ++i) delta[i].second = now[i].second - base[i].second;
  return delta;
}

void LiveMetricsHandler::Get(const ExPtr& ex) {
  if (!ctx_.Authenticate(ex, true)) return;
  metrics::PrometheusText text;
  metrics_(&text);
  const auto samples = metrics::ParseSamples(text.str());
  Buckets holds;
  std::map<std::string, double> single;  // unlabelled samples (and sums of labelled ones)
  std::optional<double> replication_lag, follower_lag;
  for (const auto& s : samples) {
    if (s.name == "cm_http_request_duration_seconds_bucket" && s.Label("route") == kHoldRoute) {
      const std::string le(s.Label("le"));
      holds.emplace_back(le == "+Inf" ? INFINITY : std::strtod(le.c_str(), nullptr), s.value);
    } else if (s.name == "cm_replication_lag_events") {
      replication_lag = s.value;
    } else if (s.name == "cm_follower_lag_seconds") {
      follower_lag = s.value;
    } else {
      single[s.name] += s.value;
    }
  }
  const Buckets recent = Since(ex->received_ms, holds);
  auto value = [&](const char* name) {
    const auto it = single.find(name);
    return it == single.end() ? 0.0 : it->second;
  };
  JsonWriter w;
  w.BeginObject().Field("at", json::FormatTime(ex->received_ms));
  w.Key("holds").BeginObject()
      .Field("windowSeconds", kWindowMs / 1000)
      .Field("requests", recent.empty() ? 0.0 : recent.back().second)
      .Field("p50Ms", metrics::HistogramQuantile(0.5, recent) * 1000)
      .Field("p99Ms", metrics::HistogramQuantile(0.99, recent) * 1000)
      .EndObject();
  w.Key("ring").BeginObject()
      .Field("depth", value("cm_ring_depth"))
      .Field("capacity", value("cm_ring_capacity"))
      .EndObject();
  w.Key("replication").BeginObject();
  if (replication_lag) w.Field("lagEvents", *replication_lag);
  if (follower_lag) w.Field("followerLagSeconds", *follower_lag);
  w.EndObject();
  w.Key("payments").BeginObject()
      .Field("declined", value("cm_payment_declined_total"))
      .Field("errors", value("cm_payment_errors_total"))
      .EndObject();
  w.Field("seatHistoryLagEvents", value("cm_seat_history_lag_events"))
      .Field("engineHalted", value("cm_engine_halted") > 0);
  Json(ex, 200, w.EndObject().Take(), {{http::field::cache_control, "no-store"}});
}

void LiveMetricsHandler::GetAlerts(const ExPtr& ex) {
  if (!ctx_.Authenticate(ex, true)) return;
  Json(ex, 200, alerts_ ? alerts_() : std::string(R"({"source":null,"alerts":[]})"),
       {{http::field::cache_control, "no-store"}});
}

}  // namespace cm::api
