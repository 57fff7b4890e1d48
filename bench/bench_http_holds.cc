// Flash sale over HTTP: a load generator of ours against a running `concertmania serve` on
// 127.0.0.1. It creates a large concert, signs up and logs in N users, then has every
// keep-alive connection send hold requests as fast as the server answers, for a bounded time
// and count. Reports requests/s, successful holds/s and latency percentiles.
//
//   concertmania serve --data /tmp/x --fast-password-hash --admin-email a@b.io --admin-password ...
//   bench_http_holds --port 8080 --admin-email a@b.io --admin-password ...
#include <CLI/CLI.hpp>

#include <boost/asio/io_context.hpp>

#include <iostream>
#include <map>
#include <thread>

#include "bench/bench_report.h"
#include "bench/http_setup.h"
#include "bench/keepalive_client.h"

namespace net = boost::asio;
using cm::bench::FastRng;
using cm::bench::Latencies;
using cm::bench::NowNs;

namespace {

struct Options {
  uint16_t port = 8080;
  std::string admin_email, admin_password;
  int connections = 256;
  int users = 10'000;
  int threads = 1;
  int server_pid = 0;  // to report the server's CPU and context switches per request
  double seconds = 10;
  uint64_t max_requests = 2'000'000;
  // What the requests are answered, to price each answer alone: "mixed" (random seats, so a
  // sale that sells out: mostly 409 once the hall fills), "created" (every request a free seat
  // for a user under the limit: all 201) or "conflict" (seats held before the timed part,
  // asked for by users holding nothing: all 409).
  std::string answers = "mixed";
  // Seconds to wait after printing "sale: starting" and before the timed part, so that a tool
  // (strace -p, callgrind_control -z) can attach to the server for exactly the sale.
  double pause_before_sale = 0;
  cm::bench::ConcertShape shape;  // 50,000 seats
};

// A connection that sends hold requests back to back until the shared budget runs out.
class Shooter {
 public:
  struct Shared {
    std::string concert_path;
    const std::vector<std::string>* tokens;
    uint64_t seats;
    int64_t deadline_ns;
    std::atomic<int64_t> budget;  // requests left; below zero once spent
    enum class Answers { kMixed, kCreated, kConflict } answers = Answers::kMixed;
    int max_seats_per_user = 4;
    std::atomic<uint64_t> next_seat{0};  // kCreated: the next free seat
    uint64_t taken = 0;                  // kConflict: seats [0, taken) are held
  };
  Shooter(net::io_context& io, uint16_t port, Shared& shared, uint64_t seed)
      : client_(std::make_shared<cm::bench::KeepAliveClient>(io, port)), shared_(shared), rng_(seed) {}

  void Start() { Next(); }
  int errors() const { return client_->errors(); }

  Latencies latencies;
  std::map<int, uint64_t> statuses;
  int64_t last_hold_ns = 0;

 private:
  void Next() {
    if (NowNs() >= shared_.deadline_ns || shared_.budget.fetch_sub(1) <= 0) return;
    const auto& tokens = *shared_.tokens;
    uint64_t seat = 0;
    std::size_t user = 0;
    switch (shared_.answers) {
      case Shared::Answers::kMixed:
        seat = rng_.Below(shared_.seats);
        user = rng_.Below(tokens.size());
        break;
      case Shared::Answers::kCreated:
        // Seat i to user i / limit: every user fills up exactly, nobody over the limit.
        seat = shared_.next_seat.fetch_add(1);
        user = seat / shared_.max_seats_per_user;
        if (seat >= shared_.seats || user >= tokens.size()) return;
        break;
      case Shared::Answers::kConflict: {
        // Users past those who took [0, taken) hold nothing: the only answer is a taken seat.
        const std::size_t holders = shared_.taken / shared_.max_seats_per_user + 1;
        seat = rng_.Below(shared_.taken);
        user = holders + rng_.Below(tokens.size() - holders);
        break;
      }
    }
    const std::string& token = tokens[user];
    client_->Post(shared_.concert_path, "{\"seatIds\":[" + std::to_string(seat) + "]}", token, {},
                  [this](int status, const std::string&, int64_t ns) {
                    latencies.Add(ns);
                    ++statuses[status];
                    if (status == 201) last_hold_ns = NowNs();
                    Next();
                  });
  }

  std::shared_ptr<cm::bench::KeepAliveClient> client_;
  Shared& shared_;
  FastRng rng_;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Flash sale over HTTP against a running concertmania server (127.0.0.1 only)"};
  app.add_option("--port", o.port, "Server port on 127.0.0.1")->required();
  app.add_option("--admin-email", o.admin_email, "An admin account of the server")->required();
  app.add_option("--admin-password", o.admin_password, "Its password")->required();
  app.add_option("--connections", o.connections, "Keep-alive connections")->capture_default_str();
  app.add_option("--users", o.users, "Users that sign up and log in first")->capture_default_str();
  app.add_option("--threads", o.threads, "Client I/O threads")->capture_default_str();
  app.add_option("--server-pid", o.server_pid,
                 "The server's process, to report its CPU and context switches per request");
  app.add_option("--seconds", o.seconds, "Length of the sale (bound)")->capture_default_str();
  app.add_option("--max-requests", o.max_requests, "Hold requests at most (bound)")->capture_default_str();
  app.add_option("--answers", o.answers, "mixed, created (all 201) or conflict (all 409)")
      ->check(CLI::IsMember({"mixed", "created", "conflict"}))
      ->capture_default_str();
  app.add_option("--pause-before-sale", o.pause_before_sale,
                 "Seconds between 'sale: starting' and the timed part (to attach a tool)");
  cm::bench::AddConcertShapeOptions(app, o.shape);
  CLI11_PARSE(app, argc, argv);

  o.shape.title = "Bench Flash Sale";
  const std::string concert_id = std::to_string(
      cm::bench::CreateConcertOnSale(o.port, o.admin_email, o.admin_password, o.shape));

  // Sign up and log in every user (over a few connections in parallel).
  const int64_t setup_start = NowNs();
  const std::string run_tag = std::to_string(NowNs());
  const std::vector<std::string> tokens = cm::bench::SignUpUsers(o.port, o.users, run_tag);
  const double setup_s = (NowNs() - setup_start) / 1e9;

  // The sale.
  net::io_context io;
  Shooter::Shared shared;
  shared.concert_path = "/api/v1/concerts/" + concert_id + "/reservations";
  shared.tokens = &tokens;
  shared.seats = static_cast<uint64_t>(o.shape.seats());
  shared.budget = static_cast<int64_t>(o.max_requests);
  shared.max_seats_per_user = o.shape.max_seats_per_user;
  std::vector<std::unique_ptr<Shooter>> shooters;
  for (int c = 0; c < o.connections; ++c)
    shooters.push_back(std::make_unique<Shooter>(io, o.port, shared, 1000 + c));
  if (o.answers == "conflict") {
    // Untimed: the first users take the first seats, which the timed part then asks for.
    // At most half the users take seats, so that the others are left to ask for them.
    shared.taken = std::min<uint64_t>({shared.seats, 1000,
                                       static_cast<uint64_t>(o.shape.max_seats_per_user) *
                                           (tokens.size() / 2)});
    if (shared.taken == 0) {
      std::cerr << "--answers conflict needs at least two users\n";
      return 2;
    }
    shared.answers = Shooter::Shared::Answers::kCreated;
    shared.budget = static_cast<int64_t>(shared.taken);
    shared.deadline_ns = NowNs() + 60'000'000'000;
    for (auto& s : shooters) s->Start();
    io.run();
    io.restart();
    for (auto& s : shooters) s->latencies = {}, s->statuses.clear();
    shared.answers = Shooter::Shared::Answers::kConflict;
    shared.budget = static_cast<int64_t>(o.max_requests);
  } else if (o.answers == "created") {
    shared.answers = Shooter::Shared::Answers::kCreated;
  }
  std::cout << "sale: starting" << std::endl;
  if (o.pause_before_sale > 0)
    std::this_thread::sleep_for(std::chrono::duration<double>(o.pause_before_sale));
  const auto server_before = cm::bench::ProcessUsage::Of(o.server_pid);
  const auto client_before = cm::bench::ProcessUsage::Now();
  const int64_t start = NowNs();
  shared.deadline_ns = start + static_cast<int64_t>(o.seconds * 1e9);
  for (auto& s : shooters) s->Start();
  std::vector<std::thread> threads;
  for (int t = 1; t < o.threads; ++t) threads.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  const double elapsed = (NowNs() - start) / 1e9;
  const auto server = cm::bench::ProcessUsage::Of(o.server_pid) - server_before;
  const auto client = cm::bench::ProcessUsage::Now() - client_before;

  Latencies all;
  std::map<int, uint64_t> statuses;
  int errors = 0;
  for (auto& s : shooters) {
    errors += s->errors();
    for (auto [k, v] : s->statuses) statuses[k] += v;
  }
  uint64_t total = 0;
  for (auto& s : shooters) total += s->latencies.size();
  cm::bench::Report report("http_flash_sale");
  report.Note("setup", std::to_string(o.users) + " users signed up and logged in, " +
                           std::to_string(shared.seats) + " seats, " +
                           std::to_string(o.connections) + " connections, " +
                           std::to_string(o.threads) + " client threads");
  report.Add("setup_time", setup_s, "s");
  report.Add("requests", static_cast<double>(total), "");
  report.Add("elapsed", elapsed, "s");
  report.Add("requests_per_s", total / elapsed, "req/s");
  report.Add("holds_per_s", statuses[201] / elapsed, "holds/s");
  // What a request costs, whatever the machine's noise does to the rate.
  const double requests = std::max<double>(1, static_cast<double>(total));
  if (o.server_pid != 0) cm::bench::AddServerCosts(report, server, requests, elapsed, "request");
  report.Add("client_cpu_us_per_request", client.cpu_us / requests, "us");
  // Holds stop when the seats or the users' per-user limits run out; the rate that matters is
  // the one while holds were still possible.
  int64_t last_hold = start;
  for (auto& s : shooters) last_hold = std::max(last_hold, s->last_hold_ns);
  const double selling = std::max(1e-9, (last_hold - start) / 1e9);
  report.Add("last_hold_after", selling, "s");
  report.Add("holds_per_s_while_selling", statuses[201] / selling, "holds/s");
  for (auto [code, n] : statuses) report.Add("status_" + std::to_string(code), static_cast<double>(n), "");
  report.Add("connection_errors", errors, "");
  std::vector<int64_t> merged;
  for (auto& s : shooters) {
    auto samples = s->latencies.Samples();
    merged.insert(merged.end(), samples.begin(), samples.end());
  }
  for (int64_t ns : merged) all.Add(ns);
  report.Add("latency_p50", all.PercentileUs(50), "us");
  report.Add("latency_p99", all.PercentileUs(99), "us");
  report.Add("latency_p99_9", all.PercentileUs(99.9), "us");
  report.Add("latency_max", all.MaxUs(), "us");
  report.Print();
  return errors == 0 ? 0 : 1;
}
