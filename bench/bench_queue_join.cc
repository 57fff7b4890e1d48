// The waiting room's join storm over HTTP: a load generator of ours against a running
// `concertmania serve` on 127.0.0.1. It creates a concert on sale behind a waiting room that
// admits 1,000 shoppers at 100/s (so the line grows as the storm arrives), signs up N users, then has every keep-alive connection send POST .../queue for the next user who has
// not joined, as fast as the server answers: each user joins once, bounded by count and time.
// Reports joins/s and latency percentiles, and checks that every user got exactly one place.
//
//   concertmania serve --data /tmp/x --fast-password-hash --admin-email a@b.io --admin-password ...
//   bench_queue_join --port 8080 --admin-email a@b.io --admin-password ... --users 100000
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <map>
#include <thread>

#include "bench/bench_report.h"
#include "bench/http_setup.h"
#include "bench/keepalive_client.h"

namespace net = boost::asio;
using cm::bench::Latencies;
using cm::bench::NowNs;

namespace {

struct Shared {
  std::string queue_path;
  const std::vector<std::string>* tokens;
  int64_t deadline_ns;
  std::atomic<std::size_t> next{0};
};

// A connection that joins the next user's place, back to back.
class Joiner {
 public:
  Joiner(net::io_context& io, uint16_t port, Shared& shared)
      : client_(std::make_shared<cm::bench::KeepAliveClient>(io, port)), shared_(shared) {}
  void Start() { Next(); }
  int errors() const { return client_->errors(); }

  Latencies latencies;
  std::map<int, uint64_t> statuses;
  std::vector<int64_t> tickets;

 private:
  void Next() {
    if (NowNs() >= shared_.deadline_ns) return;
    const std::size_t i = shared_.next.fetch_add(1);
    if (i >= shared_.tokens->size()) return;
    client_->Post(shared_.queue_path, {}, (*shared_.tokens)[i], {},
                  [this](int status, const std::string& body, int64_t ns) {
                    latencies.Add(ns);
                    ++statuses[status];
                    if (status == 201)
                      tickets.push_back(boost::json::parse(body).at("ticketId").as_int64());
                    Next();
                  });
  }

  std::shared_ptr<cm::bench::KeepAliveClient> client_;
  Shared& shared_;
};

}  // namespace

int main(int argc, char** argv) {
  uint16_t port = 8080;
  std::string admin_email, admin_password;
  int users = 100'000, connections = 256, threads = 1;
  double seconds = 60;
  CLI::App app{"Waiting-room join storm over HTTP against a running concertmania (127.0.0.1)"};
  app.add_option("--port", port, "Server port on 127.0.0.1")->required();
  app.add_option("--admin-email", admin_email, "An admin account of the server")->required();
  app.add_option("--admin-password", admin_password, "Its password")->required();
  app.add_option("--users", users, "Users who each join once")->capture_default_str();
  app.add_option("--connections", connections, "Keep-alive connections")->capture_default_str();
  app.add_option("--threads", threads, "Client I/O threads")->capture_default_str();
  app.add_option("--seconds", seconds, "Bound on the storm's length")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  cm::bench::ConcertShape shape;
  shape.sections = 1;
  shape.rows = 10;
  shape.seats_per_row = 100;
  shape.title = "Bench Queue";
  shape.waiting_room_json =
      R"({"maxActive":1000,"admitPerSecond":100,"preQueueSeconds":7200,"abandonAfterSeconds":3600})";
  const std::string concert = std::to_string(
      cm::bench::CreateConcertOnSale(port, admin_email, admin_password, shape));

  const int64_t setup_start = NowNs();
  const std::vector<std::string> tokens =
      cm::bench::SignUpUsers(port, users, std::to_string(NowNs()));
  const double setup_s = (NowNs() - setup_start) / 1e9;

  net::io_context io;
  Shared shared;
  shared.queue_path = "/api/v1/concerts/" + concert + "/queue";
  shared.tokens = &tokens;
  std::vector<std::unique_ptr<Joiner>> joiners;
  for (int c = 0; c < connections; ++c) joiners.push_back(std::make_unique<Joiner>(io, port, shared));
  const int64_t start = NowNs();
  shared.deadline_ns = start + static_cast<int64_t>(seconds * 1e9);
  for (auto& j : joiners) j->Start();
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  const double elapsed = (NowNs() - start) / 1e9;

  Latencies all;
  std::map<int, uint64_t> statuses;
  std::vector<int64_t> tickets;
  int errors = 0;
  for (auto& j : joiners) {
    errors += j->errors();
    for (auto [k, v] : j->statuses) statuses[k] += v;
    for (int64_t ns : j->latencies.Samples()) all.Add(ns);
    tickets.insert(tickets.end(), j->tickets.begin(), j->tickets.end());
  }
  std::sort(tickets.begin(), tickets.end());
  const bool distinct = std::adjacent_find(tickets.begin(), tickets.end()) == tickets.end();

  cm::bench::Report report("queue_join_storm");
  report.Note("setup", std::to_string(users) + " users signed up and logged in, " +
                           std::to_string(connections) + " connections, " +
                           std::to_string(threads) + " client threads");
  report.Add("setup_time", setup_s, "s");
  report.Add("joins", static_cast<double>(all.size()), "");
  report.Add("joined_201", static_cast<double>(statuses[201]), "");
  report.Add("other_statuses", static_cast<double>(all.size() - statuses[201]), "");
  report.Add("distinct_tickets", distinct ? 1 : 0, "bool");
  report.Add("errors", errors, "");
  report.Add("elapsed", elapsed, "s");
  report.Add("joins_per_s", static_cast<double>(all.size()) / elapsed, "joins/s");
  report.Add("latency_p50", all.PercentileUs(50) / 1e3, "ms");
  report.Add("latency_p99", all.PercentileUs(99) / 1e3, "ms");
  report.Add("latency_max", all.MaxUs() / 1e3, "ms");
  report.Print();
  return 0;
}
