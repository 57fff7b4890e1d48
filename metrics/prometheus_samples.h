#pragma once
// Reading the Prometheus text the server writes (metrics/prometheus_text.h) back into samples,
// for the console's live view: it shows the server's own figures, read where /metrics reads
// them, not counted a second time. Only what PrometheusText writes is understood: one sample a
// line, labels with quoted values, no timestamps.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cm::metrics {

struct ParsedSample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
  // The label's value, or "" when it has none.
  std::string_view Label(std::string_view key) const;
};

// Every sample line of `text` (comments and malformed lines skipped).
std::vector<ParsedSample> ParseSamples(std::string_view text);

// A histogram's cumulative buckets (upper bound, count at or below it; +Inf last), as
// histogram_quantile reads them: the q-quantile by linear interpolation inside its bucket; 0
// when there are no observations. The last finite bound when it falls in +Inf.
double HistogramQuantile(double q, const std::vector<std::pair<double, double>>& buckets);

}  // namespace cm::metrics
