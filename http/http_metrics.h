#pragma once
// Request counts per route and status, and latency histograms per route.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "metrics/histogram.h"
#include "metrics/prometheus_text.h"

namespace cm::http {

class HttpMetrics {
 public:
  // `routes` are the route names; index routes.size() stands for "no route matched".
  explicit HttpMetrics(std::vector<std::string> routes);
  void Observe(std::size_t route, int status, uint64_t micros);
  void Write(metrics::PrometheusText* out) const;

 private:
  std::vector<std::string> routes_;
  std::vector<std::unique_ptr<metrics::Histogram>> latency_;
  mutable std::mutex mu_;
  std::map<std::pair<std::size_t, int>, uint64_t> counts_;
};

}  // namespace cm::http
