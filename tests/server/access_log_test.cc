// The batched access log: every line from every thread arrives whole, once, in each thread's
// order; the flusher writes on its own period; a backlog past the cap drops lines, counted.
// Runs under ThreadSanitizer too.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http/access_log.h"

using cm::http::AccessLog;
using namespace std::chrono_literals;

namespace {

// What reached the file, read through its descriptor: the flusher thread owns the FILE, and
// rewinding and reading that FILE while it writes (a read then a write with no seek between) is
// undefined, which under load lost the line the test waits for.
std::string Contents(std::FILE* f) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::pread(fileno(f), buf, sizeof buf, static_cast<off_t>(out.size()));
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace

TEST_CASE("lines from many threads arrive whole, once each, in each thread's order") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  {
    AccessLog log(f, 5ms, std::size_t{64} << 20);
    log.Start();
    std::vector<std::thread> writers;
    for (int t = 0; t < 4; ++t)
      writers.emplace_back([&log, t] {
        for (int i = 0; i < 5000; ++i)
          log.Write("{\"thread\":" + std::to_string(t) + ",\"i\":" + std::to_string(i) + "}");
      });
    for (auto& w : writers) w.join();
    log.Stop();
    CHECK(log.dropped() == 0);
  }
  std::istringstream lines(Contents(f));
  std::map<int, int> next;
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    int t = -1, i = -1;
    REQUIRE(std::sscanf(line.c_str(), "{\"thread\":%d,\"i\":%d}", &t, &i) == 2);
    CHECK(i == next[t]);  // in order, none missing, none twice
    next[t] = i + 1;
    ++count;
  }
  CHECK(count == 20000);
  std::fclose(f);
}

TEST_CASE("the flusher writes on its period, without being woken") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  AccessLog log(f, 10ms, 1 << 20);
  log.Start();
  log.Write("one");
  std::string seen;
  for (int k = 0; k < 200 && seen.empty(); ++k) {
    std::this_thread::sleep_for(10ms);
    seen = Contents(f);
  }
  CHECK(seen == "one\n");
  log.Stop();
  std::fclose(f);
}

TEST_CASE("a backlog past the cap drops whole lines and counts them") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  AccessLog log(f, std::chrono::hours(1), 100);  // nothing flushes until Stop
  log.Start();
  // "line-NN\n": 8 bytes each, so 12 fit in 100.
  for (int i = 0; i < 20; ++i) log.Write("line-" + std::to_string(i + 10));
  log.Stop();
  const std::string out = Contents(f);
  CHECK(out.size() == 96);
  CHECK(out.substr(0, 16) == "line-10\nline-11\n");  // whole lines, the first ones kept
  CHECK(log.dropped() == 8);
  std::fclose(f);
}
