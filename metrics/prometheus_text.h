#pragma once
// Writes the Prometheus text exposition format (version 0.0.4). prometheus-cpp is not packaged
// in Debian 12, and the format is small enough to write directly.

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "metrics/histogram.h"

namespace cm::metrics {

class PrometheusText {
 public:
  // # HELP and # TYPE lines; call once per metric name.
  void Header(std::string_view name, std::string_view type, std::string_view help);
  // One sample; `labels` is the inside of {...} already escaped (may be empty).
  void Sample(std::string_view name, std::string_view labels, double value);
  // Header and the one unlabelled sample of a counter or a gauge (`type`).
  void Single(std::string_view name, std::string_view type, std::string_view help, double value) {
    Header(name, type, help);
    Sample(name, "", value);
  }
  // A counter kept in an atomic.
  void Counter(std::string_view name, std::string_view help, const std::atomic<uint64_t>& v) {
    Single(name, "counter", help, static_cast<double>(v.load(std::memory_order_relaxed)));
  }
  // A whole histogram; values are divided by `scale` (1e6 turns microseconds into seconds).
  void HistogramSamples(std::string_view name, std::string_view labels, const Histogram& h,
                        double scale);

  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

// name="value" with the value escaped as the format requires.
std::string Label(std::string_view name, std::string_view value);

}  // namespace cm::metrics
