#include "tests/server/api_fixture.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "auth/jwt.h"

namespace cm::test {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> MakeUsers(ApiFixture& f, int n, const std::string& prefix) {
  const cm::auth::JwtCodec jwt(ServerProcess::kSecret);
  std::vector<std::string> tokens(static_cast<std::size_t>(n));
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w)
    workers.emplace_back([&, w] {
      HttpClient c(f.port());
      for (int i = w; i < n; i += 4) {
        auto r = c.Post("/api/users/signup",
                        json::serialize(json::object{
                            {"email", prefix + std::to_string(i) + "@x.io"},
                            {"password", "password-123"},
                            {"name", "Fan"}}));
        if (r.status != 201) throw std::runtime_error(r.body);
        const int64_t now = NowMs() / 1000;
        tokens[static_cast<std::size_t>(i)] =
            jwt.Sign({static_cast<uint64_t>(Int(r.Json(), "id")), cm::engine::Role::kUser, now,
                      now + 900, 0});
      }
    });
  for (auto& t : workers) t.join();
  return tokens;
}

std::string Str(const json::value& v, const char* key) {
  return std::string(v.at(key).as_string());
}

int64_t Int(const json::value& v, const char* key) { return v.at(key).to_number<int64_t>(); }

ApiFixture::ApiFixture(std::vector<std::string> f) : flags(std::move(f)) {
  server = std::make_unique<ServerProcess>(data_dir(), flags);
  http = HttpClient(server->port());
  admin = Login(port(), ServerProcess::kAdminEmail, ServerProcess::kAdminPassword);
}

void ApiFixture::Restart(bool crash) {
  if (crash) server->Kill();
  else server->Terminate();
  server.reset();
  server = std::make_unique<ServerProcess>(data_dir(), flags);
  http = HttpClient(server->port());
  admin = Login(port(), ServerProcess::kAdminEmail, ServerProcess::kAdminPassword);
}

uint64_t ApiFixture::CreateConcert(const ConcertOptions& o) {
  json::object venue{{"name", "Test Hall"},
                     {"grades", json::array{"VIP", "R"}},
                     {"grid", json::object{{"sections", o.sections},
                                           {"rows", o.rows},
                                           {"seatsPerRow", o.seats_per_row},
                                           {"rowsPerGrade", o.rows_per_grade}}}};
  if (!o.accessibility.empty()) venue["accessibility"] = o.accessibility;
  auto v = http.Post("/api/admin/venues", json::serialize(venue), admin);
  if (v.status != 201) throw std::runtime_error("venue: " + v.body);
  const int64_t now = NowMs();
  json::object concert{{"venueId", Int(v.Json(), "id")},
                       {"title", "Test Concert"},
                       {"startsAt", now + 86'400'000},
                       {"salesOpenAt", now + o.sales_open_in_ms},
                       {"salesCloseAt", now + std::max<int64_t>(3'600'000, o.sales_open_in_ms + 3'600'000)},
                       {"prices", json::object{{"VIP", 150000}, {"R", 100000}}},
                       {"holdTtlSeconds", o.hold_ttl_s},
                       {"maxSeatsPerUser", o.max_seats_per_user}};
  if (!o.waiting_room.empty()) concert["waitingRoom"] = o.waiting_room;
  for (const auto& [k, v] : o.extra) concert[k] = v;
  auto c = http.Post("/api/admin/concerts", json::serialize(concert), admin);
  if (c.status != 201) throw std::runtime_error("concert: " + c.body);
  const auto id = static_cast<uint64_t>(Int(c.Json(), "id"));
  if (o.open) {
    auto r = http.Post("/api/admin/concerts/" + std::to_string(id) + "/open", "", admin);
    if (r.status != 200) throw std::runtime_error("open: " + r.body);
  }
  return id;
}

}  // namespace cm::test
