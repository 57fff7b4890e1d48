// The door rush over HTTP: a running `concertmania serve` on 127.0.0.1 sells N tickets (fans
// hold 16 seats at a time, an admin confirms them at the box office), then door staff scan
// every ticket once over `--connections` keep-alive connections, as fast as the server
// answers. Reports check-ins per second and latency percentiles, and the server's CPU and
// context switches per check-in. Each check-in verifies one Ed25519 signature in the gateway
// and is decided (and journaled) by the engine.
//
//   concertmania serve --data /tmp/x --fast-password-hash --admin-email a@b.io --admin-password ...
//   bench_door_rush --port 8080 --admin-email a@b.io --admin-password ... --tickets 50000
#include <CLI/CLI.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <iostream>
#include <map>
#include <thread>

#include "bench/bench_report.h"
#include "bench/http_setup.h"
#include "bench/keepalive_client.h"

namespace net = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using cm::bench::Latencies;
using cm::bench::NowNs;

namespace {

struct Options {
  uint16_t port = 8080;
  std::string admin_email, admin_password;
  int tickets = 50'000;
  int connections = 64;
  int threads = 1;
  int server_pid = 0;
  double seconds = 60;  // bound on the rush
};

constexpr int kSeatsPerFan = 64;  // four holds of 16

// Sells `count` seats of `concert`; returns every ticket's code.
std::vector<std::string> SellTickets(const Options& o, int64_t concert, int count) {
  const int fans = (count + kSeatsPerFan - 1) / kSeatsPerFan;
  const std::vector<std::string> tokens =
      cm::bench::SignUpUsers(o.port, fans, "door" + std::to_string(NowNs()));
  std::vector<std::vector<std::string>> codes(4);
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w)
    workers.emplace_back([&, w] {
      net::io_context io;
      auto s = cm::bench::ConnectLoopback(io, o.port);
      const std::string admin = cm::bench::Login(s, o.admin_email, o.admin_password);
      for (int f = w; f < fans; f += 4) {
        for (int h = 0; h < kSeatsPerFan / 16; ++h) {
          std::string seats = "[";
          for (int k = 0; k < 16; ++k)
            seats += (k ? "," : "") + std::to_string(f * kSeatsPerFan + h * 16 + k);
          auto held = cm::bench::Call(s, http::verb::post,
                                      "/api/v1/concerts/" + std::to_string(concert) + "/reservations",
                                      "{\"seatIds\":" + seats + "]}", tokens[f]);
          if (held.result_int() != 201) throw std::runtime_error("hold: " + held.body());
          const auto id = json::parse(held.body()).at("id").to_number<int64_t>();
          auto confirmed = cm::bench::Call(
              s, http::verb::post, "/api/admin/reservations/" + std::to_string(id) + "/confirm",
              "", admin);
          if (confirmed.result_int() != 200) throw std::runtime_error("confirm: " + confirmed.body());
        }
        auto mine = cm::bench::Call(s, http::verb::get, "/api/users/me/tickets", "", tokens[f]);
        const json::value listed = json::parse(mine.body());
        for (const auto& t : listed.at("tickets").as_array())
          codes[w].emplace_back(t.at("code").as_string());
      }
    });
  for (auto& t : workers) t.join();
  std::vector<std::string> all;
  for (auto& c : codes) all.insert(all.end(), c.begin(), c.end());
  all.resize(std::min<std::size_t>(all.size(), static_cast<std::size_t>(count)));
  return all;
}

// A scanner: sends the next code of the shared list until none is left.
class Scanner {
 public:
  struct Shared {
    const std::vector<std::string>* codes;
    std::string body_tail;  // ,"gate":...,"concertId":N}
    std::string token;
    int64_t deadline_ns;
    std::atomic<std::size_t> next{0};
  };
  Scanner(net::io_context& io, uint16_t port, Shared& shared, int gate)
      : client_(std::make_shared<cm::bench::KeepAliveClient>(io, port)),
        shared_(shared),
        gate_("\"gate\":\"Gate " + std::to_string(gate % 8) + "\"") {}
  void Start() { Next(); }
  int errors() const { return client_->errors(); }

  Latencies latencies;
  std::map<std::string, uint64_t> results;

 private:
  void Next() {
    if (NowNs() >= shared_.deadline_ns) return;
    const std::size_t i = shared_.next.fetch_add(1);
    if (i >= shared_.codes->size()) return;
    client_->Post("/api/checkin",
                  "{\"code\":\"" + (*shared_.codes)[i] + "\"," + gate_ + shared_.body_tail,
                  shared_.token, {}, [this](int status, const std::string& body, int64_t ns) {
                    latencies.Add(ns);
                    std::string result = "HTTP_" + std::to_string(status);
                    if (status == 200) result = json::parse(body).at("result").as_string().c_str();
                    ++results[result];
                    Next();
                  });
  }

  std::shared_ptr<cm::bench::KeepAliveClient> client_;
  Shared& shared_;
  std::string gate_;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"The door rush over HTTP against a running concertmania server (127.0.0.1 only)"};
  app.add_option("--port", o.port, "Server port on 127.0.0.1")->required();
  app.add_option("--admin-email", o.admin_email, "An admin account of the server")->required();
  app.add_option("--admin-password", o.admin_password, "Its password")->required();
  app.add_option("--tickets", o.tickets, "Tickets sold, then each scanned once")->capture_default_str();
  app.add_option("--connections", o.connections, "Scanner connections")->capture_default_str();
  app.add_option("--threads", o.threads, "Client I/O threads")->capture_default_str();
  app.add_option("--server-pid", o.server_pid,
                 "The server's process, to report its CPU and context switches per check-in");
  app.add_option("--seconds", o.seconds, "Bound on the rush")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  cm::bench::ConcertShape shape;
  shape.title = "Bench Door Rush";
  shape.seats_per_row = 100;
  shape.rows = 50;
  // Every fan buys a full kSeatsPerFan, so the venue has room for the last fan's too.
  const int seats = (o.tickets + kSeatsPerFan - 1) / kSeatsPerFan * kSeatsPerFan;
  shape.sections = (seats + 4999) / 5000;
  shape.max_seats_per_user = kSeatsPerFan;
  shape.doors_open = true;
  const int64_t concert =
      cm::bench::CreateConcertOnSale(o.port, o.admin_email, o.admin_password, shape);
  const int64_t setup_start = NowNs();
  const std::vector<std::string> codes = SellTickets(o, concert, o.tickets);
  const double setup_s = (NowNs() - setup_start) / 1e9;

  // Door staff: an account of its own, made by the admin.
  std::string staff;
  {
    net::io_context io;
    auto s = cm::bench::ConnectLoopback(io, o.port);
    const std::string admin = cm::bench::Login(s, o.admin_email, o.admin_password);
    const std::string email = "door" + std::to_string(NowNs()) + "@bench.io";
    cm::bench::Call(s, http::verb::post, "/api/admin/users",
                    json::serialize(json::object{
                        {"email", email}, {"password", "door-password"}, {"name", "Door"}}),
                    admin);
    staff = cm::bench::Login(s, email, "door-password");
  }

  net::io_context io;
  Scanner::Shared shared;
  shared.codes = &codes;
  shared.body_tail = ",\"concertId\":" + std::to_string(concert) + "}";
  shared.token = staff;
  std::vector<std::unique_ptr<Scanner>> scanners;
  for (int c = 0; c < o.connections; ++c)
    scanners.push_back(std::make_unique<Scanner>(io, o.port, shared, c));
  const auto server_before = cm::bench::ProcessUsage::Of(o.server_pid);
  const auto client_before = cm::bench::ProcessUsage::Now();
  const int64_t start = NowNs();
  shared.deadline_ns = start + static_cast<int64_t>(o.seconds * 1e9);
  for (auto& s : scanners) s->Start();
  std::vector<std::thread> threads;
  for (int t = 1; t < o.threads; ++t) threads.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  const double elapsed = (NowNs() - start) / 1e9;
  const auto server = cm::bench::ProcessUsage::Of(o.server_pid) - server_before;
  const auto client = cm::bench::ProcessUsage::Now() - client_before;

  Latencies all;
  std::map<std::string, uint64_t> results;
  int errors = 0;
  uint64_t total = 0;
  for (auto& s : scanners) {
    errors += s->errors();
    for (const auto& [k, v] : s->results) results[k] += v;
    for (int64_t ns : s->latencies.Samples()) all.Add(ns);
    total += s->latencies.size();
  }
  cm::bench::Report report("door_rush");
  report.Note("setup", std::to_string(codes.size()) + " tickets sold, " +
                           std::to_string(o.connections) + " scanner connections, " +
                           std::to_string(o.threads) + " client threads");
  report.Add("setup_time", setup_s, "s");
  report.Add("checkins", static_cast<double>(total), "");
  report.Add("elapsed", elapsed, "s");
  report.Add("checkins_per_s", total / elapsed, "checkins/s");
  const double requests = std::max<double>(1, static_cast<double>(total));
  if (o.server_pid != 0) cm::bench::AddServerCosts(report, server, requests, elapsed, "checkin");
  report.Add("client_cpu_us_per_checkin", client.cpu_us / requests, "us");
  for (const auto& [k, v] : results) report.Add("result_" + k, static_cast<double>(v), "");
  report.Add("connection_errors", errors, "");
  report.Add("latency_p50", all.PercentileUs(50), "us");
  report.Add("latency_p99", all.PercentileUs(99), "us");
  report.Add("latency_p99_9", all.PercentileUs(99.9), "us");
  report.Add("latency_max", all.MaxUs(), "us");
  report.Print();
  return errors == 0 && results["ADMITTED"] == codes.size() ? 0 : 1;
}
