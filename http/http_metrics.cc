#include "http/http_metrics.h"

namespace cm::http {

HttpMetrics::HttpMetrics(std::vector<std::string> routes) : routes_(std::move(routes)) {
  routes_.push_back("unmatched");
  for (std::size_t i = 0; i < routes_.size(); ++i)
    latency_.push_back(std::make_unique<metrics::Histogram>(std::initializer_list<uint64_t>{
        100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000}));
}

void HttpMetrics::Observe(std::size_t route, int status, uint64_t micros) {
  if (route >= routes_.size()) route = routes_.size() - 1;
  latency_[route]->Observe(micros);
  std::lock_guard lock(mu_);
  ++counts_[{route, status}];
}

void HttpMetrics::Write(metrics::PrometheusText* out) const {
  out->Header("cm_http_requests_total", "counter", "HTTP requests by route and status.");
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, n] : counts_)
      out->Sample("cm_http_requests_total",
                  metrics::Label("route", routes_[key.first]) + "," +
                      metrics::Label("status", std::to_string(key.second)),
                  static_cast<double>(n));
  }
  out->Header("cm_http_request_duration_seconds", "histogram",
              "Time from a request's arrival to its response, by route.");
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    uint64_t total = 0;
    for (std::size_t b = 0; b <= latency_[i]->bounds().size(); ++b) total += latency_[i]->bucket(b);
    if (total == 0) continue;
    out->HistogramSamples("cm_http_request_duration_seconds", metrics::Label("route", routes_[i]),
                          *latency_[i], 1e6);
  }
}

}  // namespace cm::http
