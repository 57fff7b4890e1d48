#include "metrics/prometheus_text.h"

#include <cstdio>

namespace cm::metrics {
namespace {

std::string Number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

std::string Label(std::string_view name, std::string_view value) {
  std::string out(name);
  out += "=\"";
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  out.push_back('"');
  return out;
}

void PrometheusText::Header(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += help;
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void PrometheusText::Sample(std::string_view name, std::string_view labels, double value) {
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    out_ += labels;
    out_ += '}';
  }
  out_ += ' ';
  out_ += Number(value);
  out_ += '\n';
}

void PrometheusText::HistogramSamples(std::string_view name, std::string_view labels,
                                      const Histogram& h, double scale) {
  const std::string bucket = std::string(name) + "_bucket";
  const std::string sep = labels.empty() ? "" : std::string(labels) + ",";
  uint64_t cumulative = 0;
  for (std::size_t i = 0; i < h.bounds().size(); ++i) {
    cumulative += h.bucket(i);
    Sample(bucket, sep + Label("le", Number(h.bounds()[i] / scale)), static_cast<double>(cumulative));
  }
  cumulative += h.bucket(h.bounds().size());
  Sample(bucket, sep + Label("le", "+Inf"), static_cast<double>(cumulative));
  Sample(std::string(name) + "_sum", labels, h.sum() / scale);
  Sample(std::string(name) + "_count", labels, static_cast<double>(cumulative));
}

}  // namespace cm::metrics
