// Holding seats over real TCP: explicit and best-available, conflicts, owners, cancelling,
// expiry, idempotency keys and the per-user rate limit.
#include <doctest/doctest.h>

#include <thread>

#include "tests/server/api_fixture.h"

using namespace cm::test;

TEST_CASE("hold explicit seats and best available; a conflict names the taken seats") {
  ApiFixture f;
  const std::string c = std::to_string(f.CreateConcert());
  const std::string a = SignupAndLogin(f.port(), "a@x.io"), b = SignupAndLogin(f.port(), "b@x.io");
  const std::string path = "/api/v1/concerts/" + c + "/reservations";

  auto held = f.http.Post(path, R"({"seatIds":[0,1]})", a);
  REQUIRE(held.status == 201);
  const auto r = held.Json();
  CHECK(Str(r, "status") == "HELD");
  CHECK(Int(r, "amount") == 300000);
  CHECK(r.at("seats").as_array().size() == 2);
  CHECK(Str(r.at("seats").as_array()[0], "grade") == "VIP");
  CHECK(!Str(r, "expiresAt").empty());
  CHECK(held.Header("location") == "/api/reservations/" + std::to_string(Int(r, "id")));

  auto conflict = f.http.Post(path, R"({"seatIds":[1,2,0]})", b);
  CHECK(conflict.status == 409);
  CHECK(Str(conflict.Json(), "code") == "SEAT_NOT_AVAILABLE");
  const json::value conflict_json = conflict.Json();
  const auto& taken = conflict_json.at("seats").as_array();
  CHECK(taken.size() == 2);

  auto best = f.http.Post(path, R"({"grade":"R","count":3})", b);
  REQUIRE(best.status == 201);
  const json::value best_json = best.Json();
  for (const auto& s : best_json.at("seats").as_array()) CHECK(Str(s, "grade") == "R");
  CHECK(f.http.Post(path, R"({"grade":"Gold","count":1})", b).status == 422);
  CHECK(f.http.Post(path, R"({"count":2})", b).status == 409);  // limit 4: b holds 3
  CHECK(Str(f.http.Post(path, R"({"count":2})", b).Json(), "code") == "SEAT_LIMIT_EXCEEDED");
  CHECK(f.http.Post(path, R"({"seatIds":[5000]})", b).status == 404);
  CHECK(f.http.Post(path, R"({"seatIds":[3,3]})", a).status == 422);
  CHECK(f.http.Post(path, R"({})", a).status == 422);
  CHECK(f.http.Post("/api/v1/concerts/777/reservations", R"({"seatIds":[1]})", a).status == 404);
  CHECK(f.http.Post(path, R"({"seatIds":[9]})").status == 401);
}

TEST_CASE("reservations: owner or admin reads, others 404; cancel releases; my list") {
  ApiFixture f;
  const std::string c = std::to_string(f.CreateConcert());
  const std::string a = SignupAndLogin(f.port(), "a@x.io"), b = SignupAndLogin(f.port(), "b@x.io");
  auto held = f.http.Post("/api/v1/concerts/" + c + "/reservations", R"({"seatIds":[4]})", a);
  REQUIRE(held.status == 201);
  const std::string rid = "/api/reservations/" + std::to_string(Int(held.Json(), "id"));
  CHECK(f.http.Get(rid, a).status == 200);
  CHECK(f.http.Get(rid, f.admin).status == 200);
  // Someone else's reservation answers exactly like a missing one, so ids cannot be probed.
  auto other = f.http.Get(rid, b);
  auto missing = f.http.Get("/api/reservations/123456", a);
  CHECK(other.status == 404);
  CHECK(Str(other.Json(), "code") == "UNKNOWN_RESERVATION");
  CHECK(missing.status == 404);
  CHECK(Str(missing.Json(), "code") == "UNKNOWN_RESERVATION");
  auto cancel_other = f.http.Delete(rid, b);
  CHECK(cancel_other.status == 404);
  CHECK(Str(cancel_other.Json(), "code") == "UNKNOWN_RESERVATION");

  const json::value mine = f.http.Get("/api/users/me/reservations", a).Json();
  REQUIRE(mine.at("items").as_array().size() == 1);
  CHECK(Int(mine.at("items").as_array()[0], "seatCount") == 1);
  CHECK(f.http.Get("/api/users/me/reservations", b).Json().at("items").as_array().empty());

  auto cancelled = f.http.Delete(rid, a);
  REQUIRE(cancelled.status == 200);
  CHECK(Str(cancelled.Json(), "status") == "CANCELLED");
  CHECK(f.http.Delete(rid, a).status == 409);  // already released
  CHECK(f.http.Post("/api/v1/concerts/" + c + "/reservations", R"({"seatIds":[4]})", b).status == 201);
}

TEST_CASE("admin confirms and refunds; holds expire by themselves at the TTL") {
  ApiFixture f({"--tick-ms", "50"});
  ConcertOptions quick;
  quick.hold_ttl_s = 1;
  const std::string c = std::to_string(f.CreateConcert(quick));
  const std::string a = SignupAndLogin(f.port(), "a@x.io");
  auto sold = f.http.Post("/api/v1/concerts/" + c + "/reservations", R"({"seatIds":[0]})", a);
  const std::string sold_id = std::to_string(Int(sold.Json(), "id"));
  auto confirmed = f.http.Post("/api/admin/reservations/" + sold_id + "/confirm", "", f.admin);
  REQUIRE(confirmed.status == 200);
  CHECK(Str(confirmed.Json(), "status") == "CONFIRMED");
  CHECK(f.http.Post("/api/admin/reservations/" + sold_id + "/confirm", "", a).status == 403);

  auto held = f.http.Post("/api/v1/concerts/" + c + "/reservations", R"({"seatIds":[1]})", a);
  const std::string rid = "/api/reservations/" + std::to_string(Int(held.Json(), "id"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto expired = f.http.Get(rid, a);
  CHECK(Str(expired.Json(), "status") == "EXPIRED");
  CHECK(f.http.Post("/api/admin/reservations/" + std::to_string(Int(held.Json(), "id")) + "/confirm", "",
                    f.admin).status == 409);
  auto refunded = f.http.Post("/api/admin/reservations/" + sold_id + "/refund", "", f.admin);
  CHECK(Str(refunded.Json(), "status") == "REFUNDED");
  auto map = f.http.Get("/api/concerts/" + c + "/seats").Json();
  const auto& seats = map.at("sections").as_array()[0].at("rows").as_array()[0].at("seats").as_array();
  CHECK(seats[0].as_array()[4].as_string() == "A");
  CHECK(seats[1].as_array()[4].as_string() == "A");
}

TEST_CASE("Idempotency-Key: same body replays, other body 422, survives a restart") {
  ApiFixture f;
  const std::string c = std::to_string(f.CreateConcert());
  const std::string a = SignupAndLogin(f.port(), "a@x.io");
  const std::string path = "/api/v1/concerts/" + c + "/reservations";
  auto first = f.http.Post(path, R"({"seatIds":[7]})", a, {{"Idempotency-Key", "click-1"}});
  REQUIRE(first.status == 201);
  auto again = f.http.Post(path, R"({"seatIds":[7]})", a, {{"Idempotency-Key", "click-1"}});
  CHECK(again.status == 201);
  CHECK(again.Header("idempotent-replayed") == "true");
  CHECK(Int(again.Json(), "id") == Int(first.Json(), "id"));
  auto other = f.http.Post(path, R"({"seatIds":[8]})", a, {{"Idempotency-Key", "click-1"}});
  CHECK(other.status == 422);
  CHECK(Str(other.Json(), "code") == "IDEMPOTENCY_KEY_REUSED");
  f.Restart(false);
  const std::string a2 = Login(f.port(), "a@x.io", "password-123");
  auto after = f.http.Post(path, R"({"seatIds":[7]})", a2, {{"Idempotency-Key", "click-1"}});
  CHECK(after.status == 201);
  CHECK(Int(after.Json(), "id") == Int(first.Json(), "id"));

  // A burst of the same key at once: one hold at most; the others repeat it or are told the
  // key is in flight (409).
  std::vector<std::thread> clicks;
  std::vector<int> statuses(8);
  std::vector<int64_t> ids(8, 0);
  for (int i = 0; i < 8; ++i)
    clicks.emplace_back([&, i] {
      HttpClient mine(f.port());
      auto r = mine.Post(path, R"({"seatIds":[9]})", a2, {{"Idempotency-Key", "macro"}});
      statuses[i] = r.status;
      if (r.status == 201) ids[i] = Int(r.Json(), "id");
    });
  for (auto& t : clicks) t.join();
  int64_t the_id = 0;
  for (int i = 0; i < 8; ++i) {
    CHECK((statuses[i] == 201 || statuses[i] == 409 || statuses[i] == 429));
    if (statuses[i] == 201) {
      if (the_id == 0) the_id = ids[i];
      CHECK(ids[i] == the_id);
    }
  }
  CHECK(the_id != 0);
}

TEST_CASE("the per-user rate limit answers 429 with Retry-After") {
  ApiFixture f({"--hold-rate", "1", "--hold-burst", "3"});
  const std::string c = std::to_string(f.CreateConcert());
  const std::string a = SignupAndLogin(f.port(), "a@x.io"), b = SignupAndLogin(f.port(), "b@x.io");
  const std::string path = "/api/v1/concerts/" + c + "/reservations";
  int limited = 0;
  std::string retry;
  for (int i = 0; i < 6; ++i) {
    auto r = f.http.Post(path, R"({"seatIds":[30]})", a);
    if (r.status == 429) {
      ++limited;
      retry = r.Header("retry-after");
      CHECK(Str(r.Json(), "code") == "RATE_LIMITED");
    }
  }
  CHECK(limited >= 2);
  CHECK(!retry.empty());
  CHECK(f.http.Post(path, R"({"seatIds":[31]})", b).status == 201);  // other users are unaffected
}

// A counter's value on /metrics.
uint64_t Metric(ApiFixture& f, const std::string& counter) {
  const std::string m = f.http.Get("/metrics").body;
  const std::string name = "\n" + counter + " ";
  const auto at = m.find(name);
  REQUIRE(at != std::string::npos);
  return std::stoull(m.substr(at + name.size()));
}

TEST_CASE("a token's signature is checked once; its next requests are answered from the cache") {
  ApiFixture f;
  const std::string c = std::to_string(f.CreateConcert());
  const std::string a = SignupAndLogin(f.port(), "cached@x.io");
  const std::string path = "/api/v1/concerts/" + c + "/reservations";
  const uint64_t hits = Metric(f, "cm_token_cache_hits_total");
  const uint64_t misses = Metric(f, "cm_token_cache_misses_total");
  CHECK(f.http.Post(path, R"({"seatIds":[1]})", a).status == 201);
  CHECK(Metric(f, "cm_token_cache_misses_total") == misses + 1);
  CHECK(f.http.Post(path, R"({"seatIds":[2]})", a).status == 201);
  CHECK(f.http.Post(path, R"({"seatIds":[1]})", a).status == 409);
  CHECK(Metric(f, "cm_token_cache_hits_total") == hits + 2);
  CHECK(Metric(f, "cm_token_cache_misses_total") == misses + 1);
  // A tampered token is checked, refused, and never kept.
  std::string forged = a;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  CHECK(f.http.Post(path, R"({"seatIds":[3]})", forged).status == 401);
  CHECK(f.http.Post(path, R"({"seatIds":[3]})", forged).status == 401);
  CHECK(Metric(f, "cm_token_cache_misses_total") == misses + 3);
}

TEST_CASE("a taken seat is refused at the gateway with the engine's own answer; a keyed retry is not") {
  ApiFixture f;
  const std::string c = std::to_string(f.CreateConcert());
  const std::string a = SignupAndLogin(f.port(), "a@x.io"), b = SignupAndLogin(f.port(), "b@x.io");
  const std::string path = "/api/v1/concerts/" + c + "/reservations";
  auto refused_at_gateway = [&] { return Metric(f, "cm_holds_refused_at_gateway_total"); };
  const uint64_t before = refused_at_gateway();
  auto first = f.http.Post(path, R"({"seatIds":[5,6]})", a, {{"Idempotency-Key", "first-try"}});
  REQUIRE(first.status == 201);
  // The same answer the engine gives, the taken seats in the order asked.
  auto conflict = f.http.Post(path, R"({"seatIds":[7,6,5]})", b);
  CHECK(conflict.status == 409);
  const json::value body = conflict.Json();
  CHECK(Str(body, "code") == "SEAT_NOT_AVAILABLE");
  REQUIRE(body.at("seats").as_array().size() == 2);
  CHECK(body.at("seats").as_array()[0].as_int64() == 6);
  CHECK(body.at("seats").as_array()[1].as_int64() == 5);
  CHECK(refused_at_gateway() == before + 1);
  // A keyed retry of the first hold goes to the engine, which replays its 201.
  auto retried = f.http.Post(path, R"({"seatIds":[5,6]})", a, {{"Idempotency-Key", "first-try"}});
  CHECK(retried.status == 201);
  CHECK(Int(retried.Json(), "id") == Int(first.Json(), "id"));
  // A seat that is free, or a request the engine refuses for another reason first, goes on.
  CHECK(f.http.Post(path, R"({"seatIds":[7]})", b).status == 201);
  CHECK(f.http.Post(path, R"({"seatIds":[5,5]})", b).status == 422);
  CHECK(f.http.Post(path, R"({"seatIds":[5000,5]})", b).status == 404);
  CHECK(refused_at_gateway() == before + 1);
  // Once the hold is let go, the seats are free again at once.
  REQUIRE(f.http.Delete("/api/reservations/" + std::to_string(Int(first.Json(), "id")), a).status == 200);
  CHECK(f.http.Post(path, R"({"seatIds":[5]})", b).status == 201);
}

// The outside test's hand-off (취소표): one account releases a seat and another takes it at
// once. With a return window the seat is off sale, shown as held, until its drawn moment.
TEST_CASE("a released seat cannot be passed to another account; it comes back on its own") {
  ApiFixture f;
  // A window of an hour: the moment drawn is surely later than the next request.
  ConcertOptions hour;
  hour.extra["returnWindowSeconds"] = 3600;
  hour.extra["reholdCooldownSeconds"] = 0;
  const std::string c = std::to_string(f.CreateConcert(hour));
  CHECK(Int(f.http.Get("/api/concerts/" + c).Json(), "returnWindowSeconds") == 3600);
  const std::string a = SignupAndLogin(f.port(), "giver@x.io");
  const std::string b = SignupAndLogin(f.port(), "taker@x.io");
  auto release = [&](const std::string& concert, const std::string& seats) {
    auto held = f.http.Post("/api/v1/concerts/" + concert + "/reservations", seats, a);
    REQUIRE(held.status == 201);
    REQUIRE(f.http.Delete("/api/reservations/" + std::to_string(Int(held.Json(), "id")), a)
                .status == 200);
  };
  release(c, R"({"seatIds":[4]})");
  auto taken = f.http.Post("/api/v1/concerts/" + c + "/reservations", R"({"seatIds":[4]})", b);
  CHECK(taken.status == 409);
  CHECK(Str(taken.Json(), "code") == "SEAT_NOT_AVAILABLE");
  // The map shows it held, as it was, while it is away.
  const json::value map = f.http.Get("/api/concerts/" + c + "/seats").Json();
  const auto& seat4 =
      map.at("sections").as_array()[0].at("rows").as_array()[0].at("seats").as_array()[4].as_array();
  CHECK(seat4[4].as_string() == "H");
  // A window of a second: the seat is back within it, and the next command's time returns it.
  ConcertOptions second;
  second.extra["returnWindowSeconds"] = 1;
  second.extra["reholdCooldownSeconds"] = 0;
  const std::string quick = std::to_string(f.CreateConcert(second));
  release(quick, R"({"seatIds":[4]})");
  // The release was decided before its answer came back: its moment is at most 1 s after now.
  std::this_thread::sleep_for(std::chrono::milliseconds(1'100));
  CHECK(f.http.Post("/api/v1/concerts/" + quick + "/reservations", R"({"seatIds":[4]})", b).status ==
        201);
}

TEST_CASE("wheelchair spaces and companion seats: marked in the venue, held back, sold together") {
  ApiFixture f;
  // A grid of 1 section ("S1") of 2 rows ("1", "2") of 6.
  auto venue = f.http.Post("/api/admin/venues", R"({
    "name": "Access Hall", "grades": ["R"],
    "grid": {"sections": 1, "rows": 2, "seatsPerRow": 6, "rowsPerGrade": 2},
    "accessibility": [
      {"section": "S1", "row": "2", "seats": [1, 2], "attributes": ["WHEELCHAIR"]},
      {"section": "S1", "row": "2", "seats": [3, 4], "attributes": ["COMPANION", "AISLE"]},
      {"section": "S1", "row": "1", "attributes": ["RESTRICTED_VIEW"]}]})", f.admin);
  INFO(venue.body);
  REQUIRE(venue.status == 201);
  const int64_t now = NowMs();
  const std::string concert_body =
      R"({"venueId":)" + std::to_string(Int(venue.Json(), "id")) +
      R"(,"title":"Access","startsAt":)" + std::to_string(now + 86'400'000) +
      R"(,"salesOpenAt":)" + std::to_string(now - 60'000) + R"(,"salesCloseAt":)" +
      std::to_string(now + 3'600'000) +
      R"(,"prices":{"R":1000},"maxSeatsPerUser":12,"accessibleSeats":{"companionsPerSpace":1,"releaseAt":)" +
      std::to_string(now + 3'000'000) + "}}";
  auto created = f.http.Post("/api/admin/concerts", concert_body, f.admin);
  REQUIRE(created.status == 201);
  const std::string c = std::to_string(Int(created.Json(), "id"));
  REQUIRE(f.http.Post("/api/admin/concerts/" + c + "/open", "", f.admin).status == 200);
  const auto view = f.http.Get("/api/concerts/" + c).Json();
  CHECK(Int(view.at("accessibleSeats"), "wheelchairSpaces") == 2);
  CHECK(Int(view.at("accessibleSeats"), "companionSeats") == 2);
  CHECK(view.at("accessibleSeats").at("heldBack").as_bool());
  CHECK(!Str(view.at("accessibleSeats"), "releaseAt").empty());
  // The seat map names each marked seat's attributes in a sixth field.
  const auto map = f.http.Get("/api/concerts/" + c + "/seats").Json();
  const auto& row2 = map.at("sections").as_array()[0].at("rows").as_array()[1].at("seats").as_array();
  CHECK(row2[0].as_array().size() == 6);
  CHECK(row2[0].as_array()[5].as_array()[0].as_string() == "WHEELCHAIR");
  CHECK(row2[2].as_array()[5].as_array().size() == 2);  // COMPANION and AISLE
  CHECK(row2[5].as_array().size() == 5);                // nothing marked
  const std::string path = "/api/v1/concerts/" + c + "/reservations";
  const std::string a = SignupAndLogin(f.port(), "a@x.io"), b = SignupAndLogin(f.port(), "b@x.io");
  const int64_t wheelchair = row2[0].as_array()[0].as_int64();
  const int64_t companion = row2[2].as_array()[0].as_int64();
  auto alone = f.http.Post(path, R"({"seatIds":[)" + std::to_string(companion) + "]}", a);
  CHECK(alone.status == 409);
  CHECK(Str(alone.Json(), "code") == "COMPANION_NEEDS_WHEELCHAIR");
  // Best-available keeps them back unless asked: a seat at a time, the 8 others and no more.
  for (int i = 0; i < 8; ++i) {
    auto one = f.http.Post(path, R"({"count":1})", a);
    REQUIRE(one.status == 201);
    const json::value seat = one.Json().at("seats").as_array()[0];
    const bool marked = seat.as_object().contains("attributes");
    CHECK((!marked || seat.at("attributes").as_array()[0].as_string() == "RESTRICTED_VIEW"));
  }
  auto none_left = f.http.Post(path, R"({"count":1})", a);
  CHECK(Str(none_left.Json(), "code") == "NO_ADJACENT_SEATS");
  // Asked for, a space and its companion.
  auto pair = f.http.Post(path, R"({"count":2,"accessible":true})", b);
  REQUIRE(pair.status == 201);
  const auto pair_json = pair.Json();
  const auto& seats = pair_json.at("seats").as_array();
  CHECK(seats.size() == 2);
  CHECK(seats[0].at("attributes").as_array()[0].as_string() == "WHEELCHAIR");
  CHECK(seats[1].at("attributes").as_array()[0].as_string() == "COMPANION");
  CHECK(f.http.Post(path, R"({"count":1,"accessible":"yes"})", b).status == 422);
  auto explicit_accessible = f.http.Post(path, R"({"seatIds":[0],"accessible":true})", b);
  CHECK(explicit_accessible.status == 422);
  CHECK(Str(explicit_accessible.Json(), "field") == "accessible");
  auto too_many = f.http.Post("/api/admin/concerts",
                              concert_body.substr(0, concert_body.find(R"("accessibleSeats")")) +
                                  R"("accessibleSeats":{"companionsPerSpace":9}})",
                              f.admin);
  CHECK(too_many.status == 422);
  CHECK(Str(too_many.Json(), "field") == "accessibleSeats.companionsPerSpace");
  const std::string d = SignupAndLogin(f.port(), "d@x.io");
  // The other space with the other companion (the pair took the ones nearer the centre).
  CHECK(f.http.Post(path, R"({"seatIds":[)" + std::to_string(wheelchair) + "," +
                        std::to_string(companion + 1) + "]}", d).status == 201);
  // Marks that name no seat, or mean nothing, are refused with the field.
  auto bad = f.http.Post("/api/admin/venues", R"({"name":"X","grades":["R"],
    "grid":{"sections":1,"rows":1,"seatsPerRow":2,"rowsPerGrade":1},
    "accessibility":[{"section":"S1","row":"1","seats":[9],"attributes":["WHEELCHAIR"]}]})", f.admin);
  CHECK(bad.status == 422);
  CHECK(Str(bad.Json(), "field") == "accessibility[0].seats[0]");
  auto both = f.http.Post("/api/admin/venues", R"({"name":"X","grades":["R"],
    "grid":{"sections":1,"rows":1,"seatsPerRow":2,"rowsPerGrade":1},
    "accessibility":[{"section":"S1","row":"1","attributes":["WHEELCHAIR","COMPANION"]}]})", f.admin);
  CHECK(both.status == 422);
  CHECK(Str(both.Json(), "field") == "accessibility[0].attributes");
  // Marks add up: an aisle row, then a wheelchair space in it, keeps both.
  auto added = f.http.Post("/api/admin/venues", R"({"name":"Y","grades":["R"],
    "grid":{"sections":1,"rows":1,"seatsPerRow":2,"rowsPerGrade":1},
    "accessibility":[{"section":"S1","row":"1","attributes":["AISLE"]},
                     {"section":"S1","row":"1","seats":[1],"attributes":["WHEELCHAIR"]}]})", f.admin);
  REQUIRE(added.status == 201);
  auto unknown = f.http.Post("/api/admin/venues", R"({"name":"X","grades":["R"],
    "grid":{"sections":1,"rows":1,"seatsPerRow":2,"rowsPerGrade":1},
    "accessibility":[{"section":"S1","row":"1","attributes":["BALCONY"]}]})", f.admin);
  CHECK(Str(unknown.Json(), "field") == "accessibility[0].attributes");
}
