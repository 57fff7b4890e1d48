// A waiting room's draw that anyone can check, over TCP against the real server: the commitment
// published before the first join, the proof after the opening, `concertmania queue verify`, an
// independent verifier in Python (tests/queue/verify_queue_proof.py) and the page's own checker
// (web/app/draw_check.js, run in Node) agreeing on the order and all refusing tampered proofs,
// the same proof after a restart's replay, and each fan finding their own entry with the key
// published once the sale is over.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "tests/server/api_fixture.h"
#include "tests/support/temp_dir.h"

using namespace cm::test;

namespace {

struct ToolRun {
  int exit = -1;
  std::string out;
};

// Runs a command line (stderr dropped), its stdout and exit code.
ToolRun RunTool(const std::string& command) {
  ToolRun run;
  FILE* p = popen((command + " 2>/dev/null").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) run.out.append(buf, n);
  const int status = pclose(p);
  run.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

ToolRun Ours(const std::string& file, const std::string& args = "--print-order") {
  return RunTool(std::string(CM_SERVER_BINARY) + " queue verify " + file + " " + args);
}

ToolRun Python(const std::string& file, const std::string& args = "--print-order") {
  return RunTool("python3 " CM_SOURCE_DIR "/tests/queue/verify_queue_proof.py " + file + " " +
                 args);
}

// The page's checker: its result as JSON, and its exit code.
ToolRun Page(const std::string& file, const std::string& args = "") {
  return RunTool("node " CM_SOURCE_DIR "/tests/web/draw_check_node.js " + file + " " + args);
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string OrderLines(const json::value& proof) {
  std::string lines;
  for (const auto& e : proof.at("order").as_array()) lines += std::string(e.as_string()) + "\n";
  return lines;
}

}  // namespace

TEST_CASE("the opening draw: committed before the joins, proved after, checked by two verifiers") {
  ApiFixture f;
  ConcertOptions o;
  o.sales_open_in_ms = 3'000;  // the room opens in 3 s; joins before land in the pre-queue
  o.waiting_room = json::object{{"maxActive", 3}, {"preQueueSeconds", 600}};
  const int64_t closes_at = NowMs() + 20'000;  // then the key is published
  o.extra = json::object{{"salesCloseAt", closes_at}};
  const uint64_t concert = f.CreateConcert(o);
  const std::string id = std::to_string(concert);
  const std::string proof_path = "/api/concerts/" + id + "/queue/proof";

  // Published at creation: the commitment and when, nothing else.
  const auto before = f.http.Get("/api/concerts/" + id).Json();
  const auto& draws = before.at("queueDraws").as_array();
  REQUIRE(draws.size() == 1);
  const std::string commitment = Str(draws[0], "commitment");
  CHECK(commitment.size() == 64);
  CHECK(Str(draws[0], "keyCommitment").size() == 64);
  CHECK_FALSE(draws[0].at("opened").as_bool());
  CHECK_FALSE(draws[0].as_object().contains("seed"));
  CHECK(draws[0].at("pseudonymKey").is_null());
  CHECK(draws[0].at("proof").is_null());

  auto early = f.http.Get(proof_path);
  CHECK(early.status == 409);
  CHECK(Str(early.Json(), "code") == "QUEUE_PROOF_NOT_READY");
  auto no_draw = f.http.Get(proof_path + "?phase=3");
  CHECK(no_draw.status == 404);
  CHECK(Str(no_draw.Json(), "code") == "NO_QUEUE_DRAW");
  CHECK(f.http.Get("/api/concerts/999/queue/proof").status == 404);
  CHECK(f.http.Get(proof_path + "?phase=x").status == 422);

  constexpr int kFans = 12;
  const auto tokens = MakeUsers(f, kFans, "draw");
  std::vector<std::string> entries;
  std::vector<int64_t> ids;
  for (const std::string& t : tokens) {
    auto joined = f.http.Post("/api/v1/concerts/" + id + "/queue", "", t);
    REQUIRE(joined.status == 201);
    CHECK(joined.Json().at("preQueued").as_bool());
    entries.push_back(Str(joined.Json(), "drawEntry"));
    ids.push_back(Int(f.http.Get("/api/users/me", t).Json(), "id"));
  }

  // The room opens and draws its pool; then the proof is there.
  HttpResult proof;
  for (int i = 0; i < 100 && proof.status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    proof = f.http.Get(proof_path);
  }
  REQUIRE(proof.status == 200);
  const json::value p = proof.Json();
  CHECK(Str(p, "format") == "concertmania-queue-proof/1");
  CHECK(Str(p, "commitment") == commitment);
  CHECK(Str(p, "keyCommitment") == Str(draws[0], "keyCommitment"));
  CHECK(p.at("pseudonymKey").is_null());  // the sale is on
  std::vector<std::string> listed;
  for (const auto& e : p.at("entries").as_array()) listed.emplace_back(e.as_string());
  CHECK(listed == entries);  // join order, each fan's own entry as the queue told them
  const auto after = f.http.Get("/api/concerts/" + id).Json().at("queueDraws").as_array();
  CHECK(Str(after[0], "seed") == Str(p, "seed"));
  CHECK(Str(after[0], "proof") == proof_path + "?phase=0");
  // The line is the proof's order: the first three admitted, the next waiting first.
  for (int k = 0; k < kFans; ++k) {
    const auto me = f.http.Get("/api/v1/concerts/" + id + "/queue/me", tokens[k]).Json();
    const auto& order = p.at("order").as_array();
    const auto place =
        std::find(order.begin(), order.end(), json::value(entries[k])) - order.begin();
    if (place < 3) CHECK(Str(me, "status") == "ADMITTED");
    else CHECK(me.at("position").to_number<int64_t>() == place - 2);
  }

  // Compressed for clients that accept it, the same proof.
  // (A proof bigger than --queue-proof-inline-entries is built off the request threads: see
  // the test below.)
  auto gz = f.http.Request("GET", proof_path, "", {{"Accept-Encoding", "gzip"}});
  CHECK(gz.status == 200);
  CHECK(gz.Header("content-encoding") == "gzip");
  CHECK(gz.body.size() < proof.body.size());
  CHECK(proof.Header("content-encoding").empty());

  // Both verifiers: the same order as the proof's, from nothing but the proof.
  TempDir dir;
  const std::string file = dir.path() + "/proof.json";
  Write(file, proof.body);
  const ToolRun ours = Ours(file), python = Python(file);
  CHECK(ours.exit == 0);
  CHECK(python.exit == 0);
  CHECK(ours.out == OrderLines(p));
  CHECK(python.out == ours.out);
  const ToolRun page = Page(file, entries[0]);
  CHECK(page.exit == 0);
  const json::value page_result = json::parse(page.out);
  CHECK(page_result.at("entries").to_number<int64_t>() == kFans);
  const auto& order0 = p.at("order").as_array();
  CHECK(page_result.at("position").to_number<int64_t>() ==
        std::find(order0.begin(), order0.end(), json::value(entries[0])) - order0.begin() + 1);

  // Tampered: two places of the order swapped, an entry swapped for another, another seed.
  auto tampered = [&](auto change) {
    json::value t = p;
    change(t.as_object());
    const std::string path = dir.path() + "/tampered.json";
    Write(path, json::serialize(t));
    CHECK(Page(path).exit == 1);
    return std::make_pair(Ours(path, "").exit, Python(path, "").exit);
  };
  CHECK(tampered([](json::object& t) {
          auto& order = t["order"].as_array();
          std::swap(order[0], order[5]);
        }) == std::make_pair(1, 1));
  CHECK(tampered([](json::object& t) {
          t["entries"].as_array()[4] = "00112233445566778899aabbccddeeff";
        }) == std::make_pair(1, 1));
  CHECK(tampered([](json::object& t) {
          std::string seed(t["seed"].as_string());
          seed[63] = seed[63] == '0' ? '1' : '0';
          t["seed"] = seed;
        }) == std::make_pair(1, 1));
  CHECK(tampered([](json::object& t) { t["concertId"] = 999; }) == std::make_pair(1, 1));
  CHECK(tampered([](json::object& t) { t["phase"] = 1; }) == std::make_pair(1, 1));

  // A restart replays the journal: the same proof, byte for byte.
  f.Restart(/*crash=*/true);
  auto replayed = f.http.Get(proof_path);
  REQUIRE(replayed.status == 200);
  CHECK(replayed.body == proof.body);

  // Sales closed by an admin may open again: the key stays secret.
  REQUIRE(f.http.Post("/api/admin/concerts/" + id + "/close", "", f.admin).status == 200);
  CHECK(f.http.Get(proof_path).Json().at("pseudonymKey").is_null());
  // The sale's close passes: the key is published, and each fan finds their own entry with it.
  HttpResult closed;
  while (NowMs() < closes_at + 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  closed = f.http.Get(proof_path);
  REQUIRE(closed.status == 200);
  CHECK_FALSE(closed.Json().at("pseudonymKey").is_null());
  Write(file, closed.body);
  for (int k : {0, 7}) {
    const std::string user = "--user " + std::to_string(ids[k]);
    const ToolRun mine = Ours(file, user), theirs = Python(file, user);
    CHECK(mine.exit == 0);
    CHECK(mine.out.find("entry " + entries[k] + ", drawn ") != std::string::npos);
    CHECK(theirs.out == mine.out);
    const ToolRun page_run = Page(file, entries[k] + " " + std::to_string(ids[k]));
    CHECK(page_run.exit == 0);
    CHECK(json::parse(page_run.out).at("owned").as_bool());
    CHECK_FALSE(json::parse(Page(file, entries[k] + " " + std::to_string(ids[k] + 1)).out)
                    .at("owned").as_bool());
  }
  // An account that never joined has no entry.
  CHECK(Ours(file, "--user 999999").exit == 1);
  CHECK(Python(file, "--user 999999").exit == 1);
  // A key that is not the one committed to is refused.
  const json::value revealed = closed.Json();
  {
    json::value t = revealed;
    std::string key(t.at("pseudonymKey").as_string());
    key[0] = key[0] == '0' ? '1' : '0';
    t.as_object()["pseudonymKey"] = key;
    Write(file, json::serialize(t));
    CHECK(Ours(file, "").exit == 1);
    CHECK(Python(file, "").exit == 1);
    CHECK(Page(file).exit == 1);
  }
}

TEST_CASE("a big proof is built off the request threads: 503 with Retry-After, then the proof") {
  ApiFixture f({"--queue-proof-inline-entries", "2"});
  ConcertOptions o;
  o.sales_open_in_ms = 2'000;
  o.waiting_room = json::object{{"maxActive", 3}, {"preQueueSeconds", 600}};
  const uint64_t concert = f.CreateConcert(o);
  const std::string proof_path = "/api/concerts/" + std::to_string(concert) + "/queue/proof";
  for (const std::string& t : MakeUsers(f, 5, "big"))
    REQUIRE(f.http.Post("/api/v1/concerts/" + std::to_string(concert) + "/queue", "", t).status ==
            201);
  HttpResult first;
  for (int i = 0; i < 100 && first.status != 503 && first.status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    first = f.http.Get(proof_path);
    if (first.status == 409) first.status = 0;  // not opened yet
  }
  REQUIRE(first.status == 503);  // 5 entries, over the threshold of 2: built in the background
  CHECK(Str(first.Json(), "code") == "QUEUE_PROOF_BUILDING");
  CHECK_FALSE(first.Header("retry-after").empty());
  HttpResult later;
  for (int i = 0; i < 50 && later.status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    later = f.http.Get(proof_path);
  }
  REQUIRE(later.status == 200);
  CHECK(later.Json().at("entries").as_array().size() == 5);
}
