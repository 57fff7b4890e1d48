// The journal replicated to Kafka (`serve --replicate-to-kafka`), against librdkafka's mock
// cluster with three brokers and a topic of replication factor 3, over real TCP. Every batch
// of the local journal is one record of the topic, byte for byte; a broker lost mid-load (its
// partition led by another) loses nothing and stops nothing; with every broker down, new
// writes get 503 REPLICATION_UNAVAILABLE while reads go on, the write already waiting is
// answered once the brokers return, and nothing acknowledged is missing from Kafka.
#include <doctest/doctest.h>
#include <librdkafka/rdkafka.h>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "engine/codec/event_codec.h"
#include "journal/journal_store.h"
#include "journal/recovery.h"
#include "replication/kafka_journal_replicator.h"
#include "tests/server/api_fixture.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/journal_topic_reader.h"
#include "tests/support/metrics_named.h"
#include "tests/support/mock_kafka.h"
#include "tests/support/shell.h"
#include "tests/support/ws_client.h"

using namespace cm::test;
using Clock = std::chrono::steady_clock;

namespace {

const char* const kTopic = "concertmania.journal.main";

// Three brokers and the journal's topic, replication factor 3, led by broker 1.
struct ThreeBrokers : MockKafka {
  ThreeBrokers() : MockKafka(3) {
    CreateTopic(kTopic, 1, 3);
    SetLeader(kTopic, 0, 1);
  }
};

// The server's local journal, batch by batch (after it stopped).
std::vector<TopicRecord> ReadJournal(const std::string& data_dir) {
  auto store = cm::journal::OpenRocksJournal(cm::journal::JournalDir(data_dir),
                                             cm::journal::Durability::kSync);
  REQUIRE(store.ok());
  std::vector<TopicRecord> out;
  REQUIRE(store.value()
              ->Scan(1,
                     [&](uint64_t first, std::string_view records) {
                       uint64_t last = first;
                       cm::engine::Event e;
                       for (std::string_view in = records; !in.empty(); last = e.seq)
                         REQUIRE(cm::engine::DecodeEvent(&in, &e).ok());
                       out.push_back({first, last, std::string(records)});
                       return true;
                     })
              .ok());
  return out;
}

// Stops the server and checks that Kafka holds its whole journal, batch for batch.
void CheckKafkaHoldsTheJournal(ApiFixture& f, const std::string& brokers) {
  REQUIRE(f.server->Terminate() == 0);
  const std::vector<TopicRecord> journal = ReadJournal(f.data_dir());
  REQUIRE_FALSE(journal.empty());
  const uint64_t last = journal.back().last;
  const auto through_last = [last](const std::vector<TopicRecord>& read) {
    return !read.empty() && read.back().last >= last;
  };
  const std::vector<TopicRecord> topic =
      ReadJournalTopic(brokers, kTopic, through_last, std::chrono::seconds(30));
  REQUIRE(topic.size() == journal.size());
  for (std::size_t i = 0; i < journal.size(); ++i) {
    CAPTURE(i);
    CHECK(topic[i].first == journal[i].first);
    CHECK(topic[i].last == journal[i].last);
    CHECK(topic[i].value == journal[i].value);
  }
  CHECK(journal.front().first == 1);
}

struct ReplicatedWorld {
  ThreeBrokers kafka;
  ApiFixture app{{"--replicate-to-kafka", kafka.bootstraps(), "--replication-stall-ms", "300"}};
};

cm::test::HttpResult Hold(HttpClient& http, uint64_t concert, int seat, const std::string& token) {
  return http.Post("/api/v1/concerts/" + std::to_string(concert) + "/reservations",
                   "{\"seatIds\":[" + std::to_string(seat) + "]}", token);
}

}  // namespace

TEST_CASE("every journal batch is a record of the topic, byte for byte") {
  ThreeBrokers kafka;
  std::vector<std::string> flags = {"--replicate-to-kafka", kafka.bootstraps()};
  bool transactional = true;
  SUBCASE("in Kafka transactions (the default)") {}
  SUBCASE("without") {
    flags.push_back("--no-kafka-transactions");
    transactional = false;
  }
  ApiFixture f(flags);
  ConcertOptions co;
  co.rows = 10;
  const uint64_t concert = f.CreateConcert(co);
  const auto users = MakeUsers(f, 30, "rep");
  for (int i = 0; i < 30; ++i) REQUIRE(Hold(f.http, concert, i, users[i]).status == 201);
  CHECK(Hold(f.http, concert, 0, users[1]).status == 409);  // a rejection is journaled too
  auto metrics = f.http.Get("/metrics");
  CHECK(metrics.body.find("cm_replication_available 1") != std::string::npos);
  CHECK(metrics.body.find("cm_replication_wait_seconds_count") != std::string::npos);
  // Transactions: several batches may share one, and each committed.
  const auto at = metrics.body.find("\ncm_replication_transactions_total ");
  CHECK((at != std::string::npos) == transactional);
  if (at != std::string::npos) CHECK(metrics.body[at + 35] != '0');
  // Every replication metric the alerts and the dashboard name is exported (those of
  // transactions only with them).
  if (transactional)
    for (const std::string& missing : MissingFamilies(metrics.body, "cm_replication_"))
      FAIL_CHECK(missing);
  CheckKafkaHoldsTheJournal(f, kafka.bootstraps());
}

TEST_CASE("a leader opening finds the newest term, past a fenced-off leader's stray batches") {
  MockKafka kafka(3);
  kafka.CreateTopic("concertmania.journal.strays", 1, 3);
  cm::replication::KafkaReplicationOptions o;
  o.brokers = kafka.bootstraps();
  o.cluster = "strays";
  std::string why;
  {  // the leader of term 2 wrote up to seq 30
    auto leader = cm::replication::KafkaJournalReplicator::Open(o);
    REQUIRE(leader.ok());
    leader.value()->Send(1, 20, 1, "term 1's batch");
    leader.value()->Send(21, 30, 2, "term 2's batch");
    REQUIRE_MESSAGE(leader.value()->WaitReplicated(30, &why), why);
  }
  {  // the leader of term 1 wakes (it was paused) and sends what it had in flight
    auto zombie = cm::replication::KafkaJournalReplicator::Open(o);
    REQUIRE(zombie.ok());
    zombie.value()->Send(21, 22, 1, "stray");
    zombie.value()->Send(23, 23, 1, "stray");
  }  // flushed: the strays are the topic's last records
  auto opened = cm::replication::KafkaJournalReplicator::Open(o);
  REQUIRE(opened.ok());
  CHECK(opened.value()->replicated_term() == 2);
  CHECK(opened.value()->replicated_seq() == 30);
}

TEST_CASE_FIXTURE(ReplicatedWorld,
                  "a broker lost mid-load stops nothing; with all down writes get 503 and resume") {
  ApiFixture& f = app;
  ConcertOptions co;
  co.rows = 10;
  const uint64_t concert = f.CreateConcert(co);
  const auto users = MakeUsers(f, 40, "lost");
  int seat = 0;
  for (; seat < 10; ++seat) REQUIRE(Hold(f.http, concert, seat, users[seat]).status == 201);

  // The partition's leader goes down, and another broker leads it, as Kafka would elect.
  kafka.SetDown(1, true);
  kafka.SetLeader(kTopic, 0, 2);
  for (; seat < 20; ++seat) REQUIRE(Hold(f.http, concert, seat, users[seat]).status == 201);

  // Every broker down: the next write waits for them; after the stall limit, writes get 503.
  kafka.SetDown(2, true);
  kafka.SetDown(3, true);
  const int waiting_seat = seat++;
  auto waiting = std::async(std::launch::async, [&] {
    HttpClient http(f.port());
    return Hold(http, concert, waiting_seat, users[waiting_seat]);
  });
  // Writes are refused once a batch (that hold's, or a clock tick's) has waited 300 ms.
  bool refusing = false;
  for (const auto deadline = Clock::now() + std::chrono::seconds(20);
       !refusing && Clock::now() < deadline;) {
    refusing = f.http.Get("/metrics").body.find("cm_replication_available 0") != std::string::npos;
    if (!refusing) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(refusing);
  CHECK(waiting.wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout);
  auto refused = Hold(f.http, concert, seat, users[seat]);
  CHECK(refused.status == 503);
  CHECK(refused.body.find("REPLICATION_UNAVAILABLE") != std::string::npos);
  CHECK(refused.Header("retry-after") == "2");
  CHECK(f.http.Get("/api/concerts/" + std::to_string(concert) + "/seats").status == 200);
  CHECK(f.http.Get("/api/users/me/reservations", users[0]).status == 200);

  // The brokers return: the waiting write is answered, and new ones are taken again.
  kafka.SetDown(1, false);
  kafka.SetDown(2, false);
  kafka.SetDown(3, false);
  REQUIRE(waiting.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  CHECK(waiting.get().status == 201);
  int status = 0;
  for (const auto deadline = Clock::now() + std::chrono::seconds(30);
       status != 201 && Clock::now() < deadline;) {
    status = Hold(f.http, concert, seat, users[seat]).status;
    if (status != 201) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(status == 201);
  CheckKafkaHoldsTheJournal(f, kafka.bootstraps());
}

namespace {

std::string Url(uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); }

// A follower of the journal topic on its own data directory.
std::unique_ptr<ServerProcess> StartFollower(const std::string& data_dir, const std::string& role,
                                             const std::string& brokers,
                                             std::vector<std::string> more = {}) {
  std::vector<std::string> flags = {"--role", role, "--replicate-from-kafka", brokers};
  flags.insert(flags.end(), more.begin(), more.end());
  return std::make_unique<ServerProcess>(data_dir, flags);
}

uint64_t SeqOf(const HttpResult& r) {
  uint64_t seq = 0;
  const std::string text = r.Header("cm-seq");
  std::from_chars(text.data(), text.data() + text.size(), seq);
  return seq;
}

// Seat id -> status letter, from a seat map (GET .../seats, or a WebSocket snapshot's).
std::map<int64_t, std::string> SeatStatuses(const json::value& map) {
  std::map<int64_t, std::string> out;
  for (const auto& section : map.at("sections").as_array())
    for (const auto& row : section.at("rows").as_array())
      for (const auto& seat : row.at("seats").as_array())
        out[seat.as_array()[0].to_number<int64_t>()] = std::string(seat.as_array()[4].as_string());
  return out;
}

// Waits (up to 30 s) until the server leads, then holds `seat`: its answer.
HttpResult FirstWrite(HttpClient& http, uint64_t concert, int seat, const std::string& token) {
  for (const auto deadline = Clock::now() + std::chrono::seconds(30); Clock::now() < deadline;) {
    if (http.Get("/metrics").body.find("\ncm_leader 1\n") != std::string::npos)
      return Hold(http, concert, seat, token);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return {};
}

// The last seq and the state hash `replay --verify` reports for a stopped server's data.
// With `until`, up to that seq only.
std::string ReplayVerify(const std::string& data_dir, uint64_t until = 0) {
  const std::string bound = until == 0 ? "" : " --until " + std::to_string(until);
  const ShellResult r =
      RunShell(ReplayBinary() + " --data " + data_dir + bound + " --verify 2>&1");
  INFO("replay --verify " << data_dir << ": " << r.output);
  CHECK(r.exit_code == 0);
  const auto at = r.output.find("last seq: ");
  REQUIRE(at != std::string::npos);
  const auto hash = r.output.find("state hash: ", at);
  REQUIRE(hash != std::string::npos);
  return r.output.substr(at, r.output.find('\n', hash) - at);
}

std::map<std::string, std::string> Headers(const std::string& token, uint64_t min_seq) {
  std::map<std::string, std::string> h{{"CM-Min-Seq", std::to_string(min_seq)}};
  if (!token.empty()) h["Authorization"] = "Bearer " + token;
  return h;
}

// Asks until the follower has applied `seq` (it may be reconnecting to the brokers).
bool Reaches(HttpClient& follower, uint64_t seq) {
  for (const auto deadline = Clock::now() + std::chrono::seconds(30); Clock::now() < deadline;)
    if (follower.Request("GET", "/api/concerts", "", Headers("", seq)).status == 200) return true;
  return false;
}

}  // namespace

TEST_CASE("a replica serves reads from the log; a standby takes over when the leader dies") {
  ThreeBrokers kafka;
  ApiFixture leader({"--replicate-to-kafka", kafka.bootstraps()});
  ConcertOptions co;
  co.rows = 10;
  const uint64_t concert = leader.CreateConcert(co);
  const auto users = MakeUsers(leader, 24, "fo");
  const std::string seats = "/api/concerts/" + std::to_string(concert) + "/seats";

  TempDir follower_dirs;
  auto replica = StartFollower(follower_dirs.path() + "/replica", "replica", kafka.bootstraps(),
                               {"--leader-url", Url(leader.port())});
  auto standby = StartFollower(follower_dirs.path() + "/standby", "standby", kafka.bootstraps());
  HttpClient on_replica(replica->port()), on_standby(standby->port());
  // A live seat map subscriber on the replica.
  WsClient live(replica->port());
  live.Send(json::serialize(json::object{{"type", "subscribe"}, {"concertId", concert}}));
  const json::value snapshot = live.NextOf("snapshot");
  std::map<int64_t, std::string> seen = SeatStatuses(snapshot.at("seatMap"));

  // Holds on the leader; each answer names the seq it reflects.
  std::vector<std::pair<std::string, std::string>> held;  // (reservation path, owner token)
  uint64_t last_seq = 0;
  for (int i = 0; i < 12; ++i) {
    auto r = Hold(leader.http, concert, i, users[i]);
    REQUIRE(r.status == 201);
    CHECK(SeqOf(r) > last_seq);
    last_seq = SeqOf(r);
    held.emplace_back("/api/reservations/" + std::to_string(Int(r.Json(), "id")), users[i]);
  }

  // The subscriber got every change, in order and without a gap, and sees the leader's map.
  int64_t seq = Int(snapshot, "seq");
  while (seq < static_cast<int64_t>(last_seq)) {
    const json::value delta = live.NextOf("delta");
    if (seq == Int(snapshot, "seq")) CHECK(Int(delta, "prevSeq") <= seq);
    else CHECK(Int(delta, "prevSeq") == seq);
    seq = Int(delta, "seq");
    // It says when the leader sent the batch, which was before the replica had it durable.
    REQUIRE(delta.as_object().contains("leaderSentAtUs"));
    CHECK(Int(delta, "leaderSentAtUs") > 0);
    CHECK(Int(delta, "leaderSentAtUs") <= Int(delta, "durableAtUs"));
    for (const auto& change : delta.at("changes").as_array()) {
      const auto& c = change.as_array();
      seen[c[0].to_number<int64_t>()] = std::string(c[1].as_string());
    }
  }
  CHECK(seen == SeatStatuses(leader.http.Get(seats).Json()));
  CHECK(std::count_if(seen.begin(), seen.end(), [](const auto& s) { return s.second == "H"; }) ==
        12);

  // Read your writes on the replica: with CM-Min-Seq it answers only once it has the hold.
  auto mine =
      on_replica.Request("GET", held.back().first, "", Headers(held.back().second, last_seq));
  REQUIRE(mine.status == 200);
  CHECK(SeqOf(mine) >= last_seq);
  CHECK(mine.body == leader.http.Get(held.back().first, held.back().second).body);
  CHECK(on_replica.Request("GET", seats, "", Headers("", last_seq)).body ==
        leader.http.Get(seats).body);
  auto ahead = on_replica.Request("GET", seats, "", Headers("", last_seq + 1'000'000));
  CHECK(ahead.status == 503);
  CHECK(ahead.body.find("SEQ_NOT_REACHED") != std::string::npos);
  CHECK(ahead.Header("retry-after") == "1");
  CHECK(on_replica.Request("GET", seats, "", {{"CM-Min-Seq", "12x"}}).status == 400);

  // Writes: the replica sends them to the leader; the standby knows no leader yet.
  auto redirected = Hold(on_replica, concert, 30, users[20]);
  CHECK(redirected.status == 307);
  CHECK(redirected.Header("location") ==
        Url(leader.port()) + "/api/v1/concerts/" + std::to_string(concert) + "/reservations");
  CHECK(redirected.body.find("NOT_LEADER") != std::string::npos);
  auto refused = Hold(on_standby, concert, 30, users[20]);
  CHECK(refused.status == 503);
  CHECK(refused.body.find("NOT_LEADER") != std::string::npos);
  {
    // A server whose own address is the one the log (or etcd) names as leader, as a leader
    // restarted inside its own lease is: 503 until the next leader is known, never a 307 to
    // itself, which clients that follow redirects would loop on.
    auto itself = StartFollower(follower_dirs.path() + "/itself", "replica", kafka.bootstraps(),
                                {"--advertise-url", Url(leader.port()), "--leader-url",
                                 Url(leader.port())});
    HttpClient on_itself(itself->port());
    REQUIRE(Reaches(on_itself, last_seq));
    auto not_to_itself = Hold(on_itself, concert, 30, users[20]);
    CHECK(not_to_itself.status == 503);
    CHECK(not_to_itself.body.find("NOT_LEADER") != std::string::npos);
    CHECK(not_to_itself.Header("location").empty());
  }
  CHECK(on_replica.Post("/api/users/login",
                        "{\"email\":\"fo1@x.io\",\"password\":\"password-123\"}")
            .status == 307);
  const std::string replica_metrics = on_replica.Get("/metrics").body;
  CHECK(replica_metrics.find("\ncm_leader 0\n") != std::string::npos);
  CHECK(replica_metrics.find("cm_follower_batches_total") != std::string::npos);
  // Every follower metric the alerts and the dashboard name is exported.
  for (const std::string& missing : MissingFamilies(replica_metrics, "cm_follower_"))
    FAIL_CHECK(missing);
  // Sent on before any work, yet counted under their routes.
  CHECK(replica_metrics.find(
            "cm_http_requests_total{route=\"POST /api/v1/concerts/{concertId}/reservations\","
            "status=\"307\"} 1") != std::string::npos);
  CHECK(replica_metrics.find("route=\"unmatched\",status=\"307\"") == std::string::npos);
  CHECK(replica_metrics.find("route=\"GET /api/concerts/{id}/seats\",status=\"503\"") !=
        std::string::npos);
  CHECK(on_replica.Get("/readyz").status == 200);

  // The leader dies mid-sale; the standby is promoted and takes writes.
  for (int i = 12; i < 16; ++i) REQUIRE(Hold(leader.http, concert, i, users[i]).status == 201);
  std::vector<std::string> before;  // what the leader acknowledged, as it showed it
  for (const auto& [path, token] : held) before.push_back(leader.http.Get(path, token).body);
  // Its last hold is in its own journal only: every broker is down when it is written, so it
  // is never acknowledged.
  for (int broker = 1; broker <= 3; ++broker) kafka.SetDown(broker, true);
  auto unanswered = std::async(std::launch::async, [&] {
    HttpClient http(leader.port());
    try {
      return Hold(http, concert, 17, users[17]).status;
    } catch (const std::exception&) {
      return 0;  // the connection died with the leader
    }
  });
  for (const auto deadline = Clock::now() + std::chrono::seconds(20);;) {
    const std::string m = leader.http.Get("/metrics").body;
    if (m.find("\ncm_replication_lag_events 0\n") == std::string::npos) break;
    REQUIRE(Clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // its local sync
  const auto killed = Clock::now();
  leader.server->Kill();
  CHECK(unanswered.get() != 201);
  for (int broker = 1; broker <= 3; ++broker) kafka.SetDown(broker, false);
  const ShellResult promote = RunShell(ServerBinary() + " promote --data-dir " +
                                       follower_dirs.path() + "/standby --wait-port " +
                                       std::to_string(standby->port()) + " --timeout 30 2>&1");
  INFO("promote: " << promote.output);
  REQUIRE(promote.exit_code == 0);
  int status = 0;
  HttpResult first_write;
  while (status != 201 && Clock::now() - killed < std::chrono::seconds(30)) {
    first_write = Hold(on_standby, concert, 16, users[16]);
    status = first_write.status;
  }
  REQUIRE(status == 201);
  MESSAGE("failover, from SIGKILL to the first write taken by the promoted standby: "
          << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed).count()
          << " ms (promotion requested right after the kill)");
  for (std::size_t i = 0; i < held.size(); ++i)
    CHECK(on_standby.Get(held[i].first, held[i].second).body == before[i]);
  CHECK(on_standby.Get("/metrics").body.find("\ncm_leader 1\n") != std::string::npos);
  // It takes online backups as the leader did, without a restart.
  const HttpResult backup = on_standby.Post("/api/admin/backups", "", leader.admin);
  CHECK_MESSAGE(backup.status == 201, backup.body);

  // The replica follows the new term, and sends writers to the new leader.
  const uint64_t new_seq = SeqOf(first_write);
  REQUIRE(Reaches(on_replica, new_seq));
  CHECK(Hold(on_replica, concert, 31, users[21]).Header("location").rfind(
            Url(standby->port()), 0) == 0);
  CHECK(on_replica.Get(seats).body == on_standby.Get(seats).body);

  // The old leader restarted as a leader finds the topic ahead of its journal and refuses.
  const ShellResult zombie = RunShell(
      ServerBinary() + " serve --address 127.0.0.1 --port 0 --data " + leader.data_dir() +
      " --jwt-secret " + ServerProcess::kSecret + " --replicate-to-kafka " + kafka.bootstraps() +
      " --log-level warn 2>&1");
  INFO("old leader: " << zombie.output);
  CHECK(zombie.exit_code == 2);

  // Back as a standby, it cuts the hold that never reached Kafka from its journal, keeps it
  // aside, and follows the new leader.
  auto rejoined = StartFollower(leader.data_dir(), "standby", kafka.bootstraps());
  HttpClient on_rejoined(rejoined->port());
  REQUIRE(Reaches(on_rejoined, new_seq));
  const std::string rejoined_metrics = on_rejoined.Get("/metrics").body;
  CHECK(rejoined_metrics.find("\ncm_follower_cut_events_total 0\n") == std::string::npos);
  CHECK(std::filesystem::exists(leader.data_dir() + "/diverged"));
  CHECK(on_rejoined.Get(seats).body == on_standby.Get(seats).body);

  // The three journals replay to the same state at the same seq (the followers given the time
  // to apply the new leader's last batch).
  REQUIRE(standby->Terminate() == 0);
  const std::string promoted = ReplayVerify(follower_dirs.path() + "/standby");
  const uint64_t end = std::stoull(promoted.substr(std::string("last seq: ").size()));
  REQUIRE(Reaches(on_replica, end));
  REQUIRE(Reaches(on_rejoined, end));
  REQUIRE(replica->Terminate() == 0);
  REQUIRE(rejoined->Terminate() == 0);
  CHECK(ReplayVerify(follower_dirs.path() + "/replica") == promoted);
  CHECK(ReplayVerify(leader.data_dir()) == promoted);
}

TEST_CASE("with etcd, a standby takes over by itself; a paused leader stops on waking, rejoins") {
  TempDir dir;
  EtcdCluster etcd(dir.path() + "/etcd");
  ThreeBrokers kafka;
  const std::vector<std::string> elect = {"--elect-with-etcd", etcd.endpoints()};
  std::vector<std::string> leader_flags = {"--replicate-to-kafka", kafka.bootstraps()};
  leader_flags.insert(leader_flags.end(), elect.begin(), elect.end());
  ApiFixture leader(leader_flags);
  CHECK(etcd.Get("/concertmania/main/leader") == Url(leader.port()));
  ConcertOptions co;
  co.rows = 20;
  const uint64_t concert = leader.CreateConcert(co);
  const auto users = MakeUsers(leader, 64, "el");
  const std::string seats = "/api/concerts/" + std::to_string(concert) + "/seats";
  auto standby = StartFollower(dir.path() + "/standby", "standby", kafka.bootstraps(), elect);
  auto replica = StartFollower(dir.path() + "/replica", "replica", kafka.bootstraps(), elect);
  HttpClient on_standby(standby->port()), on_replica(replica->port());
  // The replica finds the leader through etcd.
  HttpResult sent_on;
  for (const auto deadline = Clock::now() + std::chrono::seconds(10); Clock::now() < deadline;) {
    sent_on = Hold(on_replica, concert, 0, users[0]);
    if (sent_on.status == 307) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(sent_on.Header("location").rfind(Url(leader.port()), 0) == 0);

  // A flash sale on the leader; it dies in the middle of it.
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> acknowledged;  // (reservation, owner)
  std::vector<std::thread> buyers;
  for (int t = 0; t < 4; ++t)
    buyers.emplace_back([&, t] {
      HttpClient http(leader.port());
      for (int i = t; i < 64 && !stop.load(); i += 4) {
        HttpResult r;
        try {
          r = Hold(http, concert, i * 3, users[i]);
        } catch (const std::exception&) {
          return;  // the leader is gone
        }
        if (r.status != 201) continue;
        std::lock_guard lock(mu);
        acknowledged.emplace_back("/api/reservations/" + std::to_string(Int(r.Json(), "id")),
                                  users[i]);
      }
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto killed = Clock::now();
  leader.server->Kill();
  stop = true;
  for (auto& b : buyers) b.join();
  REQUIRE_FALSE(acknowledged.empty());

  // Nobody asks the standby: it takes the key once the lease runs out, and takes writes.
  HttpResult first_write = FirstWrite(on_standby, concert, 190, users[60]);
  REQUIRE(first_write.status == 201);
  const auto failover =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed).count();
  MESSAGE("failover with the default 5 s lease, SIGKILL to the first write on the new leader: " << failover
                                                                                      << " ms");
  CHECK(failover < 10'000);
  CHECK(etcd.Get("/concertmania/main/leader") == Url(standby->port()));
  for (const auto& [path, token] : acknowledged) {
    auto r = on_standby.Get(path, token);
    CHECK(r.status == 200);
    CHECK(Str(r.Json(), "status") == "HELD");
  }

  // A second standby; then the new leader is paused (SIGSTOP) past its lease.
  auto second = StartFollower(dir.path() + "/second", "standby", kafka.bootstraps(), elect);
  HttpClient on_second(second->port());
  REQUIRE(Reaches(on_second, SeqOf(first_write)));
  kill(standby->pid(), SIGSTOP);
  HttpResult second_write = FirstWrite(on_second, concert, 191, users[61]);
  REQUIRE(second_write.status == 201);
  // It wakes believing it leads: a write sent to it meanwhile is refused, and it stops (status
  // 5) rather than serve a state that no longer moves.
  kill(standby->pid(), SIGCONT);
  try {
    const HttpResult zombie_write = Hold(on_standby, concert, 192, users[62]);
    INFO("the woken leader's answer: " << zombie_write.status << " " << zombie_write.body);
    CHECK((zombie_write.status == 503 || zombie_write.status == 307));
    // What the README promises for a step-down: NOT_LEADER, never ENGINE_HALTED.
    CHECK(zombie_write.body.find("NOT_LEADER") != std::string::npos);
  } catch (const std::exception&) {
    // It had already stopped.
  }
  CHECK(standby->WaitForExit(10'000) == 5);
  // Started again with a leader's flags (as its supervisor would), it finds the second
  // leading, and follows it as a standby: it sends writers there.
  std::vector<std::string> restart_flags = {"--replicate-to-kafka", kafka.bootstraps()};
  restart_flags.insert(restart_flags.end(), elect.begin(), elect.end());
  auto rejoined = std::make_unique<ServerProcess>(dir.path() + "/standby", restart_flags);
  HttpClient on_rejoined(rejoined->port());
  REQUIRE(Reaches(on_rejoined, SeqOf(second_write)));
  CHECK(on_rejoined.Get("/metrics").body.find("\ncm_leader 0\n") != std::string::npos);
  HttpResult sent_on_rejoined;
  for (const auto deadline = Clock::now() + std::chrono::seconds(10); Clock::now() < deadline;) {
    sent_on_rejoined = Hold(on_rejoined, concert, 192, users[62]);
    if (sent_on_rejoined.status == 307) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(sent_on_rejoined.Header("location").rfind(Url(second->port()), 0) == 0);
  // The replica follows the second standby's term, and sends writers there.
  REQUIRE(Reaches(on_replica, SeqOf(second_write)));
  CHECK(on_replica.Get(seats).body == on_second.Get(seats).body);
  CHECK(Hold(on_replica, concert, 193, users[63]).Header("location").rfind(Url(second->port()),
                                                                           0) == 0);

  // Every journal replays to the same state at the same seq as the leader's.
  REQUIRE(second->Terminate() == 0);
  const std::string last = ReplayVerify(dir.path() + "/second");
  const uint64_t end = std::stoull(last.substr(std::string("last seq: ").size()));
  REQUIRE(Reaches(on_replica, end));
  REQUIRE(Reaches(on_rejoined, end));
  // The second gave the key up as it stopped: the rejoined standby takes over in turn (so the
  // journals go on past `end`, and are compared up to it).
  CHECK(FirstWrite(on_rejoined, concert, 194, users[63]).status == 201);
  REQUIRE(replica->Terminate() == 0);
  CHECK(ReplayVerify(dir.path() + "/replica", end) == last);
  REQUIRE(rejoined->Terminate() == 0);
  CHECK(ReplayVerify(dir.path() + "/standby", end) == last);
}

TEST_CASE("with etcd: the leader rides out the loss of etcd's raft leader, and acknowledges "
          "nothing past its own deadline once etcd's quorum is gone") {
  TempDir dir;
  EtcdCluster etcd(dir.path() + "/etcd");
  ThreeBrokers kafka;
  ApiFixture leader({"--replicate-to-kafka", kafka.bootstraps(), "--elect-with-etcd",
                     etcd.endpoints(), "--hold-rate", "0"});  // the default lease: 5 s
  ConcertOptions co;
  co.rows = 20;
  const uint64_t concert = leader.CreateConcert(co);
  const auto users = MakeUsers(leader, 400, "lease");  // one seat each
  int seat = 0;
  // Holds, one every 50 ms, for `d`: the times (since `from`) of the acknowledged ones, and
  // whether any was refused.
  struct Run {
    std::vector<double> acked_s;
    int refused = 0;
  };
  auto write_for = [&](std::chrono::milliseconds d, Clock::time_point from) {
    Run run;
    HttpClient http(leader.port());
    for (const auto until = Clock::now() + d; Clock::now() < until;) {
      HttpResult r;
      try {
        r = Hold(http, concert, seat, users[static_cast<std::size_t>(seat)]);
        seat = (seat + 1) % 400;
      } catch (const std::exception&) {
        ++run.refused;  // it stopped
        break;
      }
      if (r.status == 201)
        run.acked_s.push_back(std::chrono::duration<double>(Clock::now() - from).count());
      else if (r.status != 409)
        ++run.refused;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return run;
  };

  // etcd's raft leader dies; the others elect a new one; our leader keeps its lease.
  const int raft_leader = etcd.RaftLeader();
  REQUIRE(raft_leader >= 0);
  const auto killed = Clock::now();
  etcd.Kill(raft_leader);
  const Run through = write_for(std::chrono::seconds(6), killed);
  double longest_gap = 0;
  for (std::size_t i = 1; i < through.acked_s.size(); ++i)
    longest_gap = std::max(longest_gap, through.acked_s[i] - through.acked_s[i - 1]);
  MESSAGE("etcd raft leader killed: " << through.acked_s.size() << " holds acknowledged in 6 s, "
          << through.refused << " refused, longest gap " << longest_gap << " s");
  CHECK(through.refused == 0);
  CHECK(through.acked_s.size() > 20);
  CHECK(leader.http.Get("/metrics").body.find("\ncm_leader 1\n") != std::string::npos);

  // Quorum lost: one member is left (the raft leader, if one was elected: the member that
  // keeps answering keepalives longest). Nothing is acknowledged past the last renewal the
  // leader could confirm, sent before the kill, plus 5 s, less its 0.5 s margin.
  const int new_raft_leader = etcd.RaftLeader();
  int other = 0;
  while (other == raft_leader || other == new_raft_leader) ++other;
  const auto lost = Clock::now();
  etcd.Kill(other);
  const Run after = write_for(std::chrono::seconds(8), lost);
  const double last_ack = after.acked_s.empty() ? 0 : after.acked_s.back();
  MESSAGE("etcd quorum lost: the last hold acknowledged " << last_ack << " s after, "
          << after.acked_s.size() << " acknowledged, " << after.refused << " refused");
  CHECK(last_ack < 4.5);
  CHECK(after.refused > 0);
  // Its lease ran out while it led: it stops, to come back as a standby.
  CHECK(leader.server->WaitForExit(15'000) == 5);
}
