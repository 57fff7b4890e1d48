// The waiting room over real TCP against the real server: 2,000 users join at once with room
// for 100 shoppers; nobody holds seats without an admission; everyone gets a turn as shoppers
// leave; the journal shows the cap and the rate were never exceeded and replays to the same
// state. Also the specific answers for bad requests, abandonment and a restart.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <latch>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "auth/jwt.h"
#include "tests/server/api_fixture.h"

using namespace cm::test;

namespace {

std::string QueuePath(uint64_t concert) {
  return "/api/v1/concerts/" + std::to_string(concert) + "/queue";
}

std::string RunCapture(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[65536];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

}  // namespace

TEST_CASE("2,000 users join at once, 100 may shop: cap kept, everyone served, no hold without admission") {
  constexpr int kUsers = 2000, kCap = 100, kRate = 400, kThreads = 40;
  ApiFixture f;
  ConcertOptions o;
  o.rows = 10;
  o.seats_per_row = 30;
  o.rows_per_grade = 5;
  o.waiting_room = json::object{{"maxActive", kCap}, {"admitPerSecond", kRate},
                                {"admissionSeconds", 60}, {"abandonAfterSeconds", 60}};
  const uint64_t concert = f.CreateConcert(o);
  const std::string queue = QueuePath(concert);
  const std::string reservations = "/api/v1/concerts/" + std::to_string(concert) + "/reservations";
  const auto tokens = MakeUsers(f, kUsers, "q");

  // Before joining, a hold is refused with the specific code.
  auto refused = f.http.Post(reservations, R"({"count":1})", tokens[0]);
  CHECK(refused.status == 403);
  CHECK(Str(refused.Json(), "code") == "QUEUE_ADMISSION_REQUIRED");

  std::vector<int64_t> ticket(kUsers, 0);
  std::atomic<int> join_failures{0}, holds_without_admission{0}, served{0}, errors{0};
  std::atomic<int> max_seen_admitted{0};
  std::atomic<bool> done{false};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      HttpClient c(f.port());
      start.arrive_and_wait();
      for (int i = t; i < kUsers; i += kThreads) {
        auto r = c.Post(queue, "", tokens[i]);
        if (r.status != 201) {
          ++join_failures;
          continue;
        }
        ticket[i] = Int(r.Json(), "ticketId");
      }
      // Shop: poll; once admitted hold one seat, let it go, and leave the room.
      std::vector<int> mine;
      for (int i = t; i < kUsers; i += kThreads) mine.push_back(i);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
      bool tried_early_hold = false;
      while (!mine.empty() && std::chrono::steady_clock::now() < deadline) {
        std::vector<int> still;
        for (int i : mine) {
          auto me = c.Get(queue + "/me", tokens[i]);
          if (me.status != 200) {
            ++errors;
            continue;
          }
          const std::string status = Str(me.Json(), "status");
          if (status == "WAITING") {
            if (!tried_early_hold) {  // a waiting user cannot hold seats
              tried_early_hold = true;
              auto h = c.Post(reservations, R"({"count":1})", tokens[i]);
              if (h.status == 201) {
                // Admitted between the poll and the hold (a tick came in between): fine only if
                // the room says so now.
                if (Str(c.Get(queue + "/me", tokens[i]).Json(), "status") != "ADMITTED")
                  ++holds_without_admission;
                c.Delete("/api/reservations/" + std::to_string(Int(h.Json(), "id")), tokens[i]);
              } else if (h.status != 403) {
                ++holds_without_admission;
              }
            }
            still.push_back(i);
            continue;
          }
          if (status != "ADMITTED") {
            ++errors;
            continue;
          }
          auto h = c.Post(reservations, R"({"count":1})", tokens[i]);
          if (h.status != 201) {
            ++errors;
            continue;
          }
          // Holding seats shows, and the admission keeps its hard end (holds do not move it).
          if (auto held = c.Get(queue + "/me", tokens[i]).Json();
              !held.at("holdingSeats").as_bool() || !held.at("admittedUntil").is_string())
            ++errors;
          c.Delete("/api/reservations/" + std::to_string(Int(h.Json(), "id")), tokens[i]);
          if (c.Delete(queue + "/me", tokens[i]).status != 200) ++errors;
          ++served;
        }
        mine.swap(still);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  std::thread monitor([&] {  // samples the room while it runs
    HttpClient c(f.port());
    while (!done.load()) {
      auto r = c.Get("/api/concerts/" + std::to_string(concert));
      if (r.status == 200) {
        const int admitted = static_cast<int>(Int(r.Json().at("waitingRoom"), "admittedNow"));
        max_seen_admitted = std::max(max_seen_admitted.load(), admitted);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  for (auto& t : threads) t.join();
  done = true;
  monitor.join();

  CHECK(join_failures == 0);
  CHECK(errors == 0);
  CHECK(holds_without_admission == 0);
  CHECK(served == kUsers);  // everyone got a turn
  CHECK(max_seen_admitted <= kCap);
  CHECK(max_seen_admitted > kCap / 2);  // the sampling saw the room busy
  std::set<int64_t> distinct(ticket.begin(), ticket.end());
  CHECK(distinct.size() == static_cast<std::size_t>(kUsers));  // one place each

  // Joining again keeps the same place (checked on a user who left: a new place; and on a
  // fresh user twice).
  const auto extra = MakeUsers(f, 1, "late");
  auto first = f.http.Post(queue, "", extra[0]);
  auto again = f.http.Post(queue, "", extra[0]);
  CHECK(first.status == 201);
  CHECK(again.status == 200);
  CHECK(Int(first.Json(), "ticketId") == Int(again.Json(), "ticketId"));

  // The journal: at no moment more than kCap admitted, never more than kRate in a second.
  REQUIRE(f.server->Terminate() == 0);
  const std::string dump = RunCapture(ReplayBinary() + " --data " + f.data_dir() + " --dump");
  std::istringstream lines(dump);
  std::string line;
  int64_t active = 0, max_active = 0, admissions = 0;
  std::map<int64_t, std::set<int64_t>> admitted_users;
  std::vector<std::pair<int64_t, int64_t>> admitted_at;  // (ts, count)
  std::set<int64_t> admitted_now;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '{') continue;
    const json::value e = json::parse(line);
    const std::string type = Str(e, "type");
    if (type == "QueueAdmitted") {
      for (const auto& u : e.at("users").as_array()) admitted_now.insert(u.to_number<int64_t>());
      admitted_at.emplace_back(Int(e, "ts"), static_cast<int64_t>(e.at("users").as_array().size()));
      admissions += static_cast<int64_t>(e.at("users").as_array().size());
    } else if (type == "QueueTicketsEnded") {
      for (const auto& u : e.at("users").as_array()) admitted_now.erase(u.to_number<int64_t>());
    }
    active = static_cast<int64_t>(admitted_now.size());
    max_active = std::max(max_active, active);
  }
  CHECK(admissions == kUsers);
  CHECK(max_active <= kCap);
  CHECK(max_active == kCap);  // the room was full at its peak
  for (std::size_t i = 0; i < admitted_at.size(); ++i) {
    int64_t in_window = 0;
    for (std::size_t k = 0; k <= i; ++k)
      if (admitted_at[k].first > admitted_at[i].first - 1000) in_window += admitted_at[k].second;
    CHECK(in_window <= kRate);
  }
  const std::string verify = ReplayBinary() + " --data " + f.data_dir() + " --verify > /dev/null 2>&1";
  const int status = std::system(verify.c_str());
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

TEST_CASE("waiting room answers: specific errors, leaving, positions across a restart") {
  ApiFixture f;
  ConcertOptions plain;
  const uint64_t no_room = f.CreateConcert(plain);
  ConcertOptions o;
  o.sales_open_in_ms = 3'600'000;  // an hour away: joins land in the pre-queue
  o.waiting_room = json::object{{"maxActive", 2}, {"preQueueSeconds", 7200}};
  const uint64_t concert = f.CreateConcert(o);
  const std::string queue = QueuePath(concert);
  const std::string alice = SignupAndLogin(f.port(), "alice@x.io");
  const std::string bob = SignupAndLogin(f.port(), "bob@x.io");

  CHECK(f.http.Post(queue, "").status == 401);
  auto unknown = f.http.Post(QueuePath(999), "", alice);
  CHECK(unknown.status == 404);
  CHECK(Str(unknown.Json(), "code") == "UNKNOWN_CONCERT");
  auto not_enabled = f.http.Post(QueuePath(no_room), "", alice);
  CHECK(not_enabled.status == 409);
  CHECK(Str(not_enabled.Json(), "code") == "QUEUE_NOT_ENABLED");
  auto none = f.http.Get(queue + "/me", alice);
  CHECK(none.status == 404);
  CHECK(Str(none.Json(), "code") == "NOT_IN_QUEUE");

  auto a = f.http.Post(queue, "", alice);
  REQUIRE(a.status == 201);
  CHECK(Str(a.Json(), "status") == "WAITING");
  CHECK(a.Json().at("preQueued").as_bool());
  CHECK(a.Json().at("position").is_null());  // order is drawn at opening
  CHECK(f.http.Post(queue, "", bob).status == 201);

  auto concert_view = f.http.Get("/api/concerts/" + std::to_string(concert)).Json();
  CHECK(Int(concert_view.at("waitingRoom"), "waiting") == 2);
  CHECK(Int(concert_view.at("waitingRoom"), "maxActive") == 2);

  f.Restart(/*crash=*/true);
  auto after = f.http.Get(queue + "/me", alice);
  REQUIRE(after.status == 200);
  CHECK(Int(after.Json(), "ticketId") == Int(a.Json(), "ticketId"));
  CHECK(Int(after.Json(), "waiting") == 2);

  auto left = f.http.Delete(queue + "/me", alice);
  CHECK(left.status == 200);
  CHECK(Str(left.Json(), "status") == "LEFT");
  auto twice = f.http.Delete(queue + "/me", alice);
  CHECK(twice.status == 404);
  CHECK(Str(twice.Json(), "code") == "NOT_IN_QUEUE");

  auto bad = f.http.Post("/api/admin/concerts",
                         R"({"venueId":1,"title":"X","startsAt":1900000002000,"salesOpenAt":1900000000000,"salesCloseAt":1900000001000,
                             "prices":{"VIP":1,"R":1},"waitingRoom":{"maxActive":0}})",
                         f.admin);
  CHECK(bad.status == 422);
  CHECK(Str(bad.Json(), "field") == "waitingRoom.maxActive");

  auto metrics = f.http.Get("/metrics").body;
  CHECK(metrics.find("cm_queue_waiting{concert=\"" + std::to_string(concert) + "\"} 1") !=
        std::string::npos);
  CHECK(metrics.find("cm_queue_left_total") != std::string::npos);
}

TEST_CASE("a place nobody polls is abandoned; one that polls stays") {
  ApiFixture f;
  ConcertOptions o;
  o.sales_open_in_ms = 3'600'000;
  o.waiting_room = json::object{{"maxActive", 1}, {"abandonAfterSeconds", 5}};
  const uint64_t concert = f.CreateConcert(o);
  const std::string queue = QueuePath(concert);
  const std::string silent = SignupAndLogin(f.port(), "silent@x.io");
  const std::string polling = SignupAndLogin(f.port(), "polling@x.io");
  REQUIRE(f.http.Post(queue, "", silent).status == 201);
  REQUIRE(f.http.Post(queue, "", polling).status == 201);
  std::string status;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    CHECK(Str(f.http.Get(queue + "/me", polling).Json(), "status") == "WAITING");
    // Read the silent user's place through the concert view, which is not a sign of life.
    if (Int(f.http.Get("/api/concerts/" + std::to_string(concert)).Json().at("waitingRoom"),
            "waiting") == 1)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  auto gone = f.http.Get(queue + "/me", silent).Json();
  CHECK(Str(gone, "status") == "EXPIRED");
  CHECK(Str(gone, "endReason") == "ABANDONED");
  CHECK(Str(f.http.Get(queue + "/me", polling).Json(), "status") == "WAITING");
  // Coming back after abandonment means a new place at the back, not the old one.
  CHECK(f.http.Post(queue, "", silent).status == 201);
}
