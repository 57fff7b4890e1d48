// Sale phases over real TCP: a members-only presale and a general sale. The concert shows its
// phases and the next opening; a non-member is refused; members by email or by a claimed code
// buy; codes are one account's and guessing them backs off; the presale's seats count in the
// general sale; the sale moves on by itself and survives a crash.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "tests/server/api_fixture.h"

using namespace cm::test;

namespace {

std::string Code(const HttpResult& r) { return Str(r.Json(), "code"); }

HttpResult Put(ApiFixture& f, const std::string& target, const std::string& body,
               const std::string& token) {
  return f.http.Request("PUT", target, body,
                        {{"Authorization", "Bearer " + token},
                         {"Content-Type", "application/json"}});
}

}  // namespace

TEST_CASE("a members-only presale, then the general sale") {
  ApiFixture f;
  const int64_t now = NowMs();
  const int64_t general_opens = now + 6'000;
  ConcertOptions o;
  o.extra = json::object{
      {"salePhases",
       json::array{json::object{{"name", "팬클럽 선예매"},
                                {"opensAt", now - 60'000},
                                {"closesAt", general_opens},
                                {"maxSeatsPerUser", 2},
                                {"membersOnly", true}},
                   json::object{{"name", "일반예매"},
                                {"opensAt", general_opens},
                                {"closesAt", now + 3'600'000},
                                {"maxSeatsPerUser", 4}}}}};
  const uint64_t concert = f.CreateConcert(o);
  const std::string id = std::to_string(concert);
  const std::string holds = "/api/v1/concerts/" + id + "/reservations";
  const std::string membership = "/api/v1/concerts/" + id + "/membership";
  const std::string members = "/api/admin/concerts/" + id + "/members";
  const std::string fan = SignupAndLogin(f.port(), "fan@x.io");
  const std::string coder = SignupAndLogin(f.port(), "coder@x.io");
  const std::string other = SignupAndLogin(f.port(), "other@x.io");

  auto view = f.http.Get("/api/concerts/" + id).Json();
  CHECK(view.at("salePhases").as_array().size() == 2);
  CHECK(Str(view.at("salePhases").as_array()[0].as_object(), "name") == "팬클럽 선예매");
  CHECK(Int(view, "currentPhase") == 0);
  CHECK(view.at("membersOnly").as_bool());
  CHECK(Int(view, "maxSeatsPerUser") == 2);
  CHECK(Str(view, "status") == "ON_SALE");
  CHECK(!view.at("nextPhaseOpensAt").is_null());

  // The list: admins only, checked field by field, kept as keyed hashes.
  CHECK(Put(f, members, R"({"codes":["FC-0001"]})", fan).status == 403);
  CHECK(Put(f, "/api/admin/concerts/999/members", R"({"codes":["A"]})", f.admin).status == 404);
  auto bad = Put(f, members, R"({"emails":["not-an-email"]})", f.admin);
  CHECK(bad.status == 422);
  CHECK(Str(bad.Json(), "field") == "emails[0]");
  CHECK(Put(f, members, R"({})", f.admin).status == 422);
  auto listed = Put(f, members, R"({"emails":["FAN@x.io"],"codes":["FC-0001","fc0001"]})", f.admin);
  REQUIRE(listed.status == 200);
  CHECK(Int(listed.Json(), "members") == 2);  // the code twice is one code

  auto refused = f.http.Post(holds, R"({"seatIds":[0]})", other);
  CHECK(refused.status == 403);
  CHECK(Code(refused) == "NOT_A_MEMBER");
  auto fan_is = f.http.Get(membership, fan);
  CHECK(fan_is.Json().at("member").as_bool());
  CHECK(Str(fan_is.Json(), "via") == "EMAIL");
  CHECK(f.http.Post(holds, R"({"seatIds":[0,1]})", fan).status == 201);
  auto over = f.http.Post(holds, R"({"seatIds":[2]})", fan);
  CHECK(over.status == 409);
  CHECK(Code(over) == "SEAT_LIMIT_EXCEEDED");

  CHECK_FALSE(f.http.Get(membership, coder).Json().at("member").as_bool());
  auto unknown = f.http.Post(membership, R"({"code":"XX-1"})", coder);
  CHECK(unknown.status == 404);
  CHECK(Code(unknown) == "UNKNOWN_MEMBER_CODE");
  auto claimed = f.http.Post(membership, R"({"code":" fc-0001 "})", coder);
  CHECK(claimed.status == 201);
  CHECK(Str(claimed.Json(), "via") == "CODE");
  CHECK(f.http.Post(holds, R"({"seatIds":[3]})", coder).status == 201);
  auto taken = f.http.Post(membership, R"({"code":"FC0001"})", other);
  CHECK(taken.status == 409);
  CHECK(Code(taken) == "MEMBER_CODE_TAKEN");
  CHECK(f.http.Post(membership, R"({"code":"FC0001"})", coder).status == 200);
  CHECK(f.http.Post(membership, R"({"code":" - "})", other).status == 422);
  // Guessing: a few tries at once, then the account waits.
  int limited = 0;
  for (int i = 0; i < 6; ++i) {
    auto guess = f.http.Post(membership, "{\"code\":\"G" + std::to_string(i) + "\"}", other);
    if (guess.status == 429) {
      ++limited;
      CHECK(Code(guess) == "MEMBER_CODE_RATE_LIMITED");
      CHECK_FALSE(guess.Header("retry-after").empty());
    }
  }
  CHECK(limited > 0);

  // The general sale opens by itself; the fan's 2 presale seats count in its limit of 4.
  int64_t phase = 0;
  for (int i = 0; i < 100 && phase != 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto r = f.http.Get("/api/concerts/" + id).Json();
    if (!r.at("currentPhase").is_null()) phase = Int(r, "currentPhase");
  }
  REQUIRE(phase == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(
      std::max<int64_t>(0, general_opens - NowMs() + 50)));
  CHECK(f.http.Post(holds, R"({"seatIds":[10]})", other).status == 201);
  auto three = f.http.Post(holds, R"({"seatIds":[11,12,13]})", fan);
  CHECK(three.status == 409);
  CHECK(Int(three.Json(), "remaining") == 2);
  CHECK(f.http.Post(holds, R"({"seatIds":[11,12]})", fan).status == 201);
  view = f.http.Get("/api/concerts/" + id).Json();
  CHECK_FALSE(view.at("membersOnly").as_bool());
  CHECK(view.at("nextPhaseOpensAt").is_null());
  CHECK(Int(view, "maxSeatsPerUser") == 4);

  // A crash keeps the phase, the list and the claim.
  f.Restart(true);
  view = f.http.Get("/api/concerts/" + id).Json();
  CHECK(Int(view, "currentPhase") == 1);
  CHECK(Str(f.http.Get(membership, coder).Json(), "via") == "CODE");
}

TEST_CASE("phases that cannot be are refused with the field that is wrong") {
  ApiFixture f;
  const int64_t now = NowMs();
  ConcertOptions o;
  o.extra = json::object{
      {"salePhases", json::array{json::object{{"name", "A"},
                                              {"opensAt", now},
                                              {"closesAt", now + 60'000}},
                                 json::object{{"name", "B"},
                                              {"opensAt", now + 30'000},
                                              {"closesAt", now + 120'000}}}}};
  try {
    f.CreateConcert(o);
    FAIL("overlapping phases were accepted");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("opens before the phase before it closes") !=
          std::string::npos);
  }
  o.extra = json::object{{"salePhases", json::array{json::object{{"name", ""}}}}};
  try {
    f.CreateConcert(o);
    FAIL("a phase without a name was accepted");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("salePhases[0].name") != std::string::npos);
  }
  // A concert without a members-only phase keeps no list.
  const uint64_t plain = f.CreateConcert();
  auto none = Put(f, "/api/admin/concerts/" + std::to_string(plain) + "/members",
                  R"({"codes":["A"]})", f.admin);
  CHECK(none.status == 409);
  CHECK(Code(none) == "NO_MEMBERS_ONLY_PHASE");
}
