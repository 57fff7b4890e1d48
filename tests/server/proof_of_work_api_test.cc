// The proof-of-work gate over real TCP: a hold (no waiting room) or a queue join (with one)
// needs a solved ALTCHA challenge; unsolved, reused, forged, misdirected and pre-restart
// solutions get their own answers; an idempotent retry passes; the difficulty rises with the
// arrival rate.
#include <doctest/doctest.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "auth/pow_challenge.h"
#include "tests/server/api_fixture.h"
#include "tests/support/base64_text.h"

using namespace cm::test;

namespace {

json::object Gate(int difficulty, int rise_per_second = 0, int max_difficulty = 0) {
  json::object pow{{"difficulty", difficulty}, {"cost", 20}};
  if (rise_per_second > 0) pow["risePerSecond"] = rise_per_second;
  if (max_difficulty > 0) pow["maxDifficulty"] = max_difficulty;
  return pow;
}

uint64_t GatedConcert(ApiFixture& f, json::object pow, bool room = false) {
  ConcertOptions o;
  o.extra = json::object{{"proofOfWork", std::move(pow)}};
  if (room) o.waiting_room = json::object{{"maxActive", 10}, {"admitPerSecond", 10}};
  return f.CreateConcert(o);
}

std::string ChallengePath(uint64_t concert) {
  return "/api/v1/concerts/" + std::to_string(concert) + "/pow-challenge";
}

// A challenge for `token` at `concert`, solved as a bot would.
std::string Solved(ApiFixture& f, uint64_t concert, const std::string& token) {
  auto challenge = f.http.Get(ChallengePath(concert), token);
  REQUIRE(challenge.status == 200);
  CHECK(challenge.Header("cache-control") == "no-store");
  const std::string payload = cm::auth::SolvePowChallenge(challenge.body);
  REQUIRE_FALSE(payload.empty());
  return payload;
}

std::string Code(const HttpResult& r) { return Str(r.Json(), "code"); }


}  // namespace

TEST_CASE("a concert without a waiting room asks a proof of work of each hold") {
  ApiFixture f;
  const uint64_t concert = GatedConcert(f, Gate(40));
  const uint64_t other = GatedConcert(f, Gate(40));
  const uint64_t open = f.CreateConcert();
  const std::string a = SignupAndLogin(f.port(), "a@x.io"), b = SignupAndLogin(f.port(), "b@x.io");
  const std::string c = SignupAndLogin(f.port(), "c@x.io");
  const std::string holds = "/api/v1/concerts/" + std::to_string(concert) + "/reservations";

  auto view = f.http.Get("/api/concerts/" + std::to_string(concert)).Json();
  CHECK(Str(view.at("proofOfWork"), "askedAt") == "HOLD");
  CHECK(Str(view.at("proofOfWork"), "challenge") == ChallengePath(concert));
  CHECK(Int(view.at("proofOfWork"), "difficulty") == 40);
  CHECK(f.http.Get("/api/concerts/" + std::to_string(open)).Json().at("proofOfWork").is_null());
  auto not_needed = f.http.Get(ChallengePath(open), a);
  CHECK(not_needed.status == 409);
  CHECK(Code(not_needed) == "POW_NOT_REQUIRED");
  CHECK(f.http.Get(ChallengePath(concert)).status == 401);
  CHECK(f.http.Get(ChallengePath(999), a).status == 404);

  auto bare = f.http.Post(holds, R"({"seatIds":[0]})", a);
  CHECK(bare.status == 403);
  CHECK(Code(bare) == "POW_REQUIRED");
  CHECK(Str(bare.Json(), "challenge") == ChallengePath(concert));

  const std::string solved = Solved(f, concert, a);
  auto held = f.http.Post(holds, R"({"seatIds":[0]})", a, {{"Altcha", solved}});
  CHECK(held.status == 201);
  auto again = f.http.Post(holds, R"({"seatIds":[1]})", a, {{"Altcha", solved}});
  CHECK(again.status == 403);
  CHECK(Code(again) == "POW_REUSED");

  // Someone else's solution, another concert's, and a changed or unsolved one.
  auto stolen = f.http.Post(holds, R"({"seatIds":[2]})", b, {{"Altcha", Solved(f, concert, a)}});
  CHECK(Code(stolen) == "POW_WRONG_USER");
  auto elsewhere =
      f.http.Post(holds, R"({"seatIds":[2]})", b, {{"Altcha", Solved(f, other, b)}});
  CHECK(Code(elsewhere) == "POW_WRONG_CONCERT");
  std::string json = Unb64(Solved(f, concert, b));
  json.replace(json.find("\"cost\":20"), 9, "\"cost\":1");
  auto cheaper = f.http.Post(holds, R"({"seatIds":[2]})", b, {{"Altcha", B64(json)}});
  CHECK(Code(cheaper) == "POW_FORGED");
  const std::string right = Solved(f, concert, b);
  json = Unb64(right);
  const auto at = json.find("\"counter\":") + 10;
  json.replace(at, json.find_first_of(",}", at) - at, json.compare(at, 2, "0,") == 0 ? "1" : "0");
  auto unsolved = f.http.Post(holds, R"({"seatIds":[2]})", b, {{"Altcha", B64(json)}});
  CHECK(Code(unsolved) == "POW_UNSOLVED");
  // A wrong answer burns its challenge: the right one after it is refused, with no derivation.
  CHECK(Code(f.http.Post(holds, R"({"seatIds":[2]})", b, {{"Altcha", right}})) == "POW_REUSED");
  // A request the gateway answers itself (a taken seat) spends nothing.
  const std::string kept = Solved(f, concert, b);
  CHECK(f.http.Post(holds, R"({"seatIds":[0]})", b, {{"Altcha", kept}}).status == 409);
  CHECK(f.http.Post(holds, R"({"seatIds":[8]})", b, {{"Altcha", kept}}).status == 201);
  auto garbage = f.http.Post(holds, R"({"seatIds":[9]})", c, {{"Altcha", "solved, honest"}});
  CHECK(garbage.status == 403);
  CHECK(Code(garbage) == "POW_MALFORMED");

  // A retry of the same request (same Idempotency-Key) may bring the same solution again.
  const std::string retried = Solved(f, concert, c);
  auto first = f.http.Post(holds, R"({"seatIds":[3]})", c,
                           {{"Altcha", retried}, {"Idempotency-Key", "hold-3"}});
  CHECK(first.status == 201);
  auto retry = f.http.Post(holds, R"({"seatIds":[3]})", c,
                           {{"Altcha", retried}, {"Idempotency-Key", "hold-3"}});
  CHECK(retry.status == 201);
  CHECK(Int(retry.Json(), "id") == Int(first.Json(), "id"));
  auto other_key = f.http.Post(holds, R"({"seatIds":[4]})", c,
                               {{"Altcha", retried}, {"Idempotency-Key", "hold-4"}});
  CHECK(Code(other_key) == "POW_REUSED");

  // The box office sells without one.
  CHECK(f.http.Post(holds, R"({"seatIds":[5]})", f.admin).status == 201);

  // A solution issued before a restart is refused after it: the secret was drawn again, and
  // the record of what was spent went with the old one.
  const std::string before = Solved(f, concert, a);
  f.Restart(/*crash=*/false);
  auto after = f.http.Post(holds, R"({"seatIds":[6]})", a, {{"Altcha", before}});
  CHECK(Code(after) == "POW_FORGED");
  CHECK(f.http.Post(holds, R"({"seatIds":[6]})", a, {{"Altcha", Solved(f, concert, a)}}).status ==
        201);
  auto metrics = f.http.Get("/metrics");
  CHECK(metrics.body.find("\ncm_pow_passed_total 1\n") != std::string::npos);
}

TEST_CASE("with a waiting room the join needs the proof, and admission gates the holds") {
  ApiFixture f;
  const uint64_t concert = GatedConcert(f, Gate(30), /*room=*/true);
  const std::string a = SignupAndLogin(f.port(), "a@x.io");
  const std::string queue = "/api/v1/concerts/" + std::to_string(concert) + "/queue";
  CHECK(Str(f.http.Get("/api/concerts/" + std::to_string(concert)).Json().at("proofOfWork"),
            "askedAt") == "JOIN_QUEUE");
  auto bare = f.http.Post(queue, "", a);
  CHECK(bare.status == 403);
  CHECK(Code(bare) == "POW_REQUIRED");
  auto joined = f.http.Post(queue, "", a, {{"Altcha", Solved(f, concert, a)}});
  CHECK(joined.status == 201);
  // Admitted (the room has space), a hold needs no second proof.
  const std::string holds = "/api/v1/concerts/" + std::to_string(concert) + "/reservations";
  HttpResult held;
  for (int i = 0; i < 50; ++i) {
    held = f.http.Post(holds, R"({"seatIds":[0]})", a);
    if (held.status != 403) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(held.status == 201);
}

TEST_CASE("the difficulty rises with the arrival rate, held to the maximum") {
  ApiFixture f;
  const uint64_t concert = GatedConcert(f, Gate(10, /*rise_per_second=*/1, 15));
  const auto users = MakeUsers(f, 12, "p");
  const std::string holds = "/api/v1/concerts/" + std::to_string(concert) + "/reservations";
  CHECK(Int(f.http.Get(ChallengePath(concert), users[0]).Json(), "difficulty") == 10);
  // Ten arrivals within ten seconds: one a second, which adds one difficulty's worth.
  for (int i = 0; i < 10; ++i)
    REQUIRE(f.http.Post(holds, R"({"count":1})", users[i], {{"Altcha", Solved(f, concert, users[i])}})
                .status == 201);
  // 10 x (1 + 1) = 20, held to the maximum.
  CHECK(Int(f.http.Get(ChallengePath(concert), users[10]).Json(), "difficulty") == 15);
}
