// The Kafka outbox against librdkafka's mock cluster over real TCP: the server publishes from
// its journal, and a consumer here reads the topics back and compares them with the journal
// (replay --dump). Happy path: every publishable durable event exactly once, in order per key.
// A SIGKILLed publisher and a broker that goes down lose nothing (at least once).
#include <doctest/doctest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <iterator>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "tests/server/api_fixture.h"
#include "tests/support/fakepg_process.h"
#include "tests/support/metrics_named.h"
#include "tests/support/mock_kafka.h"

using namespace cm::test;

namespace {

const std::set<std::string> kPublished = {
    "HoldPlaced",         "HoldReleased",     "HoldExpired",   "ReservationConfirmed",
    "ReservationRefunded", "SeatsReleased",   "PaymentSucceeded", "PaymentFailed",
    "RefundIssued",       "ReservationCancelled", "HoldExtended", "TicketIssued",
    "TicketTransferred",  "TicketCheckedIn",  "CheckInConflict", "TicketOffered",
    "TicketOfferEnded"};
const char* const kTopics[] = {"concertmania.reservations", "concertmania.payments",
                               "concertmania.tickets"};
constexpr int kPartitions = 3;

// One broker with the outbox's topics.
struct OutboxKafka : MockKafka {
  OutboxKafka() : MockKafka(1) {
    for (const char* t : kTopics) CreateTopic(t, kPartitions, 1);
  }
};

struct Message {
  std::string topic, key, type;
  uint64_t seq = 0;
};

// Reads both topics from the beginning until `want` messages arrived or 20 s passed.
std::vector<Message> Consume(const std::string& brokers, std::size_t want) {
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", "outbox-test", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  REQUIRE(rk != nullptr);
  rd_kafka_topic_partition_list_t* parts =
      rd_kafka_topic_partition_list_new(std::size(kTopics) * kPartitions);
  for (const char* t : kTopics)
    for (int p = 0; p < kPartitions; ++p)
      rd_kafka_topic_partition_list_add(parts, t, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  REQUIRE(rd_kafka_assign(rk, parts) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(parts);
  std::vector<Message> out;
  auto poll_one = [&] {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) return;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const auto v = json::parse(std::string_view(static_cast<const char*>(m->payload), m->len));
      out.push_back({rd_kafka_topic_name(m->rkt),
                     std::string(static_cast<const char*>(m->key), m->key_len), Str(v, "type"),
                     static_cast<uint64_t>(Int(v, "seq"))});
    }
    rd_kafka_message_destroy(m);
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (out.size() < want && std::chrono::steady_clock::now() < deadline) poll_one();
  for (int i = 0; i < 5; ++i) poll_one();  // anything more (duplicates) already there
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

// The journal's publishable events: seq -> (type, concert).
std::map<uint64_t, std::pair<std::string, std::string>> Durable(const std::string& data_dir) {
  std::map<uint64_t, std::pair<std::string, std::string>> out;
  FILE* p = popen((ReplayBinary() + " --data " + data_dir + " --dump").c_str(), "r");
  REQUIRE(p != nullptr);
  std::string all;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) all.append(buf, n);
  pclose(p);
  std::istringstream lines(all);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '{') continue;
    const auto v = json::parse(line);
    const std::string type = Str(v, "type");
    if (!kPublished.contains(type)) continue;
    out[static_cast<uint64_t>(Int(v, "seq"))] = {type, std::to_string(Int(v, "concert"))};
  }
  return out;
}

// Some of every kind: holds, a cancel, an extension, a paid reservation (and so its ticket).
void MakeTraffic(ApiFixture& f, const std::string& concert, const std::string& token, int first_seat) {
  const std::string path = "/api/v1/concerts/" + concert + "/reservations";
  auto a = f.http.Post(path, "{\"seatIds\":[" + std::to_string(first_seat) + "]}", token);
  REQUIRE(a.status == 201);
  auto b = f.http.Post(path, "{\"seatIds\":[" + std::to_string(first_seat + 1) + "]}", token);
  REQUIRE(b.status == 201);
  REQUIRE(f.http.Delete("/api/reservations/" + std::to_string(Int(b.Json(), "id")), token).status == 200);
  REQUIRE(f.http.Post("/api/reservations/" + std::to_string(Int(a.Json(), "id")) + "/extend", "", token)
              .status == 200);
  auto paid = f.http.Post("/api/payments", "{\"reservationId\":" + std::to_string(Int(a.Json(), "id")) + "}",
                          token, {{"Idempotency-Key", "pay-" + std::to_string(first_seat)}});
  REQUIRE(paid.status == 202);
}

// A mock Kafka, a payment provider and a server publishing to the one, paying through the other.
struct OutboxWorld {
  OutboxKafka kafka;
  TempDir pg_dir;
  FakePgProcess pg{pg_dir.path() + "/pg.port"};
  ApiFixture app{{"--kafka-brokers", kafka.bootstraps(), "--payment-provider-url", pg.url()}};
  std::string token = SignupAndLogin(app.port(), "a@x.io");
};

// Every journal event `got` does not hold.
std::vector<uint64_t> Missing(const std::map<uint64_t, std::pair<std::string, std::string>>& durable,
                              const std::vector<Message>& got) {
  std::set<uint64_t> seen;
  for (const Message& m : got) seen.insert(m.seq);
  std::vector<uint64_t> missing;
  for (const auto& [seq, what] : durable)
    if (!seen.contains(seq)) missing.push_back(seq);
  return missing;
}

std::string Stopped(ApiFixture& f) {
  CHECK(f.server->Terminate() == 0);
  return f.data_dir();
}

}  // namespace

TEST_CASE_FIXTURE(OutboxWorld, "every durable domain event reaches Kafka exactly once, in order per concert") {
  ApiFixture& f = app;  // doctest names the test body f(); a local keeps the usual name
  const std::string& t = token;
  const std::string c1 = std::to_string(f.CreateConcert()), c2 = std::to_string(f.CreateConcert());
  MakeTraffic(f, c1, t, 0);
  MakeTraffic(f, c2, t, 4);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the payments settle
  const auto durable = Durable(Stopped(f));
  REQUIRE(durable.size() >= 10);
  const auto got = Consume(kafka.bootstraps(), durable.size());
  CHECK(got.size() == durable.size());
  std::map<std::string, uint64_t> last_per_key;
  std::set<uint64_t> seen;
  for (const Message& m : got) {
    CAPTURE(m.seq);
    REQUIRE(durable.contains(m.seq));
    CHECK(durable.at(m.seq).first == m.type);
    CHECK(durable.at(m.seq).second == m.key);
    CHECK(seen.insert(m.seq).second);  // exactly once
    const bool payments = m.topic == kTopics[1];
    CHECK(payments == (m.type.starts_with("Payment") || m.type == "RefundIssued"));
    CHECK((m.topic == kTopics[2]) == m.type.starts_with("Ticket"));
    uint64_t& last = last_per_key[m.topic + "/" + m.key];
    CHECK(m.seq > last);  // in order per key
    last = m.seq;
  }
  CHECK(last_per_key.size() == 6);  // two concerts on three topics
  // A clean stop stored how far Kafka acknowledged: a restart resumes after it.
  std::ifstream offset(f.data_dir() + "/kafka-outbox-offset");
  uint64_t stored = 0;
  REQUIRE(static_cast<bool>(offset >> stored));
  CHECK(stored >= durable.rbegin()->first);
}

TEST_CASE_FIXTURE(OutboxWorld, "after the publisher is killed and restarted, every event arrives at least once") {
  ApiFixture& f = app;  // doctest names the test body f(); a local keeps the usual name
  const std::string& t = token;
  const std::string c = std::to_string(f.CreateConcert());
  MakeTraffic(f, c, t, 0);
  f.Restart(/*crash=*/true);
  MakeTraffic(f, c, t, 4);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto durable = Durable(Stopped(f));
  CHECK(Missing(durable, Consume(kafka.bootstraps(), durable.size())).empty());
}

TEST_CASE_FIXTURE(OutboxWorld, "while the broker is down nothing is lost: the outbox waits and catches up") {
  ApiFixture& f = app;  // doctest names the test body f(); a local keeps the usual name
  const std::string& t = token;
  const std::string c = std::to_string(f.CreateConcert());
  MakeTraffic(f, c, t, 0);
  kafka.SetDown(1, true);
  MakeTraffic(f, c, t, 4);
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  kafka.SetDown(1, false);
  // The outbox catches up on its own (its acknowledged seq reaches the journal's end).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int64_t acked = 0, durable_seq = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string metrics = f.http.Get("/metrics").body;
    auto value = [&](const std::string& name) {
      return static_cast<int64_t>(MetricSample(metrics, name));
    };
    acked = value("cm_outbox_acked_seq");
    durable_seq = value("cm_durable_seq");
    if (acked == durable_seq &&
        value("cm_outbox_published_total") == value("cm_outbox_delivered_total"))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(acked == durable_seq);
  // Every outbox metric the alerts and the dashboard name is exported.
  for (const std::string& missing : MissingFamilies(f.http.Get("/metrics").body, "cm_outbox_"))
    FAIL_CHECK(missing);
  const auto durable = Durable(Stopped(f));
  CHECK(Missing(durable, Consume(kafka.bootstraps(), durable.size())).empty());
}
