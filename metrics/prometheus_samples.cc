#include "metrics/prometheus_samples.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace cm::metrics {

std::string_view ParsedSample::Label(std::string_view key) const {
  for (const auto& [k, v] : labels)
    if (k == key) return v;
  return {};
}

namespace {

// `{a="x",b="y\"z"}` from `in` (starting at '{'); false when malformed.
bool ParseLabels(std::string_view* in, ParsedSample* s) {
  in->remove_prefix(1);
  while (!in->empty() && in->front() != '}') {
    const std::size_t eq = in->find("=\"");
    if (eq == std::string_view::npos) return false;
    std::string key(in->substr(0, eq)), value;
    in->remove_prefix(eq + 2);
    while (!in->empty() && in->front() != '"') {
      if (in->front() == '\\' && in->size() > 1) {
        in->remove_prefix(1);
        value.push_back(in->front() == 'n' ? '\n' : in->front());
      } else {
        value.push_back(in->front());
      }
      in->remove_prefix(1);
    }
    if (in->empty()) return false;
    in->remove_prefix(1);  // the closing quote
    s->labels.emplace_back(std::move(key), std::move(value));
    if (!in->empty() && in->front() == ',') in->remove_prefix(1);
  }
  if (in->empty()) return false;
  in->remove_prefix(1);  // '}'
  return true;
}

}  // namespace

std::vector<ParsedSample> ParseSamples(std::string_view text) {
  std::vector<ParsedSample> out;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.empty() || line.front() == '#') continue;
    ParsedSample s;
    const std::size_t name_end = line.find_first_of("{ ");
    if (name_end == std::string_view::npos) continue;
    s.name = std::string(line.substr(0, name_end));
    line.remove_prefix(name_end);
    if (line.front() == '{' && !ParseLabels(&line, &s)) continue;
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    const std::string number(line);
    if (number == "+Inf") s.value = std::numeric_limits<double>::infinity();
    else if (number == "NaN") s.value = std::nan("");
    else {
      char* parsed_end = nullptr;
      s.value = std::strtod(number.c_str(), &parsed_end);
      if (parsed_end == number.c_str()) continue;
    }
    out.push_back(std::move(s));
  }
  return out;
}

double HistogramQuantile(double q, const std::vector<std::pair<double, double>>& buckets) {
  if (buckets.empty()) return 0;
  const double total = buckets.back().second;
  if (total <= 0) return 0;
  const double rank = q * total;
  double below = 0, lower = 0;
  for (const auto& [bound, count] : buckets) {
    if (count >= rank) {
      if (std::isinf(bound)) return lower;
      const double in_bucket = count - below;
      return in_bucket <= 0 ? bound : lower + (bound - lower) * (rank - below) / in_bucket;
    }
    below = count;
    if (!std::isinf(bound)) lower = bound;
  }
  return lower;
}

}  // namespace cm::metrics
