// Admin venue and concert management, the public concert pages, and HTTP-level errors.
#include <doctest/doctest.h>

#include "tests/server/api_fixture.h"

using namespace cm::test;

TEST_CASE("admin creates venues and concerts; validation names the field") {
  ApiFixture f;
  // The detailed venue form.
  auto venue = f.http.Post("/api/admin/venues", R"({"name":"Small Club","grades":["GA","VIP"],
    "sections":[{"name":"Floor","rows":[{"label":"A","seats":[{"number":1,"grade":"VIP","x":-1,"y":1},
    {"number":2,"grade":"VIP","x":1,"y":1}]},{"label":"B","seats":[{"number":1,"grade":"GA"}]}]}]})",
                           f.admin);
  REQUIRE(venue.status == 201);
  CHECK(Int(venue.Json(), "seatCount") == 3);
  const int64_t vid = Int(venue.Json(), "id");
  auto bad_grade = f.http.Post("/api/admin/venues", R"({"name":"X","grades":["A"],
    "sections":[{"name":"F","rows":[{"label":"A","seats":[{"number":1,"grade":"Z"}]}]}]})", f.admin);
  CHECK(bad_grade.status == 422);
  CHECK(Str(bad_grade.Json(), "field") == "sections[0].rows[0].seats[0].grade");
  auto no_grades = f.http.Post("/api/admin/venues", R"({"name":"X","grades":[]})", f.admin);
  CHECK(no_grades.status == 422);
  CHECK(Str(no_grades.Json(), "field") == "grades");

  const int64_t now = NowMs();
  json::object concert{{"venueId", vid}, {"title", "Club Night"}, {"startsAt", "2030-01-01T20:00:00+09:00"},
                       {"salesOpenAt", now - 1000}, {"salesCloseAt", now + 3'600'000},
                       {"prices", json::object{{"GA", 50000}, {"VIP", 90000}}}};
  auto created = f.http.Post("/api/admin/concerts", json::serialize(concert), f.admin);
  REQUIRE(created.status == 201);
  CHECK(Str(created.Json(), "startsAt") == "2030-01-01T11:00:00.000Z");
  CHECK(Str(created.Json(), "status") == "SCHEDULED");  // not opened yet
  const std::string id = std::to_string(Int(created.Json(), "id"));

  concert["prices"] = json::object{{"GA", 50000}};
  auto missing_price = f.http.Post("/api/admin/concerts", json::serialize(concert), f.admin);
  CHECK(missing_price.status == 422);
  CHECK(Str(missing_price.Json(), "field") == "prices.VIP");
  concert["prices"] = json::object{{"GA", 1}, {"VIP", 2}};
  concert["startsAt"] = "next tuesday";
  CHECK(Str(f.http.Post("/api/admin/concerts", json::serialize(concert), f.admin).Json(), "field") == "startsAt");
  concert["startsAt"] = now + 10'000'000;
  concert["venueId"] = 987654;
  CHECK(f.http.Post("/api/admin/concerts", json::serialize(concert), f.admin).status == 404);

  auto opened = f.http.Post("/api/admin/concerts/" + id + "/open", "", f.admin);
  REQUIRE(opened.status == 200);
  CHECK(Str(opened.Json(), "status") == "ON_SALE");
  CHECK(f.http.Post("/api/admin/concerts/424242/open", "", f.admin).status == 404);
  auto closed = f.http.Post("/api/admin/concerts/" + id + "/close", "", f.admin);
  CHECK(Str(closed.Json(), "status") == "CLOSED");
}

TEST_CASE("public pages: list with paging and filters, details, seat map with ETag") {
  ApiFixture f;
  const uint64_t on_sale = f.CreateConcert();
  ConcertOptions later;
  later.open = false;
  f.CreateConcert(later);
  auto all = f.http.Get("/api/concerts");
  REQUIRE(all.status == 200);
  CHECK(Int(all.Json(), "total") == 2);
  const json::value selling = f.http.Get("/api/concerts?status=on_sale").Json();
  CHECK(Int(selling, "total") == 1);
  CHECK(Int(selling.at("items").as_array()[0], "id") == static_cast<int64_t>(on_sale));
  auto page = f.http.Get("/api/concerts?page=1&size=1");
  CHECK(page.Json().at("items").as_array().size() == 1);
  CHECK(f.http.Get("/api/concerts?page=5").Json().at("items").as_array().empty());
  CHECK(f.http.Get("/api/concerts?size=0").status == 422);
  CHECK(f.http.Get("/api/concerts?status=bogus").status == 422);

  const std::string id = std::to_string(on_sale);
  auto details = f.http.Get("/api/concerts/" + id);
  REQUIRE(details.status == 200);
  const json::value details_json = details.Json();
  const auto& grades = details_json.at("grades").as_array();
  REQUIRE(grades.size() == 2);
  CHECK(Str(grades[0], "name") == "VIP");
  CHECK(Int(grades[0], "price") == 150000);
  CHECK(Int(grades[0], "seatsAvailable") == 20);
  CHECK(f.http.Get("/api/concerts/999999").status == 404);
  CHECK(f.http.Get("/api/concerts/abc").status == 404);

  auto seats = f.http.Get("/api/concerts/" + id + "/seats");
  REQUIRE(seats.status == 200);
  const std::string etag = seats.Header("etag");
  REQUIRE(!etag.empty());
  const json::value map = seats.Json();
  const auto& first_seat =
      map.at("sections").as_array()[0].at("rows").as_array()[0].at("seats").as_array()[0].as_array();
  CHECK(first_seat.size() == 5);
  CHECK(first_seat[4].as_string() == "A");
  auto not_modified = f.http.Request("GET", "/api/concerts/" + id + "/seats", "", {{"If-None-Match", etag}});
  CHECK(not_modified.status == 304);
  CHECK(not_modified.body.empty());
  // A hold changes the map, so the old ETag no longer matches.
  const std::string user = SignupAndLogin(f.port(), "s@x.io");
  REQUIRE(f.http.Post("/api/v1/concerts/" + id + "/reservations", R"({"seatIds":[0]})", user).status == 201);
  auto changed = f.http.Request("GET", "/api/concerts/" + id + "/seats", "", {{"If-None-Match", etag}});
  CHECK(changed.status == 200);
  CHECK(changed.Header("etag") != etag);
  CHECK(Int(f.http.Get("/api/concerts/" + id).Json().at("grades").as_array()[0], "seatsAvailable") == 19);
}

TEST_CASE("HTTP errors: 404, 405 with Allow, 413, 415, 400 saying where, request ids") {
  ApiFixture f({"--max-body", "2048", "--max-header", "4096"});
  auto unknown = f.http.Get("/api/nope");
  CHECK(unknown.status == 404);
  CHECK(Str(unknown.Json(), "code") == "NOT_FOUND");
  auto wrong_method = f.http.Request("PUT", "/api/concerts");
  CHECK(wrong_method.status == 405);
  CHECK(wrong_method.Header("allow") == "GET");
  CHECK(f.http.Request("PATCH", "/api/reservations/5").Header("allow") == "GET, DELETE");

  auto big = f.http.Post("/api/users/signup", std::string(4096, ' ') + "{}");
  CHECK(big.status == 413);
  CHECK(Str(big.Json(), "code") == "BODY_TOO_LARGE");
  auto big_header = f.http.Request("GET", "/healthz", "", {{"X-Junk", std::string(8000, 'j')}});
  CHECK(big_header.status == 413);
  CHECK(Str(big_header.Json(), "code") == "HEADER_TOO_LARGE");

  auto text = f.http.Request("POST", "/api/users/login", "email=a", {{"Content-Type", "text/plain"}});
  CHECK(text.status == 415);
  auto malformed = f.http.Post("/api/users/login", "{\n  \"email\": \"a@b.io\",\n  \"password\" \"x\"\n}");
  CHECK(malformed.status == 400);
  CHECK(Str(malformed.Json(), "code") == "MALFORMED_JSON");
  CHECK(Str(malformed.Json(), "detail").find("line 3") != std::string::npos);
  CHECK(f.http.Post("/api/users/login", "").status == 400);

  auto raw = f.http.Raw("GARBAGE\r\n\r\n");
  CHECK(raw.status == 400);

  auto with_id = f.http.Request("GET", "/healthz", "", {{"X-Request-Id", "trace-abc.1"}});
  CHECK(with_id.Header("x-request-id") == "trace-abc.1");
  CHECK(!f.http.Get("/healthz").Header("x-request-id").empty());
  auto hostile_id = f.http.Request("GET", "/healthz", "", {{"X-Request-Id", "a\"b<c>"}});
  CHECK(hostile_id.Header("x-request-id") != "a\"b<c>");
}

TEST_CASE("operations: healthz, readyz, metrics, openapi, swagger page") {
  ApiFixture f;
  CHECK(f.http.Get("/healthz").status == 200);
  CHECK(f.http.Get("/readyz").status == 200);
  const uint64_t concert = f.CreateConcert();
  const std::string user = SignupAndLogin(f.port(), "m@x.io");
  f.http.Post("/api/v1/concerts/" + std::to_string(concert) + "/reservations", R"({"count":2})", user);
  auto metrics = f.http.Get("/metrics");
  REQUIRE(metrics.status == 200);
  for (const char* name : {"cm_http_requests_total{route=\"POST /api/v1/concerts/{concertId}/reservations\",status=\"201\"} 1",
                           "cm_ring_depth", "cm_durable_seq", "cm_journal_sync_seconds_bucket",
                           "cm_sequencer_batch_commands_count", "cm_journal_batch_events_sum",
                           "cm_holds_total 1", "cm_confirms_total", "cm_expiries_total",
                           "cm_http_request_duration_seconds_bucket"})
    CHECK_MESSAGE(metrics.body.find(name) != std::string::npos, name);
  auto doc = f.http.Get("/openapi.json");
  REQUIRE(doc.status == 200);
  CHECK(Str(doc.Json(), "openapi") == "3.1.0");
  auto page = f.http.Get("/swagger-ui.html");
  CHECK(page.status == 200);
  CHECK(page.body.find("/openapi.json") != std::string::npos);
}

TEST_CASE("the layout: the stage at the origin and each section's outline; the demo's hall has "
          "straight floor blocks in front of the stage and curved tiers around, graded by distance") {
  ApiFixture f({"--demo"});
  const json::value concerts = f.http.Get("/api/concerts").Json();
  const int64_t demo = Int(concerts.at("items").as_array()[0], "id");
  auto layout = f.http.Get("/api/concerts/" + std::to_string(demo) + "/layout");
  REQUIRE(layout.status == 200);
  CHECK(layout.Header("cache-control").find("public") != std::string::npos);
  const json::value l = layout.Json();
  CHECK(Int(l.at("stage"), "x") == 0);
  const json::array& sections = l.at("sections").as_array();
  REQUIRE(sections.size() == 14);
  int64_t seats = 0;
  for (const json::value& s : sections) seats += Int(s, "seats");
  CHECK(seats == 3200);
  // A floor block is a rectangle in front of the stage (y > 0); a tier's rows curve, so its
  // outline has more corners than four.
  const json::array& floor = sections[0].at("outline").as_array();
  CHECK(Str(sections[0], "name") == "A");
  CHECK(floor.size() == 4);
  for (const json::value& p : floor) CHECK(p.as_array()[1].to_number<int64_t>() > 0);
  CHECK(sections[9].at("outline").as_array().size() > 4);
  // The tiers' bands are drawn as the venue gives them (an arc each way), not as a hull.
  CHECK(sections[9].at("outline").as_array().size() == 18);
  CHECK(l.at("stage").at("outline").as_array().size() == 4);
  // Grades by distance: the middle floor blocks' front rows are VIP, the last tier rows A.
  const json::value seat_map = f.http.Get("/api/concerts/" + std::to_string(demo) + "/seats").Json();
  const auto grade_of = [&](std::size_t section, std::size_t row) {
    const json::array& seat = seat_map.at("sections").as_array()[section].at("rows").as_array()[row]
                                  .at("seats").as_array()[8].as_array();
    return seat_map.at("grades").as_array()[seat[2].to_number<std::size_t>()].at("name").as_string();
  };
  CHECK(grade_of(1, 0) == "VIP");
  CHECK(grade_of(9, 13) == "A");
  CHECK(f.http.Get("/api/concerts/999999/layout").status == 404);
  // Seat ids and grades per section, in runs: what the page needs to count free seats per grade.
  int64_t next_id = 0;
  for (const json::value& s : sections) {
    CHECK(Int(s, "firstSeat") == next_id);
    int64_t run_total = 0;
    for (const json::value& run : s.at("gradeRuns").as_array())
      run_total += run.as_array()[1].to_number<int64_t>();
    CHECK(run_total == Int(s, "seats"));
    next_id += Int(s, "seats");
  }
  // One section's seats with their places on the plan, when the page opens it.
  const std::string base = "/api/concerts/" + std::to_string(demo) + "/layout?section=";
  auto tier = f.http.Get(base + "10");
  REQUIRE(tier.status == 200);
  const json::value t = tier.Json();
  CHECK(Str(t, "name") == "10");
  CHECK(Int(t, "firstSeat") == Int(sections[13], "firstSeat"));
  const json::array& rows = t.at("rows").as_array();
  REQUIRE(rows.size() == 14);
  const json::array& first = rows[0].at("seats").as_array()[0].as_array();
  REQUIRE(first.size() == 5);  // [id, number, grade, x, y]
  CHECK(first[0].to_number<int64_t>() == Int(t, "firstSeat"));
  CHECK(first[1].to_number<int64_t>() == 1);
  auto unknown = f.http.Get(base + "Z9");
  CHECK(unknown.status == 404);
  CHECK(Str(unknown.Json(), "code") == "UNKNOWN_SECTION");
  CHECK(Str(f.http.Get("/api/concerts/999999/layout?section=A").Json(), "code") == "UNKNOWN_CONCERT");
  CHECK(f.http.Get(base + "%ZZ").status == 422);
}

TEST_CASE("an admin gives a venue its plan: the stage and a section's outline are served in the "
          "layout; a bad outline is refused by name") {
  ApiFixture f;
  const std::string seats = "[{\"label\":\"1\",\"seats\":[{\"number\":1,\"grade\":\"R\","
                            "\"x\":0,\"y\":30},{\"number\":2,\"grade\":\"R\",\"x\":10,\"y\":30}]}]";
  auto venue = [&](const std::string& outline, const std::string& stage) {
    return f.http.Post("/api/admin/venues",
                       "{\"name\":\"Plan hall\",\"grades\":[\"R\"],\"sections\":["
                       "{\"name\":\"Left\",\"rows\":" + seats + outline + "},"
                       "{\"name\":\"Right\",\"rows\":" + seats + "}]" + stage + "}",
                       f.admin);
  };
  auto bad = venue(",\"outline\":[[0,0],[5,5]]", "");
  CHECK(bad.status == 422);
  CHECK(Str(bad.Json(), "field") == "sections[0].outline");
  bad = venue("", ",\"stage\":[[0,0],[5,5],[9,\"x\"]]");
  CHECK(bad.status == 422);
  CHECK(Str(bad.Json(), "field") == "stage[2]");
  bad = venue("", ",\"stage\":[[0,0],[5,5],[9,2000000]]");
  CHECK(bad.status == 422);
  auto made = venue(",\"outline\":[[-5,20],[15,20],[15,40],[-5,40]]",
                    ",\"stage\":[[-30,-10],[30,-10],[0,12]]");
  REQUIRE(made.status == 201);
  const int64_t now = NowMs();
  const json::object spec{{"venueId", Int(made.Json(), "id")}, {"title", "Plan"},
                          {"startsAt", now + 86'400'000}, {"salesOpenAt", now},
                          {"salesCloseAt", now + 3'600'000}, {"prices", json::object{{"R", 1000}}}};
  auto c = f.http.Post("/api/admin/concerts", json::serialize(spec), f.admin);
  REQUIRE(c.status == 201);
  const std::string concert = std::to_string(Int(c.Json(), "id"));
  const json::value l = f.http.Get("/api/concerts/" + concert + "/layout").Json();
  CHECK(json::serialize(l.at("stage").at("outline")) == "[[-30,-10],[30,-10],[0,12]]");
  const json::array& sections = l.at("sections").as_array();
  CHECK(json::serialize(sections[0].at("outline")) == "[[-5,20],[15,20],[15,40],[-5,40]]");
  CHECK(json::serialize(sections[1].at("outline")) == "[[0,30],[10,30]]");  // the seats' hull
  CHECK(Int(l.at("bounds"), "minX") == -30);
  CHECK(Int(l.at("bounds"), "maxY") == 40);
}
