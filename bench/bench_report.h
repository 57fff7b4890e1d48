#pragma once
// Benchmark output: a readable table and one JSON line with the same figures, so people read
// the table and scripts read the line.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace cm::bench {

class Report {
 public:
  explicit Report(std::string name) : name_(std::move(name)) {}
  void Add(const std::string& key, double value, const std::string& unit);
  void Note(const std::string& key, const std::string& text);
  // Prints the table, then `BENCH_JSON {...}` on one line.
  void Print() const;

 private:
  struct Row {
    std::string key, unit, text;
    double value = 0;
    bool is_text = false;
  };
  std::string name_;
  std::vector<Row> rows_;
};

// Latency samples in nanoseconds; percentiles by sorting (fine for a few million samples).
class Latencies {
 public:
  void Reserve(std::size_t n) { samples_.reserve(n); }
  void Add(int64_t ns) { samples_.push_back(ns); }
  std::size_t size() const { return samples_.size(); }
  const std::vector<int64_t>& Samples() const { return samples_; }
  // p in [0, 100]. Sorts on first use.
  double PercentileUs(double p);
  double MaxUs();

 private:
  std::vector<int64_t> samples_;
  bool sorted_ = false;
};

inline int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Resident set size of this process, in bytes (from /proc/self/statm).
uint64_t ResidentBytes();

// CPU time and context switches of this whole process (every thread), from getrusage.
struct ProcessUsage {
  double cpu_us = 0;               // user + system
  double voluntary_switches = 0;   // a thread blocked (futex wait, fsync, sleep)
  double involuntary_switches = 0; // a thread was preempted: more runnable threads than cores
  static ProcessUsage Now();      // this process
  // Another process (a server under load): CPU from /proc/<pid>/stat, context switches summed
  // over its threads' /proc/<pid>/task/*/status (threads that already ended are not counted).
  static ProcessUsage Of(int pid);
  ProcessUsage operator-(const ProcessUsage& o) const {
    return {cpu_us - o.cpu_us, voluntary_switches - o.voluntary_switches,
            involuntary_switches - o.involuntary_switches};
  }
};

// What each of `count` requests cost a server under load (`usage` over `elapsed_s`), the figures
// machine noise does not move: server_cpu_us_per_<what>, server_cpu_cores and the voluntary and
// involuntary context switches per 1,000 <what>s.
void AddServerCosts(Report& report, const ProcessUsage& usage, double count, double elapsed_s,
                    const std::string& what);

// A small fast RNG for generating load (xorshift64*); not for anything that matters.
class FastRng {
 public:
  explicit FastRng(uint64_t seed) : s_(seed ? seed : 1) {}
  uint64_t Next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545F4914F6CDD1DULL;
  }
  uint64_t Below(uint64_t n) { return Next() % n; }

 private:
  uint64_t s_;
};

}  // namespace cm::bench
