// Tickets and the door over real TCP against the real server (and concertmania-fakepg as the
// payment provider): tickets after paying, their codes and QR codes, check-in exactly once
// (also with 16 scanners racing three gates per ticket), tampered codes, transfer, cancellation
// with a refund less the fee, hold extension, offline scans and their conflicts, and the
// offline tools (`concertmania tickets export` / `verify`).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include "tests/server/api_fixture.h"
#include "tests/support/fakepg_process.h"
#include "tickets/signing_key.h"
#include "tickets/ticket_code.h"

using namespace cm::test;

namespace {

// A concert whose doors are open now, refundable until an hour before the show (10% fee).
ConcertOptions DoorOptions(int rows = 4, int seats_per_row = 10, int max_per_user = 4) {
  ConcertOptions o;
  o.rows = rows;
  o.seats_per_row = seats_per_row;
  o.max_seats_per_user = max_per_user;
  o.extra = json::object{{"doorsOpenAt", NowMs() - 60'000},
                         {"refundPolicy", json::object{{"deadlineHours", 1}, {"feePercent", 10}}},
                         {"holdExtensionSeconds", 120}};
  return o;
}

struct DoorWorld {
  DoorWorld()
      : pg(pg_dir.path() + "/fakepg.port"),
        f({"--payment-provider-url", pg.url(), "--payment-retry-base-ms", "100"}) {
    concert = f.CreateConcert(DoorOptions());
    auto made = f.http.Post("/api/admin/users",
                            json::serialize(json::object{{"email", "door@x.io"},
                                                         {"password", "door-password"},
                                                         {"name", "Door"},
                                                         {"role", "STAFF"}}),
                            f.admin);
    REQUIRE_MESSAGE(made.status == 201, made.body);
    CHECK(Str(made.Json(), "role") == "STAFF");
    staff = Login(f.port(), "door@x.io", "door-password");
  }
  int64_t Hold(const std::string& token, const std::string& seats, uint64_t on = 0) {
    auto r = f.http.Post("/api/v1/concerts/" + std::to_string(on ? on : concert) + "/reservations",
                         "{\"seatIds\":" + seats + "}", token);
    REQUIRE_MESSAGE(r.status == 201, r.body);
    return Int(r.Json(), "id");
  }
  // Holds and pays; returns the reservation once CONFIRMED.
  int64_t Buy(const std::string& token, const std::string& seats) {
    const int64_t r = Hold(token, seats);
    auto paid = f.http.Post("/api/payments",
                            "{\"reservationId\":" + std::to_string(r) + ",\"method\":\"CARD\"}",
                            token, {{"Idempotency-Key", "pay-" + std::to_string(r)}});
    REQUIRE_MESSAGE(paid.status == 202, paid.body);
    for (int i = 0; i < 200; ++i) {
      auto res = f.http.Get("/api/reservations/" + std::to_string(r), token);
      if (Str(res.Json(), "status") == "CONFIRMED") return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    FAIL("reservation " << r << " was never confirmed");
    return r;
  }
  json::array Tickets(const std::string& token) {
    auto r = f.http.Get("/api/users/me/tickets", token);
    REQUIRE(r.status == 200);
    return r.Json().at("tickets").as_array();
  }
  json::value Scan(const std::string& code, const std::string& gate, uint64_t at = 0,
                   const std::string& token = "") {
    auto r = f.http.Post("/api/checkin",
                         json::serialize(json::object{{"code", code},
                                                      {"gate", gate},
                                                      {"concertId", at ? at : concert}}),
                         token.empty() ? staff : token);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    return r.Json();
  }

  TempDir pg_dir;
  FakePgProcess pg;
  ApiFixture f;
  uint64_t concert = 0;
  std::string staff;
};

std::string Result(const json::value& v) { return Str(v, "result"); }

cm::tickets::PublicKey ServerKey(DoorWorld& w) {
  auto r = w.f.http.Get("/api/tickets/public-key");
  REQUIRE(r.status == 200);
  CHECK(Str(r.Json(), "algorithm") == "Ed25519");
  auto key = cm::tickets::ParsePublicKey(Str(r.Json(), "publicKey"));
  REQUIRE(key.has_value());
  return *key;
}

}  // namespace

TEST_CASE("paying issues a ticket per seat: listed with a signed code and a QR code, private "
          "to the holder") {
  DoorWorld w;
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  const std::string b = SignupAndLogin(w.f.port(), "b@x.io");
  const int64_t r = w.Buy(a, "[3,4]");
  const json::array mine = w.Tickets(a);
  REQUIRE(mine.size() == 2);
  const cm::tickets::PublicKey key = ServerKey(w);
  for (const auto& t : mine) {
    CHECK(Int(t, "reservationId") == r);
    CHECK(Str(t, "status") == "VALID");
    CHECK(Int(t, "version") == 1);
    const auto claim = cm::tickets::VerifyTicketCode(Str(t, "code"), key);
    REQUIRE(claim.has_value());
    CHECK(claim->ticket == static_cast<uint64_t>(Int(t, "id")));
    CHECK(claim->concert == w.concert);
    CHECK(claim->seat == static_cast<uint32_t>(Int(t.at("seat"), "id")));
  }
  const std::string id = std::to_string(Int(mine[0], "id"));
  auto one = w.f.http.Get("/api/tickets/" + id, a);
  CHECK(one.status == 200);
  CHECK(Str(one.Json(), "code") == Str(mine[0], "code"));  // deterministic signatures
  auto qr = w.f.http.Get("/api/tickets/" + id + "/qr.svg", a);
  CHECK(qr.status == 200);
  CHECK(qr.Header("content-type") == "image/svg+xml");
  CHECK(qr.body.find("<svg") == 0);
  // Someone else's ticket looks exactly like a missing one.
  CHECK(w.f.http.Get("/api/tickets/" + id, b).status == 404);
  CHECK(w.f.http.Get("/api/tickets/" + id + "/qr.svg", b).status == 404);
  CHECK(w.f.http.Get("/api/tickets/999999", a).status == 404);
  CHECK(w.Tickets(b).empty());
  CHECK(w.f.http.Get("/api/users/me/tickets").status == 401);
}

TEST_CASE("check-in: ADMITTED once, then ALREADY_USED with the first gate; staff only; "
          "every flipped byte and a foreign key are INVALID_TICKET") {
  DoorWorld w;
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  w.Buy(a, "[5]");
  const std::string code = Str(w.Tickets(a)[0], "code");
  // Not door staff.
  auto user_scan = w.f.http.Post("/api/checkin",
                                 json::serialize(json::object{{"code", code},
                                                              {"gate", "A"},
                                                              {"concertId", w.concert}}),
                                 a);
  CHECK(user_scan.status == 403);
  // Tampering: each character of the code changed, one at a time.
  int refused = 0;
  for (std::size_t i = 0; i < code.size(); ++i) {
    std::string bad = code;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    refused += Result(w.Scan(bad, "North")) == "INVALID_TICKET" ? 1 : 0;
  }
  CHECK(refused == static_cast<int>(code.size()));
  const auto other = cm::tickets::SigningKey::Generate();
  const auto claim = cm::tickets::VerifyTicketCode(code, ServerKey(w));
  REQUIRE(claim.has_value());
  CHECK(Result(w.Scan(cm::tickets::EncodeTicketCode(*claim, other), "North")) == "INVALID_TICKET");
  CHECK(Result(w.Scan("not a code", "North")) == "INVALID_TICKET");
  // None of that reached the door's state: the real code is admitted now, once.
  const json::value first = w.Scan(code, "North");
  CHECK(Result(first) == "ADMITTED");
  CHECK(Str(first.at("seat"), "section") == "S1");
  const json::value second = w.Scan(code, "South");
  CHECK(Result(second) == "ALREADY_USED");
  CHECK(Str(second, "firstGate") == "North");
  CHECK(Str(second, "firstScanAt") == Str(first, "at"));
  CHECK(Str(w.Tickets(a)[0], "status") == "CHECKED_IN");
  // The wrong concert's gate.
  const uint64_t elsewhere = w.f.CreateConcert(DoorOptions());
  CHECK(Result(w.Scan(code, "North", elsewhere)) == "WRONG_CONCERT");
  // Metrics count admissions per gate and refusals per reason.
  const std::string metrics = w.f.http.Get("/metrics").body;
  CHECK(metrics.find("cm_checkins_total{gate=\"North\"} 1") != std::string::npos);
  CHECK(metrics.find("cm_checkin_rejections_total{reason=\"ALREADY_USED\"} 1") !=
        std::string::npos);
}

TEST_CASE("check-in before the doors open is NOT_OPEN_YET") {
  DoorWorld w;
  ConcertOptions later = DoorOptions();
  later.extra["doorsOpenAt"] = NowMs() + 3'600'000;
  const uint64_t concert = w.f.CreateConcert(later);
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  const int64_t r = w.Hold(a, "[0]", concert);
  CHECK(w.f.http.Post("/api/admin/reservations/" + std::to_string(r) + "/confirm", "", w.f.admin)
            .status == 200);
  const json::value answer = w.Scan(Str(w.Tickets(a)[0], "code"), "Gate 1", concert);
  CHECK(Result(answer) == "NOT_OPEN_YET");
  CHECK(answer.as_object().contains("doorsOpenAt"));
}

TEST_CASE("16 scanners, 1,000 tickets, each scanned by 3 gates at once: exactly 1,000 ADMITTED") {
  DoorWorld w;
  const uint64_t concert = w.f.CreateConcert(DoorOptions(16, 64, 64));
  const auto buyers = MakeUsers(w.f, 16, "fan");
  // Each buyer holds 64 seats (four holds of 16); an admin confirms them (the box office).
  int seat = 0;
  for (const std::string& token : buyers) {
    for (int h = 0; h < 4; ++h) {
      std::string seats = "[";
      for (int k = 0; k < 16; ++k) seats += (k ? "," : "") + std::to_string(seat++);
      const int64_t r = w.Hold(token, seats + "]", concert);
      REQUIRE(w.f.http.Post("/api/admin/reservations/" + std::to_string(r) + "/confirm", "",
                            w.f.admin)
                  .status == 200);
    }
  }
  std::vector<std::string> codes;
  for (const std::string& token : buyers)
    for (const auto& t : w.Tickets(token)) codes.push_back(Str(t, "code"));
  REQUIRE(codes.size() == 1024);
  codes.resize(1000);
  // Scan k of ticket i goes to scanner (3i + k) mod 16, at the same place in each queue, so
  // the three scans of a ticket are in flight together.
  constexpr int kScanners = 16;
  std::vector<std::vector<std::pair<std::string, std::string>>> queues(kScanners);
  for (std::size_t i = 0; i < codes.size(); ++i)
    for (int k = 0; k < 3; ++k)
      queues[(3 * i + k) % kScanners].emplace_back(codes[i], "Gate " + std::to_string(k));
  std::atomic<int> admitted{0}, used{0}, other{0};
  std::vector<std::thread> scanners;
  for (int s = 0; s < kScanners; ++s)
    scanners.emplace_back([&, s] {
      HttpClient http(w.f.port());
      for (const auto& [code, gate] : queues[s]) {
        auto r = http.Post("/api/checkin",
                           json::serialize(json::object{
                               {"code", code}, {"gate", gate}, {"concertId", concert}}),
                           w.staff);
        const std::string result = r.status == 200 ? Str(r.Json(), "result") : "HTTP";
        (result == "ADMITTED" ? admitted : result == "ALREADY_USED" ? used : other)++;
      }
    });
  for (auto& t : scanners) t.join();
  CHECK(admitted == 1000);
  CHECK(used == 2000);
  CHECK(other == 0);
}

TEST_CASE("a transfer is an offer the recipient accepts; then the ticket is theirs and the old "
          "code is revoked") {
  DoorWorld w;
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  const std::string b = SignupAndLogin(w.f.port(), "b@x.io");
  w.Buy(a, "[6]");
  const json::value before = w.Tickets(a)[0];
  const std::string id = std::to_string(Int(before, "id"));
  auto offered = w.f.http.Post("/api/tickets/" + id + "/transfer", "{\"email\":\"B@x.io\"}", a);
  REQUIRE_MESSAGE(offered.status == 202, offered.body);
  CHECK(Str(offered.Json(), "status") == "OFFERED");
  CHECK(Str(offered.Json(), "to") == "b@x.io");
  // Still Alice's until Bob takes it; she sees the pending offer, he sees it offered to him.
  REQUIRE(w.Tickets(a).size() == 1);
  CHECK(Str(w.Tickets(a)[0].at("offer"), "to") == "b@x.io");
  auto offers = w.f.http.Get("/api/users/me/transfers", b);
  REQUIRE(offers.status == 200);
  const json::array to_bob = offers.Json().at("offers").as_array();
  REQUIRE(to_bob.size() == 1);
  CHECK(Int(to_bob[0], "ticketId") == Int(before, "id"));
  CHECK(Str(to_bob[0], "from") == "a@x.io");
  CHECK(w.f.http.Get("/api/users/me/transfers", a).Json().at("offers").as_array().empty());
  CHECK(w.f.http.Post("/api/tickets/" + id + "/transfer/accept", "", a).status == 404);
  auto moved = w.f.http.Post("/api/tickets/" + id + "/transfer/accept", "", b);
  REQUIRE_MESSAGE(moved.status == 200, moved.body);
  CHECK(Int(moved.Json(), "version") == 2);
  CHECK(Str(moved.Json(), "status") == "TRANSFERRED");
  CHECK(w.Tickets(a).empty());
  const json::array theirs = w.Tickets(b);
  REQUIRE(theirs.size() == 1);
  CHECK(Str(theirs[0], "code") != Str(before, "code"));
  const json::value stale = w.Scan(Str(before, "code"), "North");
  CHECK(Result(stale) == "REVOKED");
  CHECK(Result(w.Scan(Str(theirs[0], "code"), "North")) == "ADMITTED");
  // Refusals, each with its own answer.
  auto again = w.f.http.Post("/api/tickets/" + id + "/transfer", "{\"email\":\"a@x.io\"}", a);
  CHECK(again.status == 404);  // not Alice's any more
  auto used = w.f.http.Post("/api/tickets/" + id + "/transfer", "{\"email\":\"a@x.io\"}", b);
  CHECK(used.status == 409);
  CHECK(Str(used.Json(), "code") == "TICKET_CHECKED_IN");
  w.Buy(a, "[7]");
  const std::string id2 = std::to_string(Int(w.Tickets(a)[0], "id"));
  auto bad = w.f.http.Post("/api/tickets/" + id2 + "/transfer", "{\"email\":\"nope\"}", a);
  CHECK(bad.status == 422);
  auto mine = w.f.http.Post("/api/tickets/" + id2 + "/transfer", "{\"email\":\"a@x.io\"}", a);
  CHECK(mine.status == 422);
  // Bob declines an offer; Alice withdraws another; neither can be accepted afterwards.
  w.f.http.Post("/api/tickets/" + id2 + "/transfer", "{\"email\":\"b@x.io\"}", a);
  auto declined = w.f.http.Post("/api/tickets/" + id2 + "/transfer/cancel", "", b);
  REQUIRE_MESSAGE(declined.status == 200, declined.body);
  CHECK(Str(declined.Json(), "status") == "OFFER_ENDED");
  auto gone = w.f.http.Post("/api/tickets/" + id2 + "/transfer/accept", "", b);
  CHECK(gone.status == 404);
  CHECK(Str(gone.Json(), "code") == "NO_TRANSFER_OFFER");
  w.f.http.Post("/api/tickets/" + id2 + "/transfer", "{\"email\":\"b@x.io\"}", a);
  CHECK(w.f.http.Post("/api/tickets/" + id2 + "/transfer/cancel", "", a).status == 200);
  CHECK(w.f.http.Post("/api/tickets/" + id2 + "/transfer/accept", "", b).status == 404);
  CHECK(w.f.http.Post("/api/tickets/" + id2 + "/transfer/cancel", "", a).status == 404);
}

TEST_CASE("a transfer answers the same whether or not the email is registered (no account "
          "oracle), and an offer waits for the account that registers it") {
  DoorWorld w;
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  SignupAndLogin(w.f.port(), "b@x.io");
  w.Buy(a, "[8]");
  w.Buy(a, "[9]");
  const json::array mine = w.Tickets(a);
  const std::string t1 = std::to_string(Int(mine[0], "id"));
  const std::string t2 = std::to_string(Int(mine[1], "id"));
  auto known = w.f.http.Post("/api/tickets/" + t1 + "/transfer", "{\"email\":\"b@x.io\"}", a);
  auto unknown =
      w.f.http.Post("/api/tickets/" + t2 + "/transfer", "{\"email\":\"later@x.io\"}", a);
  CHECK(known.status == unknown.status);
  CHECK(known.status == 202);
  // The bodies differ only in the ticket and the address the caller sent.
  auto strip = [](std::string body, const std::string& ticket, const std::string& email) {
    body.replace(body.find(ticket), ticket.size(), "T");
    body.replace(body.find(email), email.size(), "E");
    return body;
  };
  CHECK(strip(known.body, t1, "b@x.io") == strip(unknown.body, t2, "later@x.io"));
  for (const auto& [name, value] : known.headers)
    if (name != "date" && name != "content-length" && name != "cm-seq" && name != "x-request-id")
      CHECK_MESSAGE(unknown.Header(name) == value, name);
  // Whoever registers that email later finds the offer and takes the ticket.
  const std::string later = SignupAndLogin(w.f.port(), "later@x.io");
  auto offers = w.f.http.Get("/api/users/me/transfers", later).Json().at("offers").as_array();
  REQUIRE(offers.size() == 1);
  CHECK(std::to_string(Int(offers[0], "ticketId")) == t2);
  REQUIRE(w.f.http.Post("/api/tickets/" + t2 + "/transfer/accept", "", later).status == 200);
  REQUIRE(w.Tickets(later).size() == 1);
  CHECK(Result(w.Scan(Str(w.Tickets(later)[0], "code"), "North")) == "ADMITTED");
}

TEST_CASE("cancelling a paid reservation refunds the amount less the fee at the provider, "
          "returns the seats and revokes the tickets") {
  DoorWorld w;
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  const int64_t r = w.Buy(a, "[0,1]");  // VIP, 150,000 each
  const std::string code = Str(w.Tickets(a)[0], "code");
  auto cancelled = w.f.http.Post("/api/reservations/" + std::to_string(r) + "/cancel", "", a);
  REQUIRE_MESSAGE(cancelled.status == 200, cancelled.body);
  CHECK(Int(cancelled.Json(), "refund") == 270'000);
  CHECK(Int(cancelled.Json(), "fee") == 30'000);
  CHECK(Str(w.f.http.Get("/api/reservations/" + std::to_string(r), a).Json(), "status") ==
        "REFUNDED");
  CHECK(Result(w.Scan(code, "North")) == "REVOKED");
  for (int i = 0; i < 200 && Int(w.pg.Ledger(), "refunded") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  // captured - refunded = the CONFIRMED reservations' value plus the fees kept.
  const json::value ledger = w.pg.Ledger();
  CHECK(Int(ledger, "captured") == 300'000);
  CHECK(Int(ledger, "refunded") == 270'000);
  // The seats are for sale again; a second cancel is refused.
  const std::string b = SignupAndLogin(w.f.port(), "b@x.io");
  w.Hold(b, "[0,1]");
  auto twice = w.f.http.Post("/api/reservations/" + std::to_string(r) + "/cancel", "", a);
  CHECK(twice.status == 409);
  CHECK(Str(twice.Json(), "code") == "RESERVATION_NOT_CONFIRMED");
  // Once a ticket is used, no refund.
  const int64_t r2 = w.Buy(a, "[8]");
  w.Scan(Str(w.Tickets(a)[0], "code"), "North");
  auto used = w.f.http.Post("/api/reservations/" + std::to_string(r2) + "/cancel", "", a);
  CHECK(used.status == 409);
  CHECK(Str(used.Json(), "code") == "TICKET_CHECKED_IN");
  CHECK(w.f.server->Terminate() == 0);
  CHECK(std::system((ReplayBinary() + " --data " + w.f.data_dir() + " --verify > /dev/null 2>&1")
                        .c_str()) == 0);
}

TEST_CASE("cancelling after the refund deadline is refused, naming it") {
  DoorWorld w;
  ConcertOptions strict = DoorOptions();
  strict.extra["refundPolicy"] = json::object{{"deadlineHours", 48}, {"feePercent", 10}};
  const uint64_t concert = w.f.CreateConcert(strict);
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  const int64_t r = w.Hold(a, "[0]", concert);
  w.f.http.Post("/api/admin/reservations/" + std::to_string(r) + "/confirm", "", w.f.admin);
  auto late = w.f.http.Post("/api/reservations/" + std::to_string(r) + "/cancel", "", a);
  CHECK(late.status == 409);
  CHECK(Str(late.Json(), "code") == "REFUND_DEADLINE_PASSED");
}

TEST_CASE("a hold is extended once, by the concert's extension") {
  DoorWorld w;
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  const int64_t r = w.Hold(a, "[9]");
  const std::string path = "/api/reservations/" + std::to_string(r);
  const std::string before = Str(w.f.http.Get(path, a).Json(), "expiresAt");
  auto extended = w.f.http.Post(path + "/extend", "", a);
  REQUIRE_MESSAGE(extended.status == 200, extended.body);
  CHECK(Str(extended.Json(), "expiresAt") > before);
  auto twice = w.f.http.Post(path + "/extend", "", a);
  CHECK(twice.status == 409);
  CHECK(Str(twice.Json(), "code") == "HOLD_ALREADY_EXTENDED");
  const std::string b = SignupAndLogin(w.f.port(), "b@x.io");
  CHECK(w.f.http.Post(path + "/extend", "", b).status == 404);
}

TEST_CASE("offline scans: uploaded later, recorded with their time; two gates that let the same "
          "ticket in are a conflict that survives a restart") {
  DoorWorld w;
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  w.Buy(a, "[2,3]");
  const json::array mine = w.Tickets(a);
  const std::string c0 = Str(mine[0], "code"), c1 = Str(mine[1], "code");
  const int64_t t = NowMs() - 5000;
  auto sync = [&](const std::string& gate, json::array scans) {
    auto r = w.f.http.Post("/api/checkin/sync",
                           json::serialize(json::object{
                               {"concertId", w.concert}, {"gate", gate}, {"scans", scans}}),
                           w.staff);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    return r.Json();
  };
  const json::value east = sync("East", json::array{json::object{{"code", c0}, {"scannedAt", t}},
                                                   json::object{{"code", "junk"}, {"scannedAt", t}}});
  CHECK(Int(east, "recorded") == 1);
  CHECK(Str(east.at("results").at(0), "result") == "RECORDED");
  CHECK(Str(east.at("results").at(1), "result") == "INVALID_TICKET");
  // The same upload again changes nothing.
  CHECK(Str(sync("East", json::array{json::object{{"code", c0}, {"scannedAt", t}}})
                .at("results")
                .at(0),
            "result") == "SCAN_ALREADY_RECORDED");
  const json::value west =
      sync("West", json::array{json::object{{"code", c0}, {"scannedAt", t + 100}},
                               json::object{{"code", c1}, {"scannedAt", t + 200}}});
  CHECK(Int(west, "conflicts") == 1);
  CHECK(Str(west.at("results").at(0), "result") == "CONFLICT");
  CHECK(Str(west.at("results").at(0), "firstGate") == "East");
  CHECK(Str(west.at("results").at(1), "result") == "RECORDED");
  w.f.Restart(false);
  w.staff = Login(w.f.port(), "door@x.io", "door-password");
  auto listed = w.f.http.Get("/api/checkin/conflicts?concert=" + std::to_string(w.concert), w.staff);
  REQUIRE(listed.status == 200);
  const json::array conflicts = listed.Json().at("conflicts").as_array();
  REQUIRE(conflicts.size() == 1);
  CHECK(Str(conflicts[0], "gate") == "West");
  CHECK(Str(conflicts[0], "firstGate") == "East");
  CHECK(w.f.http.Get("/api/checkin/conflicts", a).status == 403);

  // A gate that retries its upload adds nothing, however often.
  const json::array west_scans{json::object{{"code", c0}, {"scannedAt", t + 100}}};
  for (int i = 0; i < 30; ++i) {
    const json::value again = sync("West", west_scans);
    CHECK(Int(again, "conflicts") == 0);
    CHECK(Str(again.at("results").at(0), "result") == "SCAN_ALREADY_RECORDED");
  }
  const std::string list = "/api/checkin/conflicts?concert=" + std::to_string(w.concert);
  CHECK(Int(w.f.http.Get(list, w.staff).Json(), "total") == 1);

  // 25 distinct scans from a named scanner: 26 conflicts, listed a page at a time.
  json::array north;
  for (int i = 0; i < 25; ++i) north.push_back(json::object{{"code", c0}, {"scannedAt", t + 300 + i}});
  auto named = w.f.http.Post("/api/checkin/sync",
                             json::serialize(json::object{{"concertId", w.concert},
                                                          {"gate", "North"},
                                                          {"device", "handheld-7"},
                                                          {"scans", north}}),
                             w.staff);
  REQUIRE(named.status == 200);
  CHECK(Int(named.Json(), "conflicts") == 25);
  const json::value first_page = w.f.http.Get(list, w.staff).Json();
  CHECK(Int(first_page, "total") == 26);
  CHECK(first_page.at("conflicts").as_array().size() == 20);  // the default page size
  const json::value last_page = w.f.http.Get(list + "&page=2&size=10", w.staff).Json();
  const json::array& rest = last_page.at("conflicts").as_array();
  REQUIRE(rest.size() == 6);
  CHECK(Str(rest[5], "device") == "handheld-7");
  CHECK(Str(rest[5], "gate") == "North");
  CHECK(w.f.http.Get("/api/checkin/conflicts?size=101", w.staff).status == 422);
  CHECK(Int(w.f.http.Get("/api/checkin/conflicts?concert=999999", w.staff).Json(), "total") == 0);
}

TEST_CASE("the offline door: export a bundle, verify codes with no server") {
  DoorWorld w;
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  const std::string b = SignupAndLogin(w.f.port(), "b@x.io");
  w.Buy(a, "[0]");
  w.Buy(a, "[1]");
  const json::array mine = w.Tickets(a);
  const std::string good = Str(mine[0], "code"), moved = Str(mine[1], "code");
  const std::string given = std::to_string(Int(mine[1], "id"));
  w.f.http.Post("/api/tickets/" + given + "/transfer", "{\"email\":\"b@x.io\"}", a);
  REQUIRE(w.f.http.Post("/api/tickets/" + given + "/transfer/accept", "", b).status == 200);
  // The running server serves the bundle too.
  auto served = w.f.http.Get("/api/checkin/bundle?concert=" + std::to_string(w.concert), w.staff);
  CHECK(served.status == 200);
  CHECK(served.Json().at("tickets").as_array().size() == 2);
  const auto claim = cm::tickets::VerifyTicketCode(good, ServerKey(w));
  REQUIRE(claim.has_value());
  const std::string foreign =
      cm::tickets::EncodeTicketCode(*claim, cm::tickets::SigningKey::Generate());
  REQUIRE(w.f.server->Terminate() == 0);
  const std::string bundle = w.f.dir.path() + "/door.json";
  const std::string tool = ServerBinary() + " tickets ";
  REQUIRE(std::system((tool + "export --data " + w.f.data_dir() + " --concert " +
                       std::to_string(w.concert) + " --out " + bundle)
                          .c_str()) == 0);
  auto verify = [&](const std::string& code) {
    const std::string cmd = tool + "verify '" + code + "' --bundle " + bundle + " > " +
                            w.f.dir.path() + "/verdict.json 2>/dev/null";
    const int rc = std::system(cmd.c_str());
    std::ifstream in(w.f.dir.path() + "/verdict.json");
    std::string line;
    std::getline(in, line);
    return std::make_pair(WEXITSTATUS(rc), line);
  };
  CHECK(verify(good).first == 0);
  CHECK(verify(good).second.find("\"ADMITTED\"") != std::string::npos);
  CHECK(verify(moved).second.find("\"REVOKED\"") != std::string::npos);
  CHECK(verify(moved).first == 2);
  CHECK(verify(foreign).second.find("\"INVALID_TICKET\"") != std::string::npos);
  int refused = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    const auto [rc, verdict] = verify(bad);
    refused += rc == 2 && verdict.find("\"INVALID_TICKET\"") != std::string::npos ? 1 : 0;
  }
  CHECK(refused == static_cast<int>(good.size()));
}

TEST_CASE("SIGKILL between the refund call and its report: after the restart the cancellation's "
          "refund completes exactly once") {
  DoorWorld w;
  const std::string a = SignupAndLogin(w.f.port(), "a@x.io");
  const int64_t r = w.Buy(a, "[20]");  // R, 100,000
  const int64_t payment =
      Int(w.f.http.Get("/api/reservations/" + std::to_string(r), a).Json(), "paymentId");
  // The provider refunds at once and answers after 1.5 s; the server dies before the answer.
  w.pg.Configure(R"({"latencyMinMs":1500,"latencyMaxMs":1500})");
  REQUIRE(w.f.http.Post("/api/reservations/" + std::to_string(r) + "/cancel", "", a).status == 200);
  for (int i = 0; i < 100 && Int(w.pg.Ledger(), "refunds") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(Int(w.pg.Ledger(), "refunds") == 1);
  w.f.Restart(/*crash=*/true);
  w.pg.Configure(R"({"latencyMinMs":0,"latencyMaxMs":0})");
  json::value p;
  for (int i = 0; i < 200; ++i) {
    p = w.f.http.Get("/api/payments/" + std::to_string(payment), a).Json();
    if (p.as_object().contains("refund") && p.at("refund").at("settled").as_bool()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(p.at("refund").at("settled").as_bool());
  CHECK(Int(p.at("refund"), "amount") == 90'000);
  const json::value ledger = w.pg.Ledger();
  CHECK(Int(ledger, "refunds") == 1);  // the resumed call asked again, under the same key
  CHECK(Int(ledger, "refunded") == 90'000);
  CHECK(Int(ledger, "captured") - Int(ledger, "refunded") == 10'000);  // the fee kept
  CHECK(w.f.server->Terminate() == 0);
  CHECK(std::system((ReplayBinary() + " --data " + w.f.data_dir() + " --verify > /dev/null 2>&1")
                        .c_str()) == 0);
}

TEST_CASE("a seat's history lists hold, release, hold, pay and check-in, in order, and outlives a "
          "restart") {
  DoorWorld w;
  auto fans = MakeUsers(w.f, 2, "history-fan");
  const int64_t first = w.Hold(fans[0], "[7]");
  REQUIRE(w.f.http.Delete("/api/reservations/" + std::to_string(first), fans[0]).status == 200);
  w.Buy(fans[1], "[7]");
  const std::string code = Str(w.Tickets(fans[1])[0], "code");
  CHECK(Result(w.Scan(code, "Gate 2")) == "ADMITTED");

  const std::string path = "/api/admin/concerts/" + std::to_string(w.concert) + "/seats/7/history";
  auto kinds_of = [&](const json::value& v) {
    std::vector<std::string> kinds;
    for (const auto& e : v.at("entries").as_array()) kinds.push_back(Str(e, "kind"));
    return kinds;
  };
  const std::vector<std::string> expected{"HOLD", "RELEASE", "HOLD", "PAY", "CHECK_IN"};
  json::value history;
  for (int i = 0; i < 100; ++i) {  // the index follows the journal within a poll or two
    auto r = w.f.http.Get(path, w.f.admin);
    REQUIRE(r.status == 200);
    history = r.Json();
    if (kinds_of(history) == expected) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(kinds_of(history) == expected);
  const auto& entries = history.at("entries").as_array();
  CHECK(Str(entries.at(0).at("user"), "email") == "history-fan0@x.io");
  CHECK(Str(entries.at(3).at("user"), "email") == "history-fan1@x.io");
  CHECK(Str(entries.at(4), "gate") == "Gate 2");
  CHECK(Str(history.at("seat"), "section") == "S1");
  // Paged: two at a time, from where the last page ended.
  auto page = w.f.http.Get(path + "?limit=2", w.f.admin);
  REQUIRE(page.Json().at("entries").as_array().size() == 2);
  const int64_t next = Int(page.Json(), "next");
  auto rest = w.f.http.Get(path + "?after=" + std::to_string(next), w.f.admin);
  CHECK(rest.Json().at("entries").as_array().size() == 3);

  CHECK(w.f.http.Get(path, fans[0]).status == 403);
  CHECK(w.f.http.Get("/api/admin/concerts/" + std::to_string(w.concert) + "/seats/4000/history",
                     w.f.admin).status == 404);
  CHECK(w.f.http.Get("/api/admin/concerts/999999/seats/1/history", w.f.admin).status == 404);
  CHECK(w.f.http.Get("/api/admin/concerts/" + std::to_string(w.concert) + "/seats/x/history",
                     w.f.admin).status == 422);

  w.f.Restart(true);
  auto after = w.f.http.Get(path, w.f.admin);
  REQUIRE(after.status == 200);
  CHECK(kinds_of(after.Json()) == expected);
}
