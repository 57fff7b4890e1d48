// What an operator runs the server with: /metrics as Prometheus's own lint reads it, and the
// numbers the alerts in deploy/prometheus/rules.yml watch.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <thread>

#include "tests/server/api_fixture.h"
#include "tests/support/fakepg_process.h"
#include "tests/support/shell.h"

using namespace cm::test;

namespace {

// The value of an unlabelled sample in a text exposition; -1 when it is absent.
double Sample(const std::string& metrics, const std::string& series) {
  const auto at = metrics.find("\n" + series + " ");
  return at == std::string::npos ? -1 : std::stod(metrics.substr(at + series.size() + 2));
}

// The metric families a file names (cm_..., histogram series reduced to their family).
std::set<std::string> MetricsNamedIn(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::regex name(R"(\bcm_[a-z_]+)");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), name);
       it != std::sregex_iterator(); ++it) {
    std::string n = it->str();
    for (const char* suffix : {"_bucket", "_sum", "_count"})
      if (n.ends_with(suffix)) n.resize(n.size() - std::string(suffix).size());
    names.insert(n);
  }
  return names;
}

}  // namespace

TEST_CASE("/metrics passes promtool's lint, with every part of the server reporting") {
  TempDir pg_dir;
  FakePgProcess pg(pg_dir.path() + "/fakepg.port");
  ApiFixture f({"--payment-provider-url", pg.url()});
  // A waiting room with one place: one user shops, the other waits in line.
  ConcertOptions o;
  o.waiting_room = json::object{{"maxActive", 1}, {"admitPerSecond", 1}};
  const uint64_t concert = f.CreateConcert(o);
  const auto users = MakeUsers(f, 2, "ops");
  const std::string queue = "/api/v1/concerts/" + std::to_string(concert) + "/queue";
  for (const std::string& token : users) REQUIRE(f.http.Post(queue, "", token).status == 201);
  const uint64_t open_sale = f.CreateConcert();
  auto hold = f.http.Post("/api/v1/concerts/" + std::to_string(open_sale) + "/reservations",
                          R"({"count":1})", users[0]);
  REQUIRE(hold.status == 201);

  // The opening draw and the first admission happen on the engine's clock ticks.
  const std::string in_line = "cm_queue_in_line{concert=\"" + std::to_string(concert) + "\"} 1";
  std::string metrics;
  for (int i = 0; i < 100; ++i) {
    metrics = f.http.Get("/metrics").body;
    if (metrics.find(in_line) != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(metrics.find(in_line) != std::string::npos);
  CHECK(Sample(metrics, "cm_journal_bytes") > 0);
  CHECK(Sample(metrics, "cm_snapshot_bytes") >= 0);
  CHECK(Sample(metrics, "cm_journal_archive_bytes") == 0);
  const double free_bytes = Sample(metrics, "cm_data_disk_free_bytes");
  CHECK(free_bytes > 0);
  CHECK(free_bytes <= Sample(metrics, "cm_data_disk_size_bytes"));
  CHECK(metrics.find("cm_payment_charges_total") != std::string::npos);

  std::ifstream dashboard_file(CM_SOURCE_DIR "/deploy/grafana/concertmania.json");
  const json::value dashboard = json::parse(std::string(
      (std::istreambuf_iterator<char>(dashboard_file)), std::istreambuf_iterator<char>()));
  CHECK(dashboard.at("panels").as_array().size() > 20);
  // Every metric the alerts and the dashboard use is one the server exports (the outbox's only
  // when Kafka is configured, which this server is not).
  for (const char* file : {CM_SOURCE_DIR "/deploy/prometheus/rules.yml",
                           CM_SOURCE_DIR "/deploy/grafana/concertmania.json"})
    for (const std::string& name : MetricsNamedIn(file)) {
      if (name.starts_with("cm_outbox_")) continue;
      INFO(file << " names " << name);
      CHECK(metrics.find("# TYPE " + name + " ") != std::string::npos);
    }

  const std::string file = f.dir.path() + "/metrics.txt";
  std::ofstream(file) << metrics;
  const ShellResult lint = RunShell("promtool check metrics < " + file + " 2>&1");
  INFO("promtool check metrics: " << lint.output);
  CHECK(lint.exit_code == 0);
}
