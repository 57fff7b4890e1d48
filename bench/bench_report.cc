#include "bench/bench_report.h"

#include <sys/resource.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace cm::bench {

void Report::Add(const std::string& key, double value, const std::string& unit) {
  rows_.push_back(Row{key, unit, "", value, false});
}

void Report::Note(const std::string& key, const std::string& text) {
  rows_.push_back(Row{key, "", text, 0, true});
}

void Report::Print() const {
  std::printf("\n== %s\n", name_.c_str());
  for (const Row& r : rows_) {
    if (r.is_text) {
      std::printf("  %-34s %s\n", r.key.c_str(), r.text.c_str());
    } else {
      std::printf("  %-34s %16.2f %s\n", r.key.c_str(), r.value, r.unit.c_str());
    }
  }
  std::string json = "{\"bench\":\"" + name_ + "\"";
  for (const Row& r : rows_) {
    json += ",\"" + r.key + "\":";
    if (r.is_text) {
      json += "\"" + r.text + "\"";
    } else {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.3f", r.value);
      json += buf;
    }
  }
  json += "}";
  std::printf("BENCH_JSON %s\n", json.c_str());
  std::fflush(stdout);
}

double Latencies::PercentileUs(double p) {
  if (samples_.empty()) return 0;
  if (!sorted_) {
    std::sort(samples_.begin(), samples_.end());
    sorted_ = true;
  }
  const auto i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(samples_.size() - 1));
  return static_cast<double>(samples_[i]) / 1000.0;
}

double Latencies::MaxUs() { return PercentileUs(100); }

ProcessUsage ProcessUsage::Now() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto us = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_usec); };
  return {us(u.ru_utime) + us(u.ru_stime), static_cast<double>(u.ru_nvcsw),
          static_cast<double>(u.ru_nivcsw)};
}

uint64_t ResidentBytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace cm::bench
