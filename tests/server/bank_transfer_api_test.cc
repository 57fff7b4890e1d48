// 무통장입금 end to end over real TCP: the real server, and concertmania-fakepg issuing virtual
// accounts and sending signed deposit notices. A deposit in time, a missed deadline, another
// amount, a late deposit, forged and stale notices, and a crash between the deposit and its
// confirmation. Ends with the money check (captured less refunded at the provider equals the
// confirmed reservations) and `replay --verify`.
#include <doctest/doctest.h>

#include <sodium.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <thread>

#include "auth/deposit_signature.h"
#include "tests/server/api_fixture.h"
#include "tests/support/fakepg_process.h"
#include "tests/support/shell.h"

using namespace cm::test;

namespace {

const std::string kSecret = "test-webhook-secret-0123456789";
constexpr int kWindowSeconds = 4;

struct BankWorld {
  BankWorld()
      : pg(pg_dir.path() + "/fakepg.port"),
        f({"--payment-provider-url", pg.url(), "--payment-webhook-secret", kSecret,
           "--payment-retry-base-ms", "100", "--payment-grace-ms", "1000"}) {
    PointWebhook();
    ConcertOptions o;
    o.extra = json::object{{"bankTransfer", json::object{{"depositWindowSeconds", kWindowSeconds},
                                                          {"cutoffHoursBeforeShow", 0}}}};
    concert = std::to_string(f.CreateConcert(o));
    fan = SignupAndLogin(f.port(), "fan@x.io");
  }
  // The provider's notices go to this server (its port changes when it restarts).
  void PointWebhook() {
    HttpClient http(pg.port());
    auto r = http.Request("PUT", "/v1/webhook",
                          "{\"url\":\"http://127.0.0.1:" + std::to_string(f.port()) +
                              "/api/webhooks/deposits\",\"secret\":\"" + kSecret + "\"}",
                          {{"Content-Type", "application/json"}});
    REQUIRE(r.status == 200);
  }
  struct Transfer {
    int64_t reservation = 0, payment = 0, amount = 0;
    std::string account;
  };
  // Holds `seat` and pays by bank transfer; waits for its virtual account.
  Transfer Start(int seat) {
    Transfer t;
    auto held = f.http.Post("/api/v1/concerts/" + concert + "/reservations",
                            "{\"seatIds\":[" + std::to_string(seat) + "]}", fan);
    REQUIRE(held.status == 201);
    t.reservation = Int(held.Json(), "id");
    t.amount = Int(held.Json(), "amount");
    reservations.push_back(t.reservation);
    auto paid = f.http.Post("/api/payments",
                            "{\"reservationId\":" + std::to_string(t.reservation) +
                                ",\"method\":\"BANK_TRANSFER\"}",
                            fan, {{"Idempotency-Key", "bt-" + std::to_string(seat)}});
    REQUIRE(paid.status == 202);
    t.payment = Int(paid.Json(), "id");
    const json::value p = Until([&](const json::value& v) { return Str(v, "status") == "AWAITING_DEPOSIT"; },
                                "/api/payments/" + std::to_string(t.payment));
    t.account = Str(p.at("virtualAccount"), "accountNumber");
    CHECK(Int(p.at("virtualAccount"), "amount") == t.amount);
    CHECK_FALSE(Str(p.at("virtualAccount"), "bank").empty());
    auto r = f.http.Get("/api/reservations/" + std::to_string(t.reservation), fan).Json();
    CHECK(Str(r, "status") == "AWAITING_DEPOSIT");
    CHECK(Str(r.at("virtualAccount"), "accountNumber") == t.account);
    return t;
  }
  HttpResult Deposit(const Transfer& t, int64_t amount, int delay_ms = 0) {
    HttpClient http(pg.port());
    return http.Post("/v1/virtual-accounts/" + t.account + "/deposits",
                     "{\"amount\":" + std::to_string(amount) + ",\"notifyDelayMs\":" +
                         std::to_string(delay_ms) + "}");
  }
  // Polls `path` (as the fan) until `done` holds; returns the last answer.
  json::value Until(const std::function<bool(const json::value&)>& done, const std::string& path,
                    int tries = 300) {
    json::value last;
    for (int i = 0; i < tries; ++i) {
      HttpClient http(f.port());
      auto r = http.Get(path, fan);
      if (r.status == 200) {
        last = r.Json();
        if (done(last)) return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL(path << " never got there; last seen " << json::serialize(last));
    return last;
  }
  json::value Payment(const Transfer& t, const std::string& status, bool refund_settled = false) {
    return Until(
        [&](const json::value& v) {
          return Str(v, "status") == status &&
                 (!refund_settled ||
                  (v.as_object().contains("refund") && v.at("refund").at("settled").as_bool()));
        },
        "/api/payments/" + std::to_string(t.payment));
  }
  std::string ReservationStatus(const Transfer& t) {
    return Str(f.http.Get("/api/reservations/" + std::to_string(t.reservation), fan).Json(), "status");
  }
  void CheckMoneyAndReplay() {
    int64_t confirmed = 0;
    for (int64_t id : reservations) {
      auto r = f.http.Get("/api/reservations/" + std::to_string(id), f.admin).Json();
      if (Str(r, "status") == "CONFIRMED") confirmed += Int(r, "amount");
    }
    auto ledger = pg.Ledger();
    CHECK(Int(ledger, "captured") - Int(ledger, "refunded") == confirmed);
    CHECK(f.server->Terminate() == 0);
    const std::string verify =
        ReplayBinary() + " --data " + f.data_dir() + " --verify > /dev/null 2>&1";
    CHECK(std::system(verify.c_str()) == 0);
  }

  TempDir pg_dir;
  FakePgProcess pg;
  ApiFixture f;
  std::string concert, fan;
  std::vector<int64_t> reservations;
};

std::string Code(const HttpResult& r) { return Str(r.Json(), "code"); }

}  // namespace

TEST_CASE("bank transfers: in time, another amount, a missed deadline, a late deposit") {
  BankWorld w;
  auto view = w.f.http.Get("/api/concerts/" + w.concert).Json();
  CHECK(Int(view.at("bankTransfer"), "depositWindowSeconds") == kWindowSeconds);

  const auto in_time = w.Start(0);
  const auto wrong = w.Start(1);
  const auto missed = w.Start(2);
  const auto late = w.Start(3);
  REQUIRE(w.Deposit(in_time, in_time.amount).status == 200);
  REQUIRE(w.Deposit(wrong, wrong.amount - 1'000).status == 200);
  // The bank took it in time; its notice comes after the deadline.
  REQUIRE(w.Deposit(late, late.amount, (kWindowSeconds + 2) * 1000).status == 200);
  // An account takes one deposit.
  auto again = w.Deposit(in_time, in_time.amount);
  CHECK(again.status == 409);

  const json::value paid = w.Payment(in_time, "SUCCEEDED");
  CHECK(w.ReservationStatus(in_time) == "CONFIRMED");
  auto tickets = w.f.http.Get("/api/users/me/tickets", w.fan).Json();
  CHECK(tickets.at("tickets").as_array().size() == 1);

  const json::value refunded = w.Payment(wrong, "FAILED", true);
  CHECK(Int(refunded.at("refund"), "amount") == wrong.amount - 1'000);
  CHECK(w.ReservationStatus(wrong) == "CANCELLED");

  const json::value expired = w.Payment(missed, "FAILED");
  bool deadline = false;
  for (const auto& h : expired.at("history").as_array())
    deadline |= h.as_object().contains("detail") && Str(h, "detail") == "DEPOSIT_DEADLINE_PASSED";
  CHECK(deadline);
  CHECK(w.ReservationStatus(missed) == "CANCELLED");
  // Its seat is on sale again: someone else holds it.
  const std::string other = SignupAndLogin(w.f.port(), "other@x.io");
  CHECK(w.f.http.Post("/api/v1/concerts/" + w.concert + "/reservations", R"({"seatIds":[2]})", other)
            .status == 201);

  const json::value late_back = w.Payment(late, "FAILED", true);
  CHECK(Int(late_back.at("refund"), "amount") == late.amount);
  bool late_reason = false;
  for (const auto& h : late_back.at("history").as_array())
    late_reason |= h.as_object().contains("detail") && Str(h, "detail") == "LATE_DEPOSIT";
  CHECK(late_reason);
  w.CheckMoneyAndReplay();
}

TEST_CASE("forged, stale and malformed deposit notices are refused before anything") {
  BankWorld w;
  const auto t = w.Start(0);
  const int64_t now = NowMs();
  const std::string body = "{\"key\":\"cm-pay-" + std::to_string(t.payment) + "\",\"amount\":" +
                           std::to_string(t.amount) + ",\"depositId\":\"forged-1\",\"depositedAt\":" +
                           std::to_string(now) + "}";
  REQUIRE(sodium_init() >= 0);
  auto send = [&](const std::string& signature, const std::string& payload) {
    return w.f.http.Request("POST", "/api/webhooks/deposits", payload,
                            {{"Content-Type", "application/json"}, {"CM-Signature", signature}});
  };
  auto forged = send(cm::auth::SignDepositNotice("not-the-secret", now, body), body);
  CHECK(forged.status == 401);
  CHECK(Code(forged) == "WEBHOOK_SIGNATURE_INVALID");
  // Signed for another body: the amount changed on the way.
  auto altered = send(cm::auth::SignDepositNotice(kSecret, now, body),
                      "{\"key\":\"cm-pay-" + std::to_string(t.payment) +
                          "\",\"amount\":1,\"depositId\":\"forged-1\",\"depositedAt\":" +
                          std::to_string(now) + "}");
  CHECK(altered.status == 401);
  auto stale = send(cm::auth::SignDepositNotice(kSecret, now - 10 * 60'000, body), body);
  CHECK(stale.status == 401);
  CHECK(Code(stale) == "WEBHOOK_SIGNATURE_EXPIRED");
  auto malformed = send("t=abc,v1=zz", body);
  CHECK(malformed.status == 400);
  CHECK(Code(malformed) == "WEBHOOK_SIGNATURE_MALFORMED");
  auto unsigned_ = w.f.http.Request("POST", "/api/webhooks/deposits", body,
                                    {{"Content-Type", "application/json"}});
  CHECK(unsigned_.status == 400);
  // Nothing reached the engine: still waiting for the money.
  CHECK(Str(w.f.http.Get("/api/payments/" + std::to_string(t.payment), w.fan).Json(), "status") ==
        "AWAITING_DEPOSIT");
  // A genuine notice (as the provider signs it) is taken, and sent again counts once.
  auto genuine = send(cm::auth::SignDepositNotice(kSecret, now, body), body);
  CHECK(genuine.status == 200);
  auto repeated = send(cm::auth::SignDepositNotice(kSecret, NowMs(), body), body);
  CHECK(repeated.status == 200);
  CHECK(Str(repeated.Json(), "result") == "DuplicateCommand");
  w.Payment(t, "SUCCEEDED");
}

TEST_CASE("a crash between the deposit and its confirmation: the notice comes again and confirms") {
  BankWorld w;
  const auto t = w.Start(0);
  w.f.server->Kill();
  REQUIRE(w.Deposit(t, t.amount).status == 200);  // the notice finds nobody, and is kept
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  w.f.Restart(false);
  w.PointWebhook();
  w.fan = Login(w.f.port(), "fan@x.io", "password-123");
  w.Payment(t, "SUCCEEDED");
  CHECK(w.ReservationStatus(t) == "CONFIRMED");
  w.CheckMoneyAndReplay();
}
