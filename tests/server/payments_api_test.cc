// The payment saga end to end over real TCP: the real server, and concertmania-fakepg as the
// provider in its own process. Each scenario ends with `replay --verify` on the journal and the
// money check: captured minus refunded at the provider equals the value of the CONFIRMED
// reservations.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "tests/server/api_fixture.h"
#include "tests/support/fakepg_process.h"
#include "engine/types.h"
#include "tests/support/shell.h"
#include "tests/support/ws_client.h"

using namespace cm::test;

namespace {

// A provider, and a server that pays through it with quick retries.
struct PayWorld {
  explicit PayWorld(std::vector<std::string> pg_flags = {}, std::vector<std::string> flags = {})
      : pg(pg_dir.path() + "/fakepg.port", std::move(pg_flags)), f(ServerFlags(flags)) {
    concert = std::to_string(f.CreateConcert(options));
  }
  // Quick retries and a short call timeout, unless `extra` sets them.
  std::vector<std::string> ServerFlags(std::vector<std::string> extra) {
    std::vector<std::string> flags = {"--payment-provider-url", pg.url()};
    for (const char* name : {"--payment-retry-base-ms", "--payment-timeout-ms"})
      if (std::find(extra.begin(), extra.end(), name) == extra.end())
        flags.insert(flags.end(), {name, name == std::string("--payment-timeout-ms") ? "700" : "100"});
    flags.insert(flags.end(), extra.begin(), extra.end());
    return flags;
  }

  // Holds `seats` for `token`; returns the reservation id.
  int64_t Hold(const std::string& token, const std::string& seats) {
    auto r = f.http.Post("/api/v1/concerts/" + concert + "/reservations",
                         "{\"seatIds\":" + seats + "}", token);
    REQUIRE(r.status == 201);
    reservations.push_back(Int(r.Json(), "id"));
    return reservations.back();
  }
  HttpResult Pay(const std::string& token, int64_t reservation, const std::string& key,
                 const std::string& method = "CARD") {
    return f.http.Post("/api/payments",
                       "{\"reservationId\":" + std::to_string(reservation) + ",\"method\":\"" +
                           method + "\"}",
                       token, {{"Idempotency-Key", key}});
  }
  // Polls the payment until its status is `want` (and, for refunds, settled); returns it.
  json::value WaitFor(int64_t payment, const std::string& token, const std::string& want,
                      bool refund_settled = false) {
    const std::string path = "/api/payments/" + std::to_string(payment);
    json::value last;
    for (int i = 0; i < 300; ++i) {
      HttpClient http(f.port());
      auto r = http.Get(path, token);
      if (r.status == 200) {
        last = r.Json();
        const bool settled = !refund_settled || (last.as_object().contains("refund") &&
                                                 last.at("refund").at("settled").as_bool());
        if (Str(last, "status") == want && settled) return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("payment " << payment << " never became " << want << "; last seen "
                    << json::serialize(last));
    return last;
  }
  // A seat's status letter in GET /api/concerts/{id}/seats (A, H or S).
  std::string SeatStatus(int64_t seat) {
    auto map = f.http.Get("/api/concerts/" + concert + "/seats");
    REQUIRE(map.status == 200);
    const json::value doc = map.Json();
    for (const auto& section : doc.at("sections").as_array())
      for (const auto& row : section.at("rows").as_array())
        for (const auto& s : row.at("seats").as_array())
          if (s.as_array()[0].to_number<int64_t>() == seat)
            return std::string(s.as_array()[4].as_string());
    return "";
  }
  std::string ReservationStatus(int64_t id) {
    return Str(f.http.Get("/api/reservations/" + std::to_string(id), f.admin).Json(), "status");
  }
  // The ledger adds up, then the journal replays clean.
  void CheckMoneyAndReplay() {
    int64_t confirmed = 0;
    for (int64_t id : reservations) {
      auto r = f.http.Get("/api/reservations/" + std::to_string(id), f.admin).Json();
      if (Str(r, "status") == "CONFIRMED") confirmed += Int(r, "amount");
    }
    auto ledger = pg.Ledger();
    CHECK(Int(ledger, "captured") - Int(ledger, "refunded") == confirmed);
    CHECK(f.server->Terminate() == 0);
    const std::string verify = ReplayBinary() + " --data " + f.data_dir() + " --verify > /dev/null 2>&1";
    CHECK(std::system(verify.c_str()) == 0);
  }
  std::vector<std::string> History(const json::value& payment) {
    std::vector<std::string> steps;
    for (const auto& h : payment.at("history").as_array()) steps.push_back(Str(h, "step"));
    return steps;
  }

  ConcertOptions options;
  TempDir pg_dir;
  FakePgProcess pg;
  ApiFixture f;
  std::string concert;
  std::vector<int64_t> reservations;
};

}  // namespace

TEST_CASE("pay for a hold: 202 at once, then SUCCEEDED and the reservation CONFIRMED") {
  PayWorld w;
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  WsClient ws(w.f.port());
  ws.Send(json::serialize(json::object{{"type", "notifications"}, {"token", a}}));
  REQUIRE(Str(ws.Next(), "type") == "subscribed");
  const int64_t r = w.Hold(a, "[0,1]");
  auto paid = w.Pay(a, r, "pay-1");
  REQUIRE(paid.status == 202);
  const json::value p = paid.Json();
  CHECK(Str(p, "status") == "PENDING");
  CHECK(Int(p, "reservationId") == r);
  CHECK(Int(p, "amount") == 300000);
  CHECK(paid.Header("location") == "/api/payments/" + std::to_string(Int(p, "id")));
  const json::value done = w.WaitFor(Int(p, "id"), a, "SUCCEEDED");
  CHECK(w.History(done) == std::vector<std::string>{"REQUESTED", "SUCCEEDED"});
  CHECK(w.ReservationStatus(r) == "CONFIRMED");
  // The owner hears of it on the WebSocket.
  std::vector<std::string> kinds;
  while (kinds.size() < 3) kinds.push_back(Str(ws.NextOf("notification"), "kind"));
  CHECK(kinds == std::vector<std::string>{"HOLD_PLACED", "PAYMENT_SUCCEEDED", "RESERVATION_CONFIRMED"});
  auto res = w.f.http.Get("/api/reservations/" + std::to_string(r), a).Json();
  CHECK(Int(res, "paymentId") == Int(p, "id"));
  CHECK(Str(w.pg.Charge("cm-pay-" + std::to_string(Int(p, "id"))), "status") == "CAPTURED");
  // A confirmed reservation cannot be paid again.
  auto again = w.Pay(a, r, "pay-2");
  CHECK(again.status == 409);
  CHECK(Str(again.Json(), "code") == "RESERVATION_NOT_HELD");
  w.CheckMoneyAndReplay();
}

TEST_CASE("payment requests: every bad one gets its own answer") {
  PayWorld w;
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io"), b = SignupAndLogin(w.f.port(), "b@x.io");
  const int64_t r = w.Hold(a, "[2]");
  auto no_key = w.f.http.Post("/api/payments", "{\"reservationId\":" + std::to_string(r) + "}", a);
  CHECK(no_key.status == 400);
  CHECK(Str(no_key.Json(), "code") == "IDEMPOTENCY_KEY_REQUIRED");
  CHECK(w.Pay("", r, "k").status == 401);
  auto method = w.Pay(a, r, "k1", "BITCOIN");
  CHECK(method.status == 422);
  CHECK(Str(method.Json(), "code") == "UNKNOWN_PAYMENT_METHOD");
  auto malformed = w.f.http.Post("/api/payments", "{\"reservationId\":", a, {{"Idempotency-Key", "k2"}});
  CHECK(malformed.status == 400);
  CHECK(w.f.http.Post("/api/payments", "{}", a, {{"Idempotency-Key", "k3"}}).status == 422);
  auto unknown = w.Pay(a, 999999, "k4");
  CHECK(unknown.status == 404);
  CHECK(Str(unknown.Json(), "code") == "UNKNOWN_RESERVATION");
  // Someone else's reservation and payment look exactly like missing ones (no probing ids).
  auto not_mine = w.Pay(b, r, "k5");
  CHECK(not_mine.status == 404);
  CHECK(Str(not_mine.Json(), "code") == "UNKNOWN_RESERVATION");
  auto paid = w.Pay(a, r, "k6");
  REQUIRE(paid.status == 202);
  const std::string path = "/api/payments/" + std::to_string(Int(paid.Json(), "id"));
  auto others = w.f.http.Get(path, b);
  CHECK(others.status == 404);
  CHECK(Str(others.Json(), "code") == "UNKNOWN_PAYMENT");
  CHECK(w.f.http.Get(path, w.f.admin).status == 200);
  CHECK(w.f.http.Get("/api/payments/424242", a).status == 404);
  CHECK(w.f.http.Get("/api/payments/abc", a).status == 404);
  w.WaitFor(Int(paid.Json(), "id"), a, "SUCCEEDED");
  w.CheckMoneyAndReplay();
}

TEST_CASE("간편결제 goes through the wallet the fan picked, to the provider; no wallet, no payment") {
  PayWorld w;
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  const int64_t r = w.Hold(a, "[3]");
  auto pay = [&](const std::string& body, const std::string& key) {
    return w.f.http.Post("/api/payments", body, a, {{"Idempotency-Key", key}});
  };
  const std::string res = "{\"reservationId\":" + std::to_string(r);
  for (const auto& [body, why] : std::vector<std::pair<std::string, std::string>>{
           {res + ",\"method\":\"EASY_PAY\"}", "needs one of"},
           {res + ",\"method\":\"EASY_PAY\",\"wallet\":\"PAYPAL\"}", "needs one of"},
           {res + ",\"method\":\"CARD\",\"wallet\":\"KAKAOPAY\"}", "only EASY_PAY"}}) {
    auto refused = pay(body, "w-" + std::to_string(why.size()) + body);
    CHECK(refused.status == 422);
    CHECK(Str(refused.Json(), "code") == "UNKNOWN_PAYMENT_METHOD");
    CHECK(Str(refused.Json(), "field") == "wallet");
    CHECK(Str(refused.Json(), "detail").find(why) != std::string::npos);
  }
  auto paid = pay(res + ",\"method\":\"EASY_PAY\",\"wallet\":\"TOSSPAY\"}", "w-ok");
  REQUIRE(paid.status == 202);
  CHECK(Str(paid.Json(), "wallet") == "TOSSPAY");
  const json::value done = w.WaitFor(Int(paid.Json(), "id"), a, "SUCCEEDED");
  CHECK(Str(done, "method") == "EASY_PAY");
  CHECK(Str(done, "wallet") == "TOSSPAY");
  // The provider was asked to charge through that wallet.
  HttpClient pg(w.pg.port());
  const json::value listing = pg.Get("/v1/charges?limit=10").Json();
  REQUIRE(listing.at("items").as_array().size() == 1);
  const json::value& charge = listing.at("items").as_array()[0];
  CHECK(Str(charge, "method") == "EASY_PAY");
  CHECK(Str(charge, "wallet") == "TOSSPAY");
  w.CheckMoneyAndReplay();
}

TEST_CASE("without a provider, payments answer 503") {
  ApiFixture f;
  const std::string c = std::to_string(f.CreateConcert());
  const std::string a = SignupAndLogin(f.port(), "a@x.io");
  auto held = f.http.Post("/api/v1/concerts/" + c + "/reservations", R"({"seatIds":[0]})", a);
  auto r = f.http.Post("/api/payments", "{\"reservationId\":" + std::to_string(Int(held.Json(), "id")) + "}",
                       a, {{"Idempotency-Key", "k"}});
  CHECK(r.status == 503);
  CHECK(Str(r.Json(), "code") == "PAYMENTS_UNAVAILABLE");
}

TEST_CASE("a decline is retried and then succeeds") {
  PayWorld w;
  w.pg.Configure(R"({"declineNext":1})");
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  const int64_t r = w.Hold(a, "[3]");
  auto paid = w.Pay(a, r, "k");
  REQUIRE(paid.status == 202);
  const json::value done = w.WaitFor(Int(paid.Json(), "id"), a, "SUCCEEDED");
  CHECK(w.History(done) == std::vector<std::string>{"REQUESTED", "ATTEMPT_FAILED", "SUCCEEDED"});
  CHECK(Str(done.at("history").as_array()[1], "outcome") == "DECLINED");
  CHECK(Int(done, "attempts") == 2);
  CHECK(w.ReservationStatus(r) == "CONFIRMED");
  CHECK(Int(w.pg.Ledger(), "declines") == 1);
  CHECK(Int(w.pg.Ledger(), "captures") == 1);
  w.CheckMoneyAndReplay();
}

TEST_CASE("declines until the attempts run out: FAILED, seats released, nothing charged") {
  PayWorld w;
  w.pg.Configure(R"({"declineNext":3})");
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io"), b = SignupAndLogin(w.f.port(), "b@x.io");
  WsClient ws(w.f.port());
  ws.Send(json::serialize(json::object{{"type", "notifications"}, {"token", a}}));
  REQUIRE(Str(ws.Next(), "type") == "subscribed");
  const int64_t r = w.Hold(a, "[4,5]");
  CHECK(w.SeatStatus(4) == "H");  // the seat map is now rendered (and cached) with the hold
  auto paid = w.Pay(a, r, "k");
  REQUIRE(paid.status == 202);
  const json::value done = w.WaitFor(Int(paid.Json(), "id"), a, "FAILED");
  // The compensation changed the seat map: its cached rendering is not served again.
  CHECK(w.SeatStatus(4) == "A");
  CHECK(w.History(done) == std::vector<std::string>{"REQUESTED", "ATTEMPT_FAILED", "ATTEMPT_FAILED",
                                                    "FAILED", "SEATS_RELEASED"});
  CHECK(w.ReservationStatus(r) == "CANCELLED");
  std::vector<std::string> kinds;
  while (kinds.size() < 3) kinds.push_back(Str(ws.NextOf("notification"), "kind"));
  CHECK(kinds == std::vector<std::string>{"HOLD_PLACED", "PAYMENT_FAILED", "SEATS_RELEASED"});
  // The seats are on sale again.
  w.Hold(b, "[4,5]");
  CHECK(Int(w.pg.Ledger(), "captured") == 0);
  w.CheckMoneyAndReplay();
}

TEST_CASE("a provider that does not answer in time: the retry, under the same key, succeeds once") {
  PayWorld w;
  w.pg.Configure(R"({"timeoutNext":1,"hangMs":1500})");
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  const int64_t r = w.Hold(a, "[6]");
  auto paid = w.Pay(a, r, "k");
  REQUIRE(paid.status == 202);
  const json::value done = w.WaitFor(Int(paid.Json(), "id"), a, "SUCCEEDED");
  CHECK(w.History(done) == std::vector<std::string>{"REQUESTED", "ATTEMPT_FAILED", "SUCCEEDED"});
  CHECK(Str(done.at("history").as_array()[1], "outcome") == "ERROR");
  CHECK(Int(w.pg.Ledger(), "captures") == 1);
  w.CheckMoneyAndReplay();
}

TEST_CASE("giving up after unanswered calls refunds whatever the provider took") {
  // The first call is captured but answered too late, then the provider is down: the saga
  // never hears CAPTURED, gives up, releases the seats and refunds by key, so no money stays
  // with the provider.
  PayWorld w;
  w.pg.Configure(R"({"lateNext":1,"lateMs":1200,"errorNext":2})");
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  const int64_t r = w.Hold(a, "[7]");
  auto paid = w.Pay(a, r, "k");
  REQUIRE(paid.status == 202);
  const json::value done = w.WaitFor(Int(paid.Json(), "id"), a, "FAILED", true);
  CHECK(Int(done.at("refund"), "amount") == Int(done, "amount"));
  CHECK(w.ReservationStatus(r) == "CANCELLED");
  auto ledger = w.pg.Ledger();
  CHECK(Int(ledger, "captures") == 1);  // three attempts, one key: captured once
  CHECK(Int(ledger, "refunded") == Int(done, "amount"));
  w.CheckMoneyAndReplay();
}

TEST_CASE("a success that arrives after the hold expired is refunded; the seats stay released") {
  // No grace and a 2 s hold: the provider captures at once but answers after 3 s.
  PayWorld w({}, {"--payment-grace-ms", "0", "--payment-timeout-ms", "5000"});
  w.pg.Configure(R"({"lateNext":1,"lateMs":3000})");
  w.options.hold_ttl_s = 2;
  const std::string c2 = std::to_string(w.f.CreateConcert(w.options));
  w.concert = c2;
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  const int64_t r = w.Hold(a, "[8]");
  auto paid = w.Pay(a, r, "k");
  REQUIRE(paid.status == 202);
  const json::value done = w.WaitFor(Int(paid.Json(), "id"), a, "REFUNDED", true);
  CHECK(w.History(done) == std::vector<std::string>{"REQUESTED", "SUCCEEDED", "REFUND_ISSUED",
                                                    "REFUND_SETTLED"});
  CHECK(Str(done.at("history").as_array()[2], "detail") == "LATE_SUCCESS");
  CHECK(w.ReservationStatus(r) == "EXPIRED");
  CHECK(Int(w.pg.Ledger(), "refunded") == Int(done, "amount"));
  w.CheckMoneyAndReplay();
}

TEST_CASE("a double submit with the same Idempotency-Key charges once") {
  PayWorld w({"--latency-min-ms", "200", "--latency-max-ms", "200"});
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  const int64_t r = w.Hold(a, "[9]");
  HttpResult first, second;
  std::thread t([&] {
    HttpClient http(w.f.port());
    first = http.Post("/api/payments", "{\"reservationId\":" + std::to_string(r) + "}", a,
                      {{"Idempotency-Key", "double"}});
  });
  second = w.Pay(a, r, "double");
  t.join();
  // Each is either the payment (first answer or its replay) or "still in flight".
  for (const HttpResult* res : {&first, &second})
    CHECK((res->status == 202 || (res->status == 409 &&
                                  Str(res->Json(), "code") == "IDEMPOTENCY_KEY_IN_FLIGHT")));
  auto replay = w.Pay(a, r, "double");
  REQUIRE(replay.status == 202);
  CHECK(replay.Header("idempotent-replayed") == "true");
  const int64_t id = Int(replay.Json(), "id");
  for (const HttpResult* res : {&first, &second})
    if (res->status == 202) CHECK(Int(res->Json(), "id") == id);
  w.WaitFor(id, a, "SUCCEEDED");
  CHECK(Int(w.pg.Ledger(), "chargeRequests") == 1);
  CHECK(Int(w.pg.Ledger(), "captures") == 1);
  w.CheckMoneyAndReplay();
}

TEST_CASE("SIGKILL between the charge and its result: after restart, one charge and the saga completes") {
  // The provider captures at once and answers after 1.5 s; the server dies before the answer.
  PayWorld w({"--latency-min-ms", "1500", "--latency-max-ms", "1500"},
             {"--payment-timeout-ms", "4000"});
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  const int64_t r = w.Hold(a, "[10,11]");
  auto paid = w.Pay(a, r, "k");
  REQUIRE(paid.status == 202);
  const int64_t id = Int(paid.Json(), "id");
  // Wait until the provider has the charge, then crash.
  for (int i = 0; i < 100 && Int(w.pg.Ledger(), "chargeRequests") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(Int(w.pg.Ledger(), "chargeRequests") == 1);
  w.f.Restart(/*crash=*/true);
  const json::value done = w.WaitFor(id, a, "SUCCEEDED");
  CHECK(w.History(done) == std::vector<std::string>{"REQUESTED", "SUCCEEDED"});
  CHECK(w.ReservationStatus(r) == "CONFIRMED");
  auto ledger = w.pg.Ledger();
  CHECK(Int(ledger, "chargeRequests") == 2);  // the resumed attempt asked again ...
  CHECK(Int(ledger, "captures") == 1);        // ... under the same key: charged once
  w.CheckMoneyAndReplay();
}

TEST_CASE("an admin refund of a paid reservation returns the money through the provider") {
  PayWorld w;
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  const int64_t r = w.Hold(a, "[12]");
  auto paid = w.Pay(a, r, "k");
  REQUIRE(paid.status == 202);
  const int64_t id = Int(paid.Json(), "id");
  w.WaitFor(id, a, "SUCCEEDED");
  auto refund = w.f.http.Post("/api/admin/reservations/" + std::to_string(r) + "/refund", "{}", w.f.admin);
  REQUIRE(refund.status == 200);
  CHECK(Str(refund.Json(), "status") == "REFUNDED");
  const json::value done = w.WaitFor(id, a, "REFUNDED", true);
  CHECK(Int(done.at("refund"), "amount") == Int(done, "amount"));
  CHECK(Int(w.pg.Ledger(), "refunded") == Int(done, "amount"));
  w.CheckMoneyAndReplay();
}

namespace {

// Holds one seat and pays for it on the server at `port`; returns the payment id once the
// provider captured it.
int64_t BuyOne(uint16_t port, const std::string& concert, const std::string& token, int seat,
               const std::string& key) {
  HttpClient http(port);
  auto held = http.Post("/api/v1/concerts/" + concert + "/reservations",
                        "{\"seatIds\":[" + std::to_string(seat) + "]}", token);
  INFO("hold: " << held.body);
  REQUIRE(held.status == 201);
  auto paid = http.Post("/api/payments",
                        "{\"reservationId\":" + std::to_string(Int(held.Json(), "id")) +
                            ",\"method\":\"CARD\"}",
                        token, {{"Idempotency-Key", key}});
  REQUIRE(paid.status == 202);
  const int64_t payment = Int(paid.Json(), "id");
  for (int i = 0; i < 300; ++i) {
    auto p = http.Get("/api/payments/" + std::to_string(payment), token);
    if (p.status == 200 && Str(p.Json(), "status") == "SUCCEEDED") return payment;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("payment " << payment << " never succeeded");
  return payment;
}

}  // namespace

TEST_CASE("a restore starts a new timeline: no payment id or provider key of the lost one again") {
  PayWorld w;
  const auto buyers = MakeUsers(w.f, 5, "timeline");
  BuyOne(w.f.port(), w.concert, buyers[4], 0, "before-backup");

  // Backup, then 4 paid holds the disaster will lose, then the disaster.
  const std::string copy = w.f.dir.path() + "/backup-copy";
  const ShellResult backup = RunShell(ServerBinary() + " backup --url http://127.0.0.1:" +
                                      std::to_string(w.f.port()) + " --to " + copy +
                                      " --token " + w.f.admin + " 2>&1");
  INFO("backup: " << backup.output);
  REQUIRE(backup.exit_code == 0);
  std::set<int64_t> lost;
  for (int i = 0; i < 4; ++i)
    lost.insert(BuyOne(w.f.port(), w.concert, buyers[i], 10 + i, "lost-" + std::to_string(i)));
  REQUIRE(w.f.server->Terminate() == 0);

  const std::string restored = w.f.dir.path() + "/restored";
  const ShellResult restore =
      RunShell(ServerBinary() + " restore --from " + copy + " --data " + restored +
                                       " --keys-from " + w.f.data_dir() + " 2>&1");
  INFO("restore: " << restore.output);
  REQUIRE(restore.exit_code == 0);
  CHECK(restore.output.find("as timeline 1 (after timeline 0") != std::string::npos);
  ServerProcess again(restored, {"--payment-provider-url", w.pg.url(), "--payment-retry-base-ms",
                                 "100", "--payment-timeout-ms", "700"});

  // The same 4 purchases in the new timeline: each is a new capture under a key of its own.
  std::set<int64_t> fresh;
  for (int i = 0; i < 4; ++i)
    fresh.insert(BuyOne(again.port(), w.concert, buyers[i], 10 + i, "new-" + std::to_string(i)));
  for (int64_t id : fresh) {
    CAPTURE(id);
    CHECK(lost.count(id) == 0);
    CHECK(id > static_cast<int64_t>(cm::engine::kTimelineIdStride));
    CHECK(Str(w.pg.Charge("cm-pay-" + std::to_string(id)), "status") == "CAPTURED");
  }
  const json::value ledger = w.pg.Ledger();
  CHECK(Int(ledger, "captures") == 1 + 4 + 4);

  // The lost timeline's 4 captures are orphans: reconcile lists them, and its saga refunds them.
  const std::string reconcile = ServerBinary() + " reconcile --url http://127.0.0.1:" +
                                std::to_string(again.port()) + " --provider-url " + w.pg.url() +
                                " --token " + w.f.admin;
  const ShellResult listed = RunShell(reconcile + " 2>&1");
  INFO("reconcile: " << listed.output);
  CHECK(listed.exit_code == 3);
  int64_t lost_amount = 0;
  for (int64_t id : lost) {
    const std::string key = "cm-pay-" + std::to_string(id);
    CHECK(listed.output.find("orphan " + key + ":") != std::string::npos);
    lost_amount += Int(w.pg.Charge(key), "amount");
  }
  CHECK(listed.output.find("4 orphans (" + std::to_string(lost_amount) + " KRW), 0 unknown to "
                           "the provider, 0 mismatches") != std::string::npos);
  const ShellResult refunding = RunShell(reconcile + " --refund-orphans 2>&1");
  INFO("reconcile --refund-orphans: " << refunding.output);
  CHECK(refunding.exit_code == 0);
  for (int i = 0; i < 200 && Int(w.pg.Ledger(), "refunds") < Int(ledger, "refunds") + 4; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const json::value after = w.pg.Ledger();
  CHECK(Int(after, "refunds") == Int(ledger, "refunds") + 4);
  CHECK(Int(after, "refunded") == Int(ledger, "refunded") + lost_amount);
  for (int64_t id : lost)
    CHECK(Str(w.pg.Charge("cm-pay-" + std::to_string(id)), "status") == "REFUNDED");
  for (int64_t id : fresh)
    CHECK(Str(w.pg.Charge("cm-pay-" + std::to_string(id)), "status") == "CAPTURED");
  // Settled, the books agree; an id this timeline could still issue is never adopted.
  for (int i = 0; i < 100 && RunShell(reconcile + " 2>&1").exit_code != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const ShellResult clean = RunShell(reconcile + " 2>&1");
  INFO("reconcile after: " << clean.output);
  CHECK(clean.exit_code == 0);
  CHECK(clean.output.find("0 orphans (0 KRW)") != std::string::npos);
  HttpClient admin(again.port());
  const auto future = admin.Post("/api/admin/payments/orphans",
                                 "{\"paymentId\":" + std::to_string(*fresh.rbegin() + 1000) +
                                     ",\"amount\":1000}",
                                 w.f.admin);
  CHECK(future.status == 404);
  CHECK(Str(future.Json(), "code") == "UNKNOWN_PAYMENT");
  CHECK(admin.Post("/api/admin/payments/orphans", "{\"paymentId\":5,\"amount\":1000}",
                   buyers[0])
            .status == 403);

  // A second restore of the same backup takes the next timeline, not the same one.
  const ShellResult second = RunShell(ServerBinary() + " restore --from " + copy + " --data " +
                                      w.f.dir.path() + "/restored-2 --without-keys 2>&1");
  INFO("second restore: " << second.output);
  CHECK(second.output.find("as timeline 2 ") != std::string::npos);
  const ShellResult taken = RunShell(ServerBinary() + " restore --from " + copy + " --data " +
                                     w.f.dir.path() + "/restored-3 --timeline 1 --without-keys 2>&1");
  CHECK(taken.exit_code != 0);
  CHECK(taken.output.find("was taken already") != std::string::npos);

  REQUIRE(again.Terminate() == 0);
  const ShellResult verify = RunShell(ReplayBinary() + " --data " + restored + " --verify 2>&1");
  INFO("replay --verify: " << verify.output);
  CHECK(verify.exit_code == 0);
}
