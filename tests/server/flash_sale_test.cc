// The opening second: 500 clients over real TCP race for 200 seats; then the same under a
// SIGKILL. Every 201 is a real, durable hold, and no seat is ever held twice.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <atomic>
#include <latch>
#include <random>
#include <set>
#include <thread>

#include "auth/jwt.h"
#include "tests/server/api_fixture.h"

using namespace cm::test;

namespace {

constexpr int kClients = 500;
constexpr int kSeats = 200;  // 1 section x 10 rows x 20 seats

int CountHeld(HttpClient& http, const std::string& concert) {
  auto map = http.Get("/api/concerts/" + concert + "/seats").Json();
  int held = 0;
  for (const auto& sec : map.at("sections").as_array())
    for (const auto& row : sec.at("rows").as_array())
      for (const auto& seat : row.at("seats").as_array())
        if (seat.as_array()[4].as_string() == "H") ++held;
  return held;
}

int ReplayVerify(const std::string& data_dir) {
  const std::string cmd = ReplayBinary() + " --data " + data_dir + " --verify > /dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("500 concurrent clients, 200 seats: each seat held at most once, 201s = seats held") {
  ApiFixture f;
  ConcertOptions o;
  o.rows = 10;
  o.seats_per_row = 20;
  o.rows_per_grade = 5;
  const std::string concert = std::to_string(f.CreateConcert(o));
  const auto tokens = MakeUsers(f, kClients, "fan");

  std::vector<int> status(kClients), seat(kClients);
  std::latch start(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i)
    clients.emplace_back([&, i] {
      std::mt19937 rng(static_cast<unsigned>(i) * 7919u + 1);
      seat[i] = static_cast<int>(rng() % kSeats);
      HttpClient c(f.port());
      start.arrive_and_wait();
      auto r = c.Post("/api/v1/concerts/" + concert + "/reservations",
                      "{\"seatIds\":[" + std::to_string(seat[i]) + "]}", tokens[i]);
      status[i] = r.status;
      if (r.status == 409) CHECK(Str(r.Json(), "code") == "SEAT_NOT_AVAILABLE");
    });
  for (auto& t : clients) t.join();

  std::set<int> won;
  int created = 0, conflicts = 0;
  for (int i = 0; i < kClients; ++i) {
    if (status[i] == 201) {
      ++created;
      CHECK_MESSAGE(won.insert(seat[i]).second, "seat " << seat[i] << " was held twice");
    } else {
      CHECK(status[i] == 409);
      ++conflicts;
    }
  }
  CHECK(created + conflicts == kClients);
  CHECK(created == CountHeld(f.http, concert));
  CHECK(created > 100);  // 500 random picks of 200 seats cover most of them
  MESSAGE("201: " << created << ", 409: " << conflicts);

  CHECK(f.server->Terminate() == 0);
  CHECK(ReplayVerify(f.data_dir()) == 0);
}

TEST_CASE("SIGKILL during the rush: every 201 survives the restart, no seat is held twice") {
  ApiFixture f;
  ConcertOptions o;
  o.rows = 10;
  o.seats_per_row = 20;
  o.rows_per_grade = 5;
  o.max_seats_per_user = 16;
  const std::string concert = std::to_string(f.CreateConcert(o));
  const int clients_n = 100;
  const auto tokens = MakeUsers(f, clients_n, "fan");

  std::mutex mu;
  std::vector<int64_t> acknowledged;  // reservation ids that got 201
  std::atomic<int> created{0};
  std::latch start(clients_n);
  std::vector<std::thread> clients;
  for (int i = 0; i < clients_n; ++i)
    clients.emplace_back([&, i] {
      std::mt19937 rng(static_cast<unsigned>(i) + 17u);
      HttpClient c(f.port());
      start.arrive_and_wait();
      for (int k = 0; k < 20; ++k) {
        try {
          auto r = c.Post("/api/v1/concerts/" + concert + "/reservations",
                          "{\"seatIds\":[" + std::to_string(rng() % kSeats) + "]}", tokens[i]);
          if (r.status == 201) {
            std::lock_guard lock(mu);
            acknowledged.push_back(Int(r.Json(), "id"));
            created.fetch_add(1);
          }
        } catch (const std::exception&) {
          return;  // the server died: this client stops
        }
      }
    });
  while (created.load() < 40) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  f.server->Kill();
  for (auto& t : clients) t.join();

  f.Restart(false);
  for (int64_t id : acknowledged) {
    auto r = f.http.Get("/api/reservations/" + std::to_string(id), f.admin);
    CHECK_MESSAGE(r.status == 200, "reservation " << id << " acknowledged but lost: " << r.status << " " << r.body);
    if (r.status == 200) CHECK(Str(r.Json(), "status") == "HELD");
  }
  CHECK(CountHeld(f.http, concert) >= static_cast<int>(acknowledged.size()));
  MESSAGE(acknowledged.size() << " acknowledged holds checked after the crash");
  CHECK(f.server->Terminate() == 0);
  CHECK(ReplayVerify(f.data_dir()) == 0);
}
