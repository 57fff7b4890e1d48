// End-to-end purchases over HTTP: hold -> pay -> CONFIRMED, against a running
// `concertmania serve` that pays through concertmania-fakepg (both on 127.0.0.1; see
// bench/purchases.sh, which runs it at two provider latencies). Every keep-alive connection
// holds one seat, pays for it, and goes on, for a bounded time and count. Reports purchases/s
// (confirmations counted by the server's /metrics), the hold and pay request latencies, and
// the sequencer's batch time from /metrics over the run, which must not depend on how slow
// the provider is.
//
// With --analyze-dump it reads `concertmania-replay --dump` on stdin instead and reports the
// time from each pay request (its PaymentRequested) to its ReservationConfirmed.
#include <CLI/CLI.hpp>

#include <boost/json.hpp>

#include <iostream>
#include <map>
#include <thread>
#include <unordered_map>

#include "bench/bench_report.h"
#include "bench/http_setup.h"
#include "bench/keepalive_client.h"

namespace http = boost::beast::http;
namespace net = boost::asio;
namespace json = boost::json;
using cm::bench::Latencies;
using cm::bench::NowNs;

namespace {

struct Options {
  uint16_t port = 8080;
  std::string admin_email, admin_password;
  int connections = 256;
  int users = 4000;
  double seconds = 10;
  uint64_t max_purchases = 1'000'000;
  cm::bench::ConcertShape shape;
};

// One keep-alive connection: hold a seat, pay for it, repeat.
class Buyer {
 public:
  struct Shared {
    std::string hold_path;
    const std::vector<std::string>* tokens;
    uint64_t seats;
    int64_t deadline_ns;
    std::atomic<uint64_t> next_seat{0};
    std::atomic<uint64_t> paid{0};
    uint64_t max_purchases;
  };
  Buyer(net::io_context& io, uint16_t port, Shared& shared, std::size_t first_user)
      : client_(std::make_shared<cm::bench::KeepAliveClient>(io, port)),
        shared_(shared),
        user_(first_user) {}

  void Start() { Hold(); }
  int errors() const { return client_->errors(); }

  Latencies hold_latency, pay_latency;
  std::map<std::string, uint64_t> statuses;  // "hold 201", "pay 202", ...

 private:
  const std::string& Token() {
    const auto& tokens = *shared_.tokens;
    return tokens[user_ % tokens.size()];
  }

  void Hold() {
    if (NowNs() >= shared_.deadline_ns || shared_.paid.load() >= shared_.max_purchases) return;
    const uint64_t seat = shared_.next_seat.fetch_add(1);
    if (seat >= shared_.seats) return;
    client_->Post(shared_.hold_path, "{\"seatIds\":[" + std::to_string(seat) + "]}", Token(), {},
                  [this](int status, const std::string& body, int64_t ns) {
                    hold_latency.Add(ns);
                    ++statuses["hold " + std::to_string(status)];
                    if (status != 201) {
                      ++user_;  // e.g. this user reached the per-user limit
                      return Hold();
                    }
                    Pay(json::parse(body).at("id").as_int64());
                  });
  }

  void Pay(int64_t reservation) {
    client_->Post("/api/payments", "{\"reservationId\":" + std::to_string(reservation) + "}",
                  Token(), "bench-" + std::to_string(reservation),
                  [this](int status, const std::string&, int64_t ns) {
                    pay_latency.Add(ns);
                    ++statuses["pay " + std::to_string(status)];
                    if (status == 202) shared_.paid.fetch_add(1);
                    Hold();
                  });
  }

  std::shared_ptr<cm::bench::KeepAliveClient> client_;
  Shared& shared_;
  std::size_t user_;
};

// The server's /metrics as name{labels} -> value.
std::map<std::string, double> Scrape(uint16_t port) {
  net::io_context io;
  auto s = cm::bench::ConnectLoopback(io, port);
  const auto res = cm::bench::Call(s, http::verb::get, "/metrics", "");
  std::map<std::string, double> out;
  std::istringstream lines(res.body());
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const std::size_t space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

// Percentile (in µs) of the sequencer batch histogram's growth between two scrapes: the upper
// bound of the bucket that holds it.
double BatchPercentileUs(const std::map<std::string, double>& before,
                         const std::map<std::string, double>& after, double p) {
  const std::string prefix = "cm_sequencer_batch_seconds_bucket{le=\"";
  std::vector<std::pair<double, double>> buckets;  // (bound s, cumulative count delta)
  for (const auto& [k, v] : after) {
    if (!k.starts_with(prefix)) continue;
    const std::string le = k.substr(prefix.size(), k.size() - prefix.size() - 2);
    const double bound = le == "+Inf" ? 1e9 : std::stod(le);
    const auto b = before.find(k);
    buckets.emplace_back(bound, v - (b == before.end() ? 0 : b->second));
  }
  std::sort(buckets.begin(), buckets.end());
  if (buckets.empty() || buckets.back().second <= 0) return 0;
  const double want = buckets.back().second * p / 100;
  for (const auto& [bound, count] : buckets)
    if (count >= want) return bound * 1e6;
  return buckets.back().first * 1e6;
}

double Get(const std::map<std::string, double>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? 0 : it->second;
}

int AnalyzeDump() {
  std::unordered_map<int64_t, int64_t> requested_at;  // reservation -> ts
  Latencies to_confirmed;
  for (std::string line; std::getline(std::cin, line);) {
    if (line.empty() || line[0] != '{') continue;
    const json::value v = json::parse(line);
    const json::string& type = v.at("type").as_string();
    if (type == "PaymentRequested") {
      requested_at[v.at("reservation").as_int64()] = v.at("ts").as_int64();
    } else if (type == "ReservationConfirmed") {
      auto it = requested_at.find(v.at("reservation").as_int64());
      if (it != requested_at.end()) to_confirmed.Add((v.at("ts").as_int64() - it->second) * 1'000'000);
    }
  }
  cm::bench::Report report("purchase_confirmation");
  report.Note("measured", "PaymentRequested -> ReservationConfirmed in the journal (ms resolution)");
  report.Add("confirmed", static_cast<double>(to_confirmed.size()), "");
  report.Add("pay_to_confirmed_p50", to_confirmed.PercentileUs(50) / 1000, "ms");
  report.Add("pay_to_confirmed_p99", to_confirmed.PercentileUs(99) / 1000, "ms");
  report.Add("pay_to_confirmed_max", to_confirmed.MaxUs() / 1000, "ms");
  report.Print();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  bool analyze = false;
  o.shape.sections = 20;  // 100,000 seats
  o.shape.max_seats_per_user = 64;
  CLI::App app{"End-to-end purchases over HTTP against a running concertmania (127.0.0.1 only)"};
  app.add_flag("--analyze-dump", analyze, "Read `concertmania-replay --dump` on stdin and report pay->confirmed");
  app.add_option("--port", o.port, "Server port on 127.0.0.1");
  app.add_option("--admin-email", o.admin_email, "An admin account of the server");
  app.add_option("--admin-password", o.admin_password, "Its password");
  app.add_option("--connections", o.connections, "Keep-alive connections")->capture_default_str();
  app.add_option("--users", o.users, "Users that sign up and log in first")->capture_default_str();
  app.add_option("--seconds", o.seconds, "Length of the run (bound)")->capture_default_str();
  app.add_option("--max-purchases", o.max_purchases, "Purchases at most (bound)")->capture_default_str();
  cm::bench::AddConcertShapeOptions(app, o.shape);
  CLI11_PARSE(app, argc, argv);
  if (analyze) return AnalyzeDump();
  if (o.admin_email.empty() || o.admin_password.empty()) {
    std::cerr << "--admin-email and --admin-password are required\n";
    return 2;
  }

  o.shape.title = "Bench Purchases";
  const std::string concert = std::to_string(
      cm::bench::CreateConcertOnSale(o.port, o.admin_email, o.admin_password, o.shape));
  const std::vector<std::string> tokens =
      cm::bench::SignUpUsers(o.port, o.users, std::to_string(NowNs()));

  net::io_context io;
  Buyer::Shared shared;
  shared.hold_path = "/api/v1/concerts/" + concert + "/reservations";
  shared.tokens = &tokens;
  shared.seats = static_cast<uint64_t>(o.shape.seats());
  shared.max_purchases = o.max_purchases;
  std::vector<std::unique_ptr<Buyer>> buyers;
  for (int c = 0; c < o.connections; ++c)
    buyers.push_back(std::make_unique<Buyer>(io, o.port, shared,
                                             static_cast<std::size_t>(c) * tokens.size() / o.connections));
  const auto before = Scrape(o.port);
  const int64_t start = NowNs();
  shared.deadline_ns = start + static_cast<int64_t>(o.seconds * 1e9);
  for (auto& b : buyers) b->Start();
  io.run();
  const double load_s = (NowNs() - start) / 1e9;

  // Let the sagas in flight finish (bounded), then count.
  std::map<std::string, double> after;
  for (int i = 0; i < 600; ++i) {  // at most 2 minutes
    after = Scrape(o.port);
    if (Get(after, "cm_payment_calls_in_flight") == 0 && Get(after, "cm_payment_jobs_queued") == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const double total_s = (NowNs() - start) / 1e9;
  const double confirmed = Get(after, "cm_confirms_total") - Get(before, "cm_confirms_total");

  Latencies holds, pays;
  std::map<std::string, uint64_t> statuses;
  int errors = 0;
  for (auto& b : buyers) {
    errors += b->errors();
    for (const auto& [k, v] : b->statuses) statuses[k] += v;
    for (int64_t ns : b->hold_latency.Samples()) holds.Add(ns);
    for (int64_t ns : b->pay_latency.Samples()) pays.Add(ns);
  }
  const double batches = Get(after, "cm_sequencer_batch_seconds_count") -
                         Get(before, "cm_sequencer_batch_seconds_count");
  const double batch_sum_s = Get(after, "cm_sequencer_batch_seconds_sum") -
                             Get(before, "cm_sequencer_batch_seconds_sum");

  cm::bench::Report report("purchases");
  report.Note("setup", std::to_string(o.users) + " users, " + std::to_string(shared.seats) +
                           " seats, " + std::to_string(o.connections) + " connections, 1 client thread");
  report.Add("load_time", load_s, "s");
  report.Add("time_to_last_confirmation", total_s, "s");
  report.Add("payments_accepted", static_cast<double>(shared.paid.load()), "");
  report.Add("confirmed", confirmed, "");
  report.Add("purchases_per_s", confirmed / total_s, "purchases/s");
  for (const auto& [k, v] : statuses) report.Add(k, static_cast<double>(v), "");
  report.Add("hold_p50", holds.PercentileUs(50), "us");
  report.Add("hold_p99", holds.PercentileUs(99), "us");
  report.Add("pay_202_p50", pays.PercentileUs(50), "us");
  report.Add("pay_202_p99", pays.PercentileUs(99), "us");
  report.Add("sequencer_batches", batches, "");
  report.Add("sequencer_batch_mean", batches > 0 ? batch_sum_s / batches * 1e6 : 0, "us");
  // Per command, so runs at different loads (bigger or smaller batches) compare fairly.
  const double commands = Get(after, "cm_sequencer_batch_commands_sum") -
                          Get(before, "cm_sequencer_batch_commands_sum");
  report.Add("sequencer_commands", commands, "");
  report.Add("sequencer_time_per_command", commands > 0 ? batch_sum_s / commands * 1e6 : 0, "us");
  // Waits for the journal, apart: they are queueing, not deciding.
  const double waited_s = Get(after, "cm_sequencer_backpressure_seconds_total") -
                          Get(before, "cm_sequencer_backpressure_seconds_total");
  report.Add("sequencer_backpressure_per_command", commands > 0 ? waited_s / commands * 1e6 : 0,
             "us");
  report.Add("sequencer_batch_p50_bucket", BatchPercentileUs(before, after, 50), "us");
  report.Add("sequencer_batch_p99_bucket", BatchPercentileUs(before, after, 99), "us");
  report.Add("connection_errors", errors, "");
  report.Print();
  return errors == 0 ? 0 : 1;
}
