// The opening minute: N fans with accounts but no session arrive together at the second sales
// open. Each logs in (argon2id on the server's hashing pool), joins the waiting room when the
// concert has one and waits to be admitted, holds one seat (best available) and pays for it
// through the payment saga, following the payment to its end. All the while one already
// logged-in fan keeps holding and releasing seats, and the same is measured before the storm,
// so the run compares hold latency with and without a login storm.
//
// Run by bench/opening_minute.sh (a fresh server with real password hashing and a payment
// provider). Loopback only; bounded in fans, connections, retries and time.
#include <CLI/CLI.hpp>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include "bench/bench_report.h"
#include "bench/http_setup.h"

namespace {

namespace json = boost::json;
namespace http = boost::beast::http;
using namespace cm::bench;

struct Options {
  uint16_t port = 0;
  std::string admin_email, admin_password;
  int fans = 1000;
  int connections = 64;
  double seconds = 120;          // the storm's bound
  double baseline_seconds = 5;   // holds measured before it
  bool waiting_room = true;
};

struct Step {
  std::mutex mu;
  Latencies latency;
  std::atomic<uint64_t> ok{0}, busy{0}, limited{0}, failed{0};
  void Add(int64_t ns) {
    std::lock_guard lock(mu);
    latency.Add(ns);
  }
};

int RetryAfterMs(const HttpResponse& r) {
  const auto it = r.find(http::field::retry_after);
  const int s = it == r.end() ? 1 : std::atoi(std::string(it->value()).c_str());
  return std::max(1, s) * 1000;
}

// One fan's whole path. Returns false when a step gave up.
bool OneFan(uint16_t port, int64_t concert, int i, bool queued, int64_t deadline_ns,
            Step& login, Step& join, Step& admitted, Step& hold, Step& pay, Step& paid) {
  boost::asio::io_context io;
  auto s = ConnectLoopback(io, port);
  const std::string email = "fan" + std::to_string(i) + "@opening.io";
  const int64_t t0 = NowNs();
  std::string token;
  // Login: 503 (hashing pool full) and 429 are retried after Retry-After, as a client does.
  for (int attempt = 0; token.empty(); ++attempt) {
    if (NowNs() > deadline_ns || attempt > 200) return login.failed++, false;
    const int64_t start = NowNs();
    auto r = Call(s, http::verb::post, "/api/users/login",
                  json::serialize(json::object{{"email", email}, {"password", "opening-password"}}));
    login.Add(NowNs() - start);
    if (r.result_int() == 200) {
      token = std::string(json::parse(r.body()).at("accessToken").as_string());
    } else if (r.result_int() == 503 || r.result_int() == 429) {
      (r.result_int() == 503 ? login.busy : login.limited)++;
      std::this_thread::sleep_for(std::chrono::milliseconds(RetryAfterMs(r)));
    } else {
      return login.failed++, false;
    }
  }
  login.ok++;
  const std::string c = std::to_string(concert);
  if (queued) {
    const int64_t start = NowNs();
    auto r = Call(s, http::verb::post, "/api/v1/concerts/" + c + "/queue", "", token);
    join.Add(NowNs() - start);
    if (r.result_int() / 100 != 2) return join.failed++, false;
    join.ok++;
    const int64_t waiting_since = NowNs();
    for (;;) {
      if (NowNs() > deadline_ns) return admitted.failed++, false;
      auto me = Call(s, http::verb::get, "/api/v1/concerts/" + c + "/queue/me", "", token);
      if (me.result_int() == 200 &&
          json::parse(me.body()).at("status").as_string() == "ADMITTED")
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    admitted.Add(NowNs() - waiting_since);
    admitted.ok++;
  }
  int64_t reservation = 0;
  for (int attempt = 0; reservation == 0; ++attempt) {
    if (NowNs() > deadline_ns || attempt > 50) return hold.failed++, false;
    const int64_t start = NowNs();
    auto r = Call(s, http::verb::post, "/api/v1/concerts/" + c + "/reservations",
                  R"({"count":1})", token);
    hold.Add(NowNs() - start);
    if (r.result_int() == 201) {
      reservation = json::parse(r.body()).at("id").as_int64();
    } else if (r.result_int() == 503 || r.result_int() == 429) {
      (r.result_int() == 503 ? hold.busy : hold.limited)++;
      std::this_thread::sleep_for(std::chrono::milliseconds(RetryAfterMs(r)));
    } else {
      return hold.failed++, false;
    }
  }
  hold.ok++;
  {
    http::request<http::string_body> req{http::verb::post, "/api/payments", 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    req.set(http::field::authorization, "Bearer " + token);
    req.set("Idempotency-Key", "pay-" + std::to_string(reservation));
    req.body() = json::serialize(json::object{{"reservationId", reservation}, {"method", "CARD"}});
    req.prepare_payload();
    const int64_t start = NowNs();
    http::write(s, req);
    boost::beast::flat_buffer buf;
    HttpResponse r;
    http::read(s, buf, r);
    pay.Add(NowNs() - start);
    if (r.result_int() != 202) return pay.failed++, false;
    pay.ok++;
    const std::string path =
        "/api/payments/" + std::to_string(json::parse(r.body()).at("id").as_int64());
    const int64_t paying_since = NowNs();
    for (;;) {
      if (NowNs() > deadline_ns) return paid.failed++, false;
      auto p = Call(s, http::verb::get, path, "", token);
      const std::string status =
          p.result_int() == 200 ? std::string(json::parse(p.body()).at("status").as_string()) : "";
      if (status == "SUCCEEDED") break;
      if (status == "FAILED" || status == "REFUNDED") return paid.failed++, false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    paid.Add(NowNs() - paying_since);
    paid.ok++;
  }
  (void)t0;
  return true;
}

// Holds and releases one seat after another as an already logged-in fan, recording each
// hold's latency, until `stop`.
void SteadyHolds(uint16_t port, int64_t concert, const std::string& token, int first_seat_hint,
                 const std::atomic<bool>& stop, Latencies* out) {
  boost::asio::io_context io;
  auto s = ConnectLoopback(io, port);
  const std::string target = "/api/v1/concerts/" + std::to_string(concert) + "/reservations";
  for (int seat = first_seat_hint; !stop.load(); ++seat) {
    const int64_t start = NowNs();
    auto r = Call(s, http::verb::post, target, R"({"seatIds":[)" + std::to_string(seat) + "]}", token);
    const int64_t took = NowNs() - start;
    if (r.result_int() != 201) continue;  // someone took that seat: next one
    out->Add(took);
    Call(s, http::verb::delete_,
         "/api/reservations/" + std::to_string(json::parse(r.body()).at("id").as_int64()), "",
         token);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a fan's pace, not a load
  }
}

void AddStep(Report& r, const std::string& name, Step& s) {
  r.Add(name + "_ok", static_cast<double>(s.ok.load()), "");
  r.Add(name + "_503", static_cast<double>(s.busy.load()), "");
  r.Add(name + "_429", static_cast<double>(s.limited.load()), "");
  r.Add(name + "_failed", static_cast<double>(s.failed.load()), "");
  if (s.latency.size() == 0) return;
  r.Add(name + "_p50_ms", s.latency.PercentileUs(50) / 1000, "ms");
  r.Add(name + "_p99_ms", s.latency.PercentileUs(99) / 1000, "ms");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The opening minute: a crowd logs in, queues, holds and pays at once"};
  Options o;
  app.add_option("--port", o.port, "Server port on 127.0.0.1")->required();
  app.add_option("--admin-email", o.admin_email)->required();
  app.add_option("--admin-password", o.admin_password)->required();
  app.add_option("--fans", o.fans, "Fans arriving together")->capture_default_str();
  app.add_option("--connections", o.connections, "Client connections (one fan at a time each)")
      ->check(CLI::Range(1, 512))->capture_default_str();
  app.add_option("--seconds", o.seconds, "Bound on the storm")->capture_default_str();
  app.add_option("--baseline-seconds", o.baseline_seconds, "Holds measured before the storm")
      ->capture_default_str();
  app.add_option("--waiting-room", o.waiting_room, "Put the concert behind a waiting room")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  ConcertShape shape;
  shape.title = "Opening Minute";
  shape.sections = 20;
  shape.rows = 40;
  shape.seats_per_row = 50;  // 40,000 seats: the steady fan holds from the back half
  if (o.waiting_room)
    shape.waiting_room_json =
        R"({"maxActive":300,"admitPerSecond":200,"admissionSeconds":600,"abandonAfterSeconds":600})";
  const int64_t concert = CreateConcertOnSale(o.port, o.admin_email, o.admin_password, shape);

  // The fans' accounts exist before the sale (signing up is not part of the minute). Their
  // hashes are real argon2id, so each login below costs what it costs in production.
  std::printf("setting up %d accounts (real argon2id, so this takes a while)...\n", o.fans);
  const int64_t setup_start = NowNs();
  {
    std::atomic<int> next{0};
    std::vector<std::thread> workers;
    for (int w = 0; w < 8; ++w)
      workers.emplace_back([&] {
        boost::asio::io_context io;
        auto s = ConnectLoopback(io, o.port);
        for (int i = next++; i < o.fans; i = next++) {
          for (int attempt = 0; attempt < 100; ++attempt) {
            auto r = Call(s, http::verb::post, "/api/users/signup",
                          json::serialize(json::object{{"email", "fan" + std::to_string(i) + "@opening.io"},
                                                       {"password", "opening-password"},
                                                       {"name", "Fan"}}));
            if (r.result_int() != 503) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(RetryAfterMs(r)));
          }
        }
      });
    for (auto& t : workers) t.join();
  }
  const double setup_s = static_cast<double>(NowNs() - setup_start) / 1e9;
  // The steady fan: an admin (admins skip the waiting room), logged in before the storm.
  boost::asio::io_context io;
  auto admin_stream = ConnectLoopback(io, o.port);
  const std::string steady_token = Login(admin_stream, o.admin_email, o.admin_password);

  Latencies before, during;
  {
    std::atomic<bool> stop{false};
    std::thread t(SteadyHolds, o.port, concert, steady_token, 20'000, std::cref(stop), &before);
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(o.baseline_seconds * 1000)));
    stop.store(true);
    t.join();
  }

  Step login, join, admitted, hold, pay, paid;
  std::atomic<int> next_fan{0};
  std::atomic<int> completed{0};
  const int64_t storm_start = NowNs();
  const int64_t deadline = storm_start + static_cast<int64_t>(o.seconds * 1e9);
  std::atomic<bool> stop{false};
  std::thread steady(SteadyHolds, o.port, concert, steady_token, 30'000, std::cref(stop), &during);
  std::vector<std::thread> crowd;
  std::atomic<int64_t> last_login_ns{0};
  for (int w = 0; w < o.connections; ++w)
    crowd.emplace_back([&] {
      for (int i = next_fan++; i < o.fans && NowNs() < deadline; i = next_fan++) {
        try {
          if (OneFan(o.port, concert, i, o.waiting_room, deadline, login, join, admitted, hold,
                     pay, paid))
            completed++;
        } catch (const std::exception&) {
          login.failed++;
        }
      }
    });
  // Logins end before purchases do: note when the last one succeeded.
  std::thread watcher([&] {
    uint64_t seen = 0;
    while (!stop.load()) {
      if (login.ok.load() != seen) {
        seen = login.ok.load();
        last_login_ns = NowNs();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  for (auto& t : crowd) t.join();
  stop.store(true);
  steady.join();
  watcher.join();
  const double storm_s = static_cast<double>(NowNs() - storm_start) / 1e9;
  const double login_s = static_cast<double>(last_login_ns.load() - storm_start) / 1e9;

  Report r("opening_minute");
  r.Add("fans", o.fans, "");
  r.Add("connections", o.connections, "");
  r.Note("waiting_room", o.waiting_room ? "yes" : "no");
  r.Add("account_setup_seconds", setup_s, "s");
  r.Add("storm_seconds", storm_s, "s");
  r.Add("fans_completed", completed.load(), "");
  r.Add("logins_per_sec", login_s > 0 ? static_cast<double>(login.ok.load()) / login_s : 0, "/s");
  AddStep(r, "login", login);
  if (o.waiting_room) {
    AddStep(r, "queue_join", join);
    AddStep(r, "queue_wait", admitted);
  }
  AddStep(r, "hold", hold);
  AddStep(r, "pay", pay);
  AddStep(r, "pay_to_succeeded", paid);
  r.Add("steady_hold_p50_ms_without_storm", before.PercentileUs(50) / 1000, "ms");
  r.Add("steady_hold_p99_ms_without_storm", before.PercentileUs(99) / 1000, "ms");
  r.Add("steady_hold_p50_ms_during_storm", during.size() ? during.PercentileUs(50) / 1000 : 0, "ms");
  r.Add("steady_hold_p99_ms_during_storm", during.size() ? during.PercentileUs(99) / 1000 : 0, "ms");
  r.Add("steady_holds_without_storm", static_cast<double>(before.size()), "");
  r.Add("steady_holds_during_storm", static_cast<double>(during.size()), "");
  r.Print();
  return 0;
}
