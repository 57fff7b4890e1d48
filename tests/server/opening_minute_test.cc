// The opening minute under attack, over real TCP against the real server: a login flood beside
// seat requests, exhaustion of connections and file handles, a WebSocket that never reads,
// hold churn, account and signup floods, forged tokens and refresh-token theft.
#include <doctest/doctest.h>
#include <openssl/hmac.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "auth/jwt.h"
#include "tests/server/api_fixture.h"
#include "tests/support/ws_client.h"

using namespace cm::test;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

using Clock = std::chrono::steady_clock;

std::string CodeOf(const HttpResult& r) { return Str(r.Json(), "code"); }

double Micros(Clock::duration d) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

double P99(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, v.size() * 99 / 100)];
}

// Process CPU time (user + system) of `pid` in seconds, from /proc.
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip;  // state .. cmajflt
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// An HS256 token over any payload, signed with the test servers' secret.
std::string SignedToken(const std::string& payload) {
  using cm::auth::Base64UrlEncode;
  const std::string input =
      Base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})") + "." + Base64UrlEncode(payload);
  unsigned char mac[32];
  unsigned int len = 0;
  const std::string secret = ServerProcess::kSecret;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + Base64UrlEncode(std::string(reinterpret_cast<char*>(mac), len));
}

std::string Hold(HttpClient& c, uint64_t concert, int seat, const std::string& token,
                 int* status = nullptr) {
  auto r = c.Post("/api/v1/concerts/" + std::to_string(concert) + "/reservations",
                  R"({"seatIds":[)" + std::to_string(seat) + "]}", token);
  if (status) *status = r.status;
  return r.status == 201 ? std::to_string(Int(r.Json(), "id")) : std::string();
}

// A one-section concert with room for long hold/release loops.
ConcertOptions Roomy(int rows, int seats_per_row) {
  ConcertOptions o;
  o.rows = rows;
  o.seats_per_row = seats_per_row;
  o.rows_per_grade = rows / 2;
  o.max_seats_per_user = 16;
  return o;
}

// A plain TCP connection that sends nothing: it only occupies a slot.
tcp::socket OpenIdle(net::io_context& io, uint16_t port) {
  tcp::socket s(io);
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  return s;
}

// What the server sends to a connection it refuses at once (it answers before any request).
std::string ReadRefusal(tcp::socket& s) {
  std::string out(4096, '\0');
  boost::system::error_code ec;
  std::size_t n = 0;
  for (;;) {
    const std::size_t got = s.read_some(net::buffer(out.data() + n, out.size() - n), ec);
    n += got;
    if (ec || n == out.size()) break;
  }
  out.resize(n);
  return out;
}

}  // namespace

TEST_CASE("a login flood at 3x the hashing pool's capacity leaves seat requests alone") {
  // Real argon2id, one hashing thread, a short queue.
  ApiFixture f({"--fast-password-hash=false", "--password-threads", "1", "--password-queue", "8",
                "--hold-rate", "0", "--login-free-attempts", "1000"});
  const uint64_t concert = f.CreateConcert(Roomy(40, 50));
  const auto fans = MakeUsers(f, 1, "flood-fan");
  HttpClient c(f.port());

  // The pool's capacity, measured: logins one after another.
  const auto t0 = Clock::now();
  constexpr int kSerial = 6;
  for (int i = 0; i < kSerial; ++i)
    REQUIRE(c.Post("/api/users/login", R"({"email":"root@test.io","password":"root-password"})")
                .status == 200);
  const double per_login_s = Micros(Clock::now() - t0) / 1e6 / kSerial;
  const double capacity = 1.0 / per_login_s;
  MESSAGE("argon2id login: " << per_login_s * 1000 << " ms, pool capacity " << capacity << "/s");

  int seat = 0;
  auto measure_holds = [&](int n) {
    std::vector<double> us;
    for (int i = 0; i < n; ++i) {
      const auto start = Clock::now();
      const std::string id = Hold(c, concert, seat++, fans[0]);
      us.push_back(Micros(Clock::now() - start));
      REQUIRE(!id.empty());
      REQUIRE(c.Delete("/api/reservations/" + id, fans[0]).status == 200);
    }
    return us;
  };
  measure_holds(20);  // warm up
  const double baseline = P99(measure_holds(500));

  // The flood: wrong passwords at 3x capacity, paced open-loop over 24 connections (a login
  // waiting in the queue must not slow the flood down), for as long as the holds run.
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0}, unexpected{0}, slowest_ms{0}, busy{0};
  std::vector<std::thread> flood;
  constexpr int kFloodConnections = 24;
  const double per_thread_interval_s = kFloodConnections / (3.0 * capacity);
  const auto flood_start = Clock::now();
  for (int t = 0; t < kFloodConnections; ++t)
    flood.emplace_back([&, t] {
      HttpClient fc(f.port());
      auto next = Clock::now();
      for (int i = 0; !stop.load(); ++i) {
        next += std::chrono::microseconds(static_cast<int64_t>(per_thread_interval_s * 1e6));
        std::this_thread::sleep_until(next);
        const auto start = Clock::now();
        auto r = fc.Post("/api/users/login", R"({"email":"ghost)" + std::to_string(t) + "-" +
                                                 std::to_string(i) +
                                                 R"(@x.io","password":"wrong-password"})");
        const int ms = static_cast<int>(Micros(Clock::now() - start) / 1000);
        slowest_ms.store(std::max(slowest_ms.load(), ms));
        answered.fetch_add(1);
        if (r.status == 503) busy.fetch_add(1);
        if (r.status != 401 && r.status != 429 && r.status != 503) unexpected.fetch_add(1);
      }
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the queue fills up
  const double flooded = P99(measure_holds(500));
  stop.store(true);
  for (auto& t : flood) t.join();
  const double flood_s = Micros(Clock::now() - flood_start) / 1e6;
  MESSAGE("hold p99 " << baseline / 1000 << " ms alone, " << flooded / 1000 << " ms in a flood of "
                      << answered.load() << " logins in " << flood_s << " s ("
                      << answered.load() / flood_s << "/s, " << busy.load()
                      << " answered 503); slowest login answer " << slowest_ms.load() << " ms");
  CHECK(unexpected.load() == 0);
  CHECK(answered.load() / flood_s > 2 * capacity);  // the flood really was past capacity
  CHECK(busy.load() > 0);                          // and the pool refused what it could not take
  // Every login got its answer quickly: refused at once when the queue was full, or checked
  // after at most a full queue's wait (8 queued + 1 hashing, each one hash as measured above),
  // with room for a loaded machine; never the unbounded wait of an unbounded queue.
  const double full_queue_wait_ms = (8 + 1) * per_login_s * 1000;
  CHECK(slowest_ms.load() < std::max(5'000.0, 2 * full_queue_wait_ms));
  // A hold never waits behind a password hash: its p99 stays within one hash (measured above)
  // of the baseline. Hashing still shares this 2-core machine's caches, memory bus and scheduler
  // with the seat requests and the 24 flood clients, so a fixed few milliseconds is noise, not a
  // stall (measured: 1.2-1.6 ms alone, 4-8 ms in the flood). Before the pool, a hold in such a
  // flood took 1.3-3.1 s: hashing on the serving thread puts whole queues of hashes ahead of it.
  const double one_hash_us = per_login_s * 1e6;
  CHECK(flooded <= std::max(2 * baseline, baseline + one_hash_us));
  // The pool refused what it could not take.
  const std::string metrics = c.Get("/metrics").body;
  CHECK(metrics.find("cm_password_pool_refused_total") != std::string::npos);
}

TEST_CASE("connections: a cap per address answers 429, a cap in all 503, and slots come back") {
  TempDir dir;
  ServerProcess server(dir.path() + "/data", {"--max-connections-per-ip", "4"});
  net::io_context io;
  std::vector<tcp::socket> held;
  for (int i = 0; i < 4; ++i) held.push_back(OpenIdle(io, server.port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // all four accepted
  tcp::socket refused = OpenIdle(io, server.port());
  const std::string answer = ReadRefusal(refused);
  CHECK(answer.rfind("HTTP/1.1 429", 0) == 0);
  CHECK(answer.find("TOO_MANY_CONNECTIONS") != std::string::npos);
  CHECK(answer.find("Retry-After:") != std::string::npos);
  held.pop_back();  // one slot comes back when its connection closes
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  HttpClient c(server.port());
  CHECK(c.Get("/healthz").status == 200);
  const std::string metrics = c.Get("/metrics").body;
  CHECK(metrics.find("cm_connections_refused_total 1\n") != std::string::npos);
  CHECK(metrics.find("cm_connections_open 4\n") != std::string::npos);  // 3 held + this one

  TempDir dir2;
  ServerProcess full(dir2.path() + "/data",
                     {"--max-connections", "3", "--max-connections-per-ip", "0"});
  std::vector<tcp::socket> filling;
  for (int i = 0; i < 3; ++i) filling.push_back(OpenIdle(io, full.port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  tcp::socket over = OpenIdle(io, full.port());
  const std::string full_answer = ReadRefusal(over);
  CHECK(full_answer.rfind("HTTP/1.1 503", 0) == 0);
  CHECK(full_answer.find("SERVER_FULL") != std::string::npos);
}

TEST_CASE("out of file handles, accepting pauses instead of spinning, and recovers") {
  TempDir dir;
  // 200 handles for the whole process and no connection cap below them: the kernel's limit
  // is what stops accepting.
  ServerProcess server(dir.path() + "/data",
                       {"--max-connections", "100000", "--max-connections-per-ip", "0"},
                       {"/usr/bin/prlimit", "--nofile=200:200", "--"});
  net::io_context io;
  std::vector<tcp::socket> flood;
  for (int i = 0; i < 400; ++i) flood.push_back(OpenIdle(io, server.port()));  // the backlog takes the rest
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const double cpu_before = CpuSeconds(server.pid());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const double cpu = CpuSeconds(server.pid()) - cpu_before;
  MESSAGE("server CPU over 2 s with its handles exhausted: " << cpu << " s");
  CHECK(cpu < 0.3);  // spinning would burn about 2 s per busy thread
  flood.clear();
  // The server serves again once handles are free.
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    try {
      HttpClient c(server.port());
      served = c.Get("/healthz").status == 200;
    } catch (const std::exception&) {
    }
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(served);
}

TEST_CASE("a WebSocket subscriber that never reads is cut once its writes stop progressing") {
  ApiFixture f({"--hold-rate", "0", "--ws-write-timeout-ms", "1000", "--ws-send-buffer", "4096",
                "--ws-idle-timeout-ms", "600000", "--ws-history", "100000"});
  const uint64_t concert = f.CreateConcert(Roomy(20, 50));
  const auto fans = MakeUsers(f, 8, "ws-churn");
  WsClient stalled(f.port(), 4096);
  stalled.Send(R"({"type":"subscribe","concertId":)" + std::to_string(concert) + "}");
  REQUIRE(stalled.NextOf("snapshot").is_object());
  // From here on it reads nothing, while seats change: every change is a delta for it.
  HttpClient c(f.port());
  const auto until = Clock::now() + std::chrono::seconds(4);
  for (int i = 0; Clock::now() < until; ++i) {
    const std::string id = Hold(c, concert, i % 1000, fans[static_cast<std::size_t>(i % 8)]);
    if (!id.empty()) c.Delete("/api/reservations/" + id, fans[static_cast<std::size_t>(i % 8)]);
  }
  // It is cut (no close frame: it could not have read one); reading now drains what the kernel
  // held and ends in an error, instead of waiting on an open connection.
  bool cut = false;
  try {
    stalled.ReadUntilClosed();
    cut = true;
  } catch (const std::exception& e) {
    MESSAGE("still open: " << e.what());
  }
  CHECK(cut);
}

TEST_CASE("hold churn: re-holding released seats waits out a cooldown; releases spend the bucket") {
  ApiFixture f({"--hold-rate", "0.01", "--hold-burst", "6"});
  const uint64_t concert = f.CreateConcert();
  const auto fans = MakeUsers(f, 2, "churn");
  HttpClient& c = f.http;
  const std::string id = Hold(c, concert, 3, fans[0]);
  REQUIRE(!id.empty());
  REQUIRE(c.Delete("/api/reservations/" + id, fans[0]).status == 200);
  auto again = c.Post("/api/v1/concerts/" + std::to_string(concert) + "/reservations",
                      R"({"seatIds":[3]})", fans[0]);
  CHECK(again.status == 409);
  CHECK(CodeOf(again) == "SEAT_COOLDOWN");
  CHECK(again.Json().at("seats").as_array().size() == 1);
  CHECK(std::stoi(again.Header("retry-after")) > 60);
  // The seat went back to everyone else at once.
  int status = 0;
  const std::string other = Hold(c, concert, 3, fans[1], &status);
  CHECK(status == 201);
  // Four requests so far from fans[0] (hold, release, hold): the burst of 6 allows three more,
  // releases included, then 429.
  const std::string b = Hold(c, concert, 10, fans[0]);
  REQUIRE(!b.empty());
  CHECK(c.Delete("/api/reservations/" + b, fans[0]).status == 200);
  const std::string d = Hold(c, concert, 11, fans[0]);
  REQUIRE(!d.empty());
  auto limited = c.Delete("/api/reservations/" + d, fans[0]);
  CHECK(limited.status == 429);
  CHECK(!limited.Header("retry-after").empty());
}

TEST_CASE("rolling holds cannot keep a waiting-room admission: the next in line gets in") {
  ApiFixture f({"--hold-rate", "0", "--tick-ms", "50"});
  ConcertOptions o;
  o.waiting_room = json::object{{"maxActive", 1}, {"admitPerSecond", 10},
                                {"admissionSeconds", 10}, {"abandonAfterSeconds", 60}};
  const uint64_t concert = f.CreateConcert(o);
  const auto fans = MakeUsers(f, 2, "roller");
  HttpClient& c = f.http;
  const std::string queue = "/api/v1/concerts/" + std::to_string(concert) + "/queue";
  REQUIRE(c.Post(queue, "", fans[0]).status / 100 == 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  REQUIRE(c.Post(queue, "", fans[1]).status / 100 == 2);
  auto status_of = [&](const std::string& token) {
    return Str(c.Get(queue + "/me", token).Json(), "status");
  };
  REQUIRE(status_of(fans[0]) == "ADMITTED");
  REQUIRE(status_of(fans[1]) == "WAITING");
  // fans[0] rolls holds for 12 s: always holding something, on fresh seats each time.
  const auto until = Clock::now() + std::chrono::seconds(12);
  std::string held;
  int seat = 0, last_status = 0;
  while (Clock::now() < until) {
    const std::string next = Hold(c, concert, seat++, fans[0], &last_status);
    if (!held.empty()) c.Delete("/api/reservations/" + held, fans[0]);
    held = next;
    if (last_status == 403) break;  // the admission ended
    status_of(fans[1]);            // fans[1] keeps polling, as the booking page does
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
  }
  CHECK(last_status == 403);
  CHECK(status_of(fans[0]) == "EXPIRED");
  CHECK(status_of(fans[1]) == "ADMITTED");
}

TEST_CASE("accounts: signups per address, and a login backoff per account instead of a lockout") {
  ApiFixture f({"--signup-rate-per-ip", "0.001", "--signup-burst-per-ip", "3",
                "--login-free-attempts", "3", "--login-backoff-base-ms", "1000",
                "--login-backoff-cap-ms", "2000"});
  HttpClient& c = f.http;
  for (int i = 0; i < 3; ++i)
    REQUIRE(c.Post("/api/users/signup", R"({"email":"s)" + std::to_string(i) +
                                            R"(@x.io","password":"password-123","name":"S"})")
                .status == 201);
  auto fourth = c.Post("/api/users/signup", R"({"email":"s3@x.io","password":"password-123","name":"S"})");
  CHECK(fourth.status == 429);
  CHECK(CodeOf(fourth) == "SIGNUP_RATE_LIMITED");
  CHECK(!fourth.Header("retry-after").empty());

  const std::string wrong = R"({"email":"s0@x.io","password":"not-the-password"})";
  const std::string right = R"({"email":"s0@x.io","password":"password-123"})";
  int refused = 0, checked = 0;
  for (int i = 0; i < 100; ++i) {
    const auto r = c.Post("/api/users/login", wrong);
    if (r.status == 429) ++refused;
    if (r.status == 401) ++checked;
  }
  MESSAGE("100 wrong passwords: " << checked << " checked, " << refused << " refused");
  CHECK(checked <= 8);  // 3 free, then one per backoff period at most
  auto too_soon = c.Post("/api/users/login", right);
  CHECK(too_soon.status == 429);
  CHECK(CodeOf(too_soon) == "TOO_MANY_LOGIN_ATTEMPTS");
  const int wait_s = std::stoi(too_soon.Header("retry-after"));
  CHECK(wait_s <= 2);  // the cap: a delay, never a lockout
  std::this_thread::sleep_for(std::chrono::seconds(wait_s) + std::chrono::milliseconds(100));
  CHECK(c.Post("/api/users/login", right).status == 200);
}

TEST_CASE("logins per address are limited") {
  ApiFixture f({"--login-rate-per-ip", "0.01", "--login-burst-per-ip", "4"});
  HttpClient c(f.port());
  int limited = 0;
  for (int i = 0; i < 6; ++i) {
    auto r = c.Post("/api/users/login", R"({"email":"x)" + std::to_string(i) +
                                            R"(@x.io","password":"whatever-1"})");
    if (r.status == 429) {
      ++limited;
      CHECK(CodeOf(r) == "LOGIN_RATE_LIMITED");
    }
  }
  CHECK(limited >= 1);  // the fixture's own admin login spent one token
}

TEST_CASE("tokens: sub must be a canonical u64 of an existing user, and the role comes from its record") {
  ApiFixture f;
  const auto fans = MakeUsers(f, 1, "jwt");
  const int64_t now = NowMs() / 1000;
  auto claims = [&](const std::string& sub, const std::string& role) {
    return R"({"sub":")" + sub + R"(","role":")" + role + R"(","iat":)" + std::to_string(now) +
           R"(,"exp":)" + std::to_string(now + 600) + "}";
  };
  const std::string venue = R"({"name":"V","grades":["A"],"grid":{"sections":1,"rows":1,"seatsPerRow":1,"rowsPerGrade":1}})";
  // 2^64 + 1 wrapped to 1 (the admin) before.
  auto wrapped = f.http.Post("/api/admin/venues", venue, SignedToken(claims("18446744073709551617", "ADMIN")));
  CHECK(wrapped.status == 401);
  CHECK(CodeOf(wrapped) == "MALFORMED_TOKEN");
  CHECK(f.http.Get("/api/users/me", SignedToken(claims("01", "USER"))).status == 401);
  CHECK(f.http.Get("/api/users/me", SignedToken(claims("+1", "USER"))).status == 401);
  // A signed ADMIN token for nobody.
  auto ghost = f.http.Post("/api/admin/venues", venue, SignedToken(claims("987654", "ADMIN")));
  CHECK(ghost.status == 401);
  CHECK(CodeOf(ghost) == "UNKNOWN_USER");
  // A signed ADMIN token for a USER: the record says USER.
  const auto me = f.http.Get("/api/users/me", fans[0]).Json();
  const std::string id = std::to_string(Int(me, "id"));
  auto promoted = f.http.Post("/api/admin/venues", venue, SignedToken(claims(id, "ADMIN")));
  CHECK(promoted.status == 403);
  CHECK(CodeOf(promoted) == "ADMIN_ONLY");
}

TEST_CASE("refresh tokens: reusing a rotated one revokes the session; logout is idempotent") {
  ApiFixture f;
  HttpClient& c = f.http;
  REQUIRE(c.Post("/api/users/signup", R"({"email":"r@x.io","password":"password-123","name":"R"})").status == 201);
  auto login = c.Post("/api/users/login", R"({"email":"r@x.io","password":"password-123"})");
  REQUIRE(login.status == 200);
  const std::string first = Str(login.Json(), "refreshToken");
  auto rotated = c.Post("/api/users/refresh", R"({"refreshToken":")" + first + R"("})");
  REQUIRE(rotated.status == 200);
  const std::string second = Str(rotated.Json(), "refreshToken");
  // The thief (or the victim) presents the old token: the whole session ends.
  auto reused = c.Post("/api/users/refresh", R"({"refreshToken":")" + first + R"("})");
  CHECK(reused.status == 401);
  CHECK(CodeOf(reused) == "REFRESH_TOKEN_REUSED");
  auto newer = c.Post("/api/users/refresh", R"({"refreshToken":")" + second + R"("})");
  CHECK(newer.status == 401);
  // Logout twice, and with a token that was never issued: 204 every time.
  auto again = c.Post("/api/users/login", R"({"email":"r@x.io","password":"password-123"})");
  const std::string third = Str(again.Json(), "refreshToken");
  CHECK(c.Post("/api/users/logout", R"({"refreshToken":")" + third + R"("})").status == 204);
  CHECK(c.Post("/api/users/logout", R"({"refreshToken":")" + third + R"("})").status == 204);
  CHECK(c.Post("/api/users/logout", R"({"refreshToken":"never-issued"})").status == 204);
}

TEST_CASE("bounds: venue size, concert dates, paging, and big seat maps by section or gzip") {
  ApiFixture f;
  HttpClient& c = f.http;
  auto huge = c.Post("/api/admin/venues",
                     R"({"name":"Huge","grades":["A"],"grid":{"sections":64,"rows":500,"seatsPerRow":500,"rowsPerGrade":1}})",
                     f.admin);
  CHECK(huge.status == 422);
  CHECK(Str(huge.Json(), "detail").find("200000") != std::string::npos);
  // The biggest venue allowed: 200,000 seats in 20 sections.
  auto big = c.Post("/api/admin/venues",
                    R"({"name":"Big","grades":["A","B"],"grid":{"sections":20,"rows":100,"seatsPerRow":100,"rowsPerGrade":50}})",
                    f.admin);
  REQUIRE(big.status == 201);
  const int64_t now = NowMs();
  auto concert_body = [&](const std::string& starts) {
    return R"({"venueId":)" + std::to_string(Int(big.Json(), "id")) +
           R"(,"title":"T","startsAt":)" + starts + R"(,"salesOpenAt":)" + std::to_string(now - 1000) +
           R"(,"salesCloseAt":)" + std::to_string(now + 3'600'000) + R"(,"prices":{"A":1,"B":2}})";
  };
  auto far = c.Post("/api/admin/concerts", concert_body("9223372036854775807"), f.admin);
  CHECK(far.status == 422);
  CHECK(Str(far.Json(), "field") == "startsAt");
  auto ok = c.Post("/api/admin/concerts", concert_body(std::to_string(now + 86'400'000)), f.admin);
  REQUIRE(ok.status == 201);
  const std::string seats = "/api/concerts/" + std::to_string(Int(ok.Json(), "id")) + "/seats";
  auto whole = c.Get(seats);
  REQUIRE(whole.status == 200);
  auto gz = c.Request("GET", seats, "", {{"Accept-Encoding", "gzip"}});
  REQUIRE(gz.status == 200);
  CHECK(gz.Header("content-encoding") == "gzip");
  auto one = c.Get(seats + "?section=S1");
  REQUIRE(one.status == 200);
  CHECK(one.Json().at("sections").as_array().size() == 1);
  CHECK(c.Get(seats + "?section=nowhere").status == 404);
  MESSAGE("200,000-seat map: " << whole.body.size() << " B, gzip " << gz.body.size()
                               << " B, one section " << one.body.size() << " B");
  CHECK(gz.body.size() * 5 < whole.body.size());
  CHECK(one.body.size() * 15 < whole.body.size());

  auto page = c.Get("/api/users/me/reservations?page=0&size=5", f.admin);
  REQUIRE(page.status == 200);
  CHECK(Int(page.Json(), "size") == 5);
  CHECK(c.Get("/api/users/me/reservations?size=1000", f.admin).status == 422);
}
