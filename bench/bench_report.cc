#include "bench/bench_report.h"

#include <sys/resource.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

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

ProcessUsage ProcessUsage::Of(int pid) {
  ProcessUsage usage;
  const std::string proc = "/proc/" + std::to_string(pid);
  std::ifstream stat_file(proc + "/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // Fields 14 and 15 (utime, stime) counted after the command name, which may hold spaces.
  if (const std::size_t close = stat.rfind(')'); close != std::string::npos) {
    std::istringstream fields(stat.substr(close + 2));
    std::string f;
    double ticks = 0;
    for (int i = 3; i <= 15 && fields >> f; ++i)
      if (i >= 14) ticks += std::stod(f);
    usage.cpu_us = ticks * 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator(proc + "/task", ec)) {
    std::ifstream status(task.path() / "status");
    std::string key;
    double value;
    while (status >> key) {
      if (key == "voluntary_ctxt_switches:" && status >> value) usage.voluntary_switches += value;
      else if (key == "nonvoluntary_ctxt_switches:" && status >> value)
        usage.involuntary_switches += value;
    }
  }
  return usage;
}

uint64_t ResidentBytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

void AddServerCosts(Report& report, const ProcessUsage& usage, double count, double elapsed_s,
                    const std::string& what) {
  count = std::max(1.0, count);
  report.Add("server_cpu_us_per_" + what, usage.cpu_us / count, "us");
  report.Add("server_cpu_cores", usage.cpu_us / 1e6 / elapsed_s, "cores");
  report.Add("server_voluntary_switches_per_1k_" + what + "s",
             1000 * usage.voluntary_switches / count, "");
  report.Add("server_involuntary_switches_per_1k_" + what + "s",
             1000 * usage.involuntary_switches / count, "");
}

}  // namespace cm::bench
