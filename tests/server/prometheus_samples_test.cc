// The live view reads the server's own /metrics text back: what PrometheusText writes parses
// into the same samples, and a histogram's quantile is histogram_quantile's.
#include <doctest/doctest.h>

#include <cmath>

#include "metrics/histogram.h"
#include "metrics/prometheus_samples.h"
#include "metrics/prometheus_text.h"

using namespace cm::metrics;

TEST_CASE("the metrics text reads back into its samples, labels and escapes included") {
  PrometheusText text;
  text.Single("cm_ring_depth", "gauge", "Commands waiting", 7);
  text.Header("cm_http_requests_total", "counter", "Requests");
  text.Sample("cm_http_requests_total", Label("route", "GET /a \"b\"") + "," + Label("status", "200"), 3);
  const auto samples = ParseSamples(text.str() + "garbage line\n{no name} 1\n");
  REQUIRE(samples.size() == 2);
  CHECK(samples[0].name == "cm_ring_depth");
  CHECK(samples[0].value == 7);
  CHECK(samples[1].Label("route") == "GET /a \"b\"");
  CHECK(samples[1].Label("status") == "200");
  CHECK(samples[1].Label("absent").empty());
  CHECK(samples[1].value == 3);
}

TEST_CASE("a histogram's quantile interpolates inside its bucket, as histogram_quantile does") {
  // 100 observations: 50 at or below 0.01, 49 more at or below 0.1, 1 above 1.
  const std::vector<std::pair<double, double>> b{{0.01, 50}, {0.1, 99}, {1, 99}, {INFINITY, 100}};
  CHECK(HistogramQuantile(0.5, b) == doctest::Approx(0.01));
  CHECK(HistogramQuantile(0.25, b) == doctest::Approx(0.005));
  CHECK(HistogramQuantile(0.99, b) == doctest::Approx(0.1));
  CHECK(HistogramQuantile(0.999, b) == doctest::Approx(1));  // in +Inf: the last finite bound
  CHECK(HistogramQuantile(0.5, {{0.01, 0}, {INFINITY, 0}}) == 0);
  CHECK(HistogramQuantile(0.5, {}) == 0);
}
