// The operators' side of the API over real TCP: the venues on record (and a copy made from one
// reads back the same), finding customers and reservations, a customer's page, disabling an
// account (its tokens and its login refused), revoking a ticket and refunding with a reason.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/server/api_fixture.h"

using namespace cm::test;

namespace {

// A stand-in for Prometheus's HTTP API on 127.0.0.1: every request gets `body`.
class FakePrometheus {
 public:
  explicit FakePrometheus(std::string body)
      : body_(std::move(body)),
        acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}),
        thread_([this] { Serve(); }) {}
  ~FakePrometheus() {
    stop_ = true;
    boost::asio::ip::tcp::socket wake(io_);  // unblocks the accept
    boost::system::error_code ec;
    wake.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }

 private:
  void Serve() {
    while (!stop_) {
      boost::asio::ip::tcp::socket s(io_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stop_) return;
      boost::asio::streambuf request;
      boost::asio::read_until(s, request, "\r\n\r\n", ec);
      const std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                                std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
      boost::asio::write(s, boost::asio::buffer(reply), ec);
    }
  }

  std::string body_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::string Path(const std::string& base, uint64_t id, const std::string& rest = "") {
  return base + std::to_string(id) + rest;
}

// Holds `count` seats as `token` and has the admin confirm them; the reservation.
json::value Bought(ApiFixture& f, uint64_t concert, const std::string& token, int count) {
  auto held = f.http.Post(Path("/api/v1/concerts/", concert, "/reservations"),
                          json::serialize(json::object{{"count", count}}), token);
  REQUIRE(held.status == 201);
  const uint64_t id = static_cast<uint64_t>(Int(held.Json(), "id"));
  auto confirmed = f.http.Post(Path("/api/admin/reservations/", id, "/confirm"), "", f.admin);
  REQUIRE(confirmed.status == 200);
  return confirmed.Json();
}

}  // namespace

TEST_CASE("venues are listed with their plan; a copy of one reads back the same") {
  ApiFixture f;
  const uint64_t concert = f.CreateConcert();
  auto fan = MakeUsers(f, 1, "venue-fan");
  CHECK(f.http.Get("/api/admin/venues", fan[0]).status == 403);
  CHECK(f.http.Get("/api/admin/venues").status == 401);

  auto list = f.http.Get("/api/admin/venues?size=5", f.admin);
  REQUIRE(list.status == 200);
  const json::value listed = list.Json();
  REQUIRE(Int(listed, "total") >= 1);
  const json::value& first = listed.at("items").as_array().at(0);
  CHECK(Int(first, "seatCount") == 40);
  CHECK(first.at("layout").at("sections").as_array().size() == 1);
  REQUIRE(first.at("concerts").as_array().size() == 1);
  CHECK(Int(first.at("concerts").as_array().at(0), "id") == static_cast<int64_t>(concert));
  CHECK(Str(first.at("concerts").as_array().at(0), "salesStatus") == "ON_SALE");

  const uint64_t venue = static_cast<uint64_t>(Int(first, "id"));
  auto got = f.http.Get(Path("/api/admin/venues/", venue), f.admin);
  REQUIRE(got.status == 200);
  json::object spec = got.Json().at("spec").as_object();
  spec["name"] = "Copy of " + std::string(spec["name"].as_string());
  // Previewed first: drawn as the booking page draws it, nothing created.
  auto preview = f.http.Post("/api/admin/venues/preview", json::serialize(spec), f.admin);
  REQUIRE(preview.status == 200);
  CHECK(Int(preview.Json(), "seatCount") == 40);
  CHECK(preview.Json().at("layout").at("sections").as_array().size() == 1);
  CHECK(preview.Json().at("sections").as_array().at(0).at("rows").as_array().size() == 4);
  CHECK(Int(f.http.Get("/api/admin/venues", f.admin).Json(), "total") == 1);
  auto bad = f.http.Post("/api/admin/venues/preview", R"({"name":"x","grades":[]})", f.admin);
  CHECK(bad.status == 422);
  CHECK(f.http.Post("/api/admin/venues/preview", json::serialize(spec), fan[0]).status == 403);
  auto copy = f.http.Post("/api/admin/venues", json::serialize(spec), f.admin);
  REQUIRE(copy.status == 201);
  auto copied = f.http.Get(Path("/api/admin/venues/", static_cast<uint64_t>(Int(copy.Json(), "id"))),
                           f.admin);
  REQUIRE(copied.status == 200);
  json::object again = copied.Json().at("spec").as_object();
  CHECK(again.at("sections") == spec.at("sections"));  // every seat where it was, as it was
  CHECK(again.at("grades") == spec.at("grades"));
  CHECK(copied.Json().at("concerts").as_array().empty());

  CHECK(f.http.Get("/api/admin/venues/999999", f.admin).status == 404);

  // The live view's server figures are /metrics's own: a hold's latency from its histogram.
  REQUIRE(f.http.Post(Path("/api/v1/concerts/", concert, "/reservations"), R"({"count":1})", fan[0])
              .status == 201);
  auto live = f.http.Get("/api/admin/live-metrics", f.admin);
  REQUIRE(live.status == 200);
  const json::value figures = live.Json();
  CHECK(figures.at("holds").at("requests").to_number<double>() >= 1);
  CHECK(figures.at("holds").at("p99Ms").to_number<double>() > 0);
  CHECK(figures.at("ring").at("capacity").to_number<double>() > 0);
  CHECK(figures.at("replication").as_object().empty());  // no replica here
  CHECK_FALSE(figures.at("engineHalted").as_bool());
  CHECK(f.http.Get("/api/admin/live-metrics", fan[0]).status == 403);
  // No Prometheus configured: no alerts, and it says why.
  auto none = f.http.Get("/api/admin/alerts", f.admin);
  REQUIRE(none.status == 200);
  CHECK(none.Json().at("source").is_null());
  CHECK(f.http.Get("/api/admin/venues?size=0", f.admin).status == 422);
}

TEST_CASE("support finds a customer, sees their page, revokes a ticket and refunds with a reason") {
  ApiFixture f;
  const uint64_t concert = f.CreateConcert();
  auto fans = MakeUsers(f, 3, "support-fan");
  const json::value bought = Bought(f, concert, fans[1], 2);
  const uint64_t reservation = static_cast<uint64_t>(Int(bought, "id"));

  // Customers by the start of their email, in email order, paged.
  auto page1 = f.http.Get("/api/admin/users?email=SUPPORT-FAN&limit=2", f.admin);
  REQUIRE(page1.status == 200);
  const json::value first_page = page1.Json();
  const auto& items = first_page.at("items").as_array();
  REQUIRE(items.size() == 2);
  CHECK(Str(items.at(0), "email") == "support-fan0@x.io");
  CHECK(Str(items.at(1), "email") == "support-fan1@x.io");
  CHECK(items.at(1).at("disabled").as_bool() == false);
  const std::string next = Str(first_page, "next");
  auto page2 = f.http.Get("/api/admin/users?email=support-fan&limit=2&after=" + next, f.admin);
  REQUIRE(page2.Json().at("items").as_array().size() == 1);
  CHECK_FALSE(page2.Json().as_object().contains("next"));
  const uint64_t customer = static_cast<uint64_t>(Int(items.at(1), "id"));
  // Staff only: the admin the server starts with is among them, the fans are not.
  auto staff = f.http.Get("/api/admin/users?staff=true", f.admin);
  REQUIRE(staff.status == 200);
  const json::value staff_page = staff.Json();
  for (const auto& u : staff_page.at("items").as_array()) CHECK(Str(u, "role") != "USER");
  CHECK(f.http.Get("/api/admin/users?staff=maybe", f.admin).status == 422);

  // Their page: the reservation with its tickets.
  auto page = f.http.Get(Path("/api/admin/users/", customer), f.admin);
  REQUIRE(page.status == 200);
  const json::value customer_page = page.Json();
  REQUIRE(customer_page.at("reservations").as_array().size() == 1);
  CHECK(Int(customer_page.at("reservations").as_array().at(0).at("reservation"), "id") ==
        static_cast<int64_t>(reservation));
  const auto& tickets = customer_page.at("tickets").as_array();
  REQUIRE(tickets.size() == 2);
  const uint64_t ticket = static_cast<uint64_t>(Int(tickets.at(0), "id"));
  CHECK(f.http.Get(Path("/api/admin/users/", 999999), f.admin).status == 404);

  // Reservations by id, by email, and by the seat they hold.
  auto by_id = f.http.Get(Path("/api/admin/reservations?id=", reservation), f.admin);
  REQUIRE(by_id.Json().at("reservations").as_array().size() == 1);
  auto by_email = f.http.Get("/api/admin/reservations?email=Support-Fan1%40x.io", f.admin);
  REQUIRE(by_email.Json().at("reservations").as_array().size() == 1);
  const json::value& seat = bought.at("seats").as_array().at(0);
  auto by_seat = f.http.Get(Path("/api/admin/reservations?concert=", concert) +
                                "&section=" + Str(seat, "section") + "&row=" + Str(seat, "row") +
                                "&number=" + std::to_string(Int(seat, "number")),
                            f.admin);
  REQUIRE(by_seat.status == 200);
  REQUIRE(by_seat.Json().at("reservations").as_array().size() == 1);
  auto by_seat_id = f.http.Get(Path("/api/admin/reservations?concert=", concert) +
                                   "&seat=" + std::to_string(Int(seat, "id")),
                               f.admin);
  REQUIRE(by_seat_id.Json().at("reservations").as_array().size() == 1);
  auto free_seat = f.http.Get(Path("/api/admin/reservations?concert=", concert) + "&seat=39", f.admin);
  CHECK(free_seat.Json().at("reservations").as_array().empty());
  CHECK(f.http.Get(Path("/api/admin/reservations?concert=", concert) + "&section=S1&row=Z&number=1",
                   f.admin).status == 404);
  CHECK(f.http.Get("/api/admin/reservations?id=1&email=a%40b.io", f.admin).status == 422);
  CHECK(f.http.Get("/api/admin/reservations", f.admin).status == 422);
  CHECK(f.http.Get("/api/admin/reservations?id=1", fans[0]).status == 403);

  // A ticket revoked: a reason is required; the seat stays sold; twice is a conflict.
  const std::string revoke = Path("/api/admin/tickets/", ticket, "/revoke");
  CHECK(f.http.Post(revoke, "{}", f.admin).status == 422);
  CHECK(f.http.Post(revoke, R"({"reason":"resold"})", fans[1]).status == 403);
  auto revoked = f.http.Post(revoke, R"({"reason":"resold above face value"})", f.admin);
  REQUIRE(revoked.status == 200);
  CHECK(Str(revoked.Json(), "status") == "REVOKED");
  CHECK(revoked.Json().at("revokedByAdmin").as_bool());
  auto twice = f.http.Post(revoke, R"({"reason":"again"})", f.admin);
  CHECK(twice.status == 409);
  CHECK(Str(twice.Json(), "code") == "REVOKED");
  auto theirs = f.http.Get(Path("/api/tickets/", ticket), fans[1]);
  CHECK(Str(theirs.Json(), "status") == "REVOKED");

  // A refund with its reason; one too long is refused before it reaches the engine.
  const std::string refund = Path("/api/admin/reservations/", reservation, "/refund");
  CHECK(f.http.Post(refund, json::serialize(json::object{{"reason", std::string(501, 'x')}}),
                    f.admin).status == 422);
  auto refunded = f.http.Post(refund, R"({"reason":"the show moved"})", f.admin);
  REQUIRE(refunded.status == 200);
  CHECK(Str(refunded.Json(), "status") == "REFUNDED");
}

TEST_CASE("a disabled account's tokens and login are refused until an admin enables it") {
  ApiFixture f;
  const std::string bundle = Path("/api/checkin/bundle?concert=", f.CreateConcert());
  const std::string staff_email = "door-staff@x.io";
  auto made = f.http.Post("/api/admin/users",
                          json::serialize(json::object{{"email", staff_email},
                                                       {"password", "password-123"},
                                                       {"name", "Door"},
                                                       {"role", "STAFF"}}),
                          f.admin);
  REQUIRE(made.status == 201);
  const uint64_t staff = static_cast<uint64_t>(Int(made.Json(), "id"));
  const std::string token = Login(f.port(), staff_email, "password-123");
  REQUIRE(f.http.Get(bundle, token).status == 200);

  auto me = f.http.Get("/api/users/me", f.admin);
  const uint64_t admin_id = static_cast<uint64_t>(Int(me.Json(), "id"));
  auto self = f.http.Post(Path("/api/admin/users/", admin_id, "/disable"), "", f.admin);
  CHECK(self.status == 403);
  CHECK(f.http.Post(Path("/api/admin/users/", 999999, "/disable"), "", f.admin).status == 404);

  auto off = f.http.Post(Path("/api/admin/users/", staff, "/disable"),
                         R"({"reason":"left the company"})", f.admin);
  REQUIRE(off.status == 200);
  CHECK(off.Json().at("user").at("disabled").as_bool());
  auto refused = f.http.Get(bundle, token);
  CHECK(refused.status == 403);
  CHECK(Str(refused.Json(), "code") == "ACCOUNT_DISABLED");
  HttpClient c(f.port());
  auto login = c.Post("/api/users/login", json::serialize(json::object{
                                              {"email", staff_email}, {"password", "password-123"}}));
  CHECK(login.status == 403);
  CHECK(Str(login.Json(), "code") == "ACCOUNT_DISABLED");
  CHECK(f.http.Post(Path("/api/admin/users/", staff, "/disable"), "", f.admin).status == 422);

  REQUIRE(f.http.Post(Path("/api/admin/users/", staff, "/enable"), "", f.admin).status == 200);
  // The old token's session ended with the account; a new login works.
  CHECK(f.http.Get(bundle, token).status == 401);
  const std::string fresh = Login(f.port(), staff_email, "password-123");
  CHECK(f.http.Get("/api/users/me", fresh).status == 200);
}

TEST_CASE("the console's alerts are the ones Prometheus finds firing, as it reports them") {
  FakePrometheus prometheus(R"({"status":"success","data":{"alerts":[{"labels":{"alertname":)"
                            R"("HoldLatencyHigh","severity":"page"},"annotations":{"summary":)"
                            R"("A hold's p99 is over 50 ms"},"state":"firing",)"
                            R"("activeAt":"2026-12-06T12:00:00Z","value":"0.08"}]}})");
  ApiFixture f({"--prometheus-url", prometheus.url(), "--prometheus-poll-ms", "200"});
  json::value alerts;
  for (int i = 0; i < 100; ++i) {
    auto r = f.http.Get("/api/admin/alerts", f.admin);
    REQUIRE(r.status == 200);
    alerts = r.Json();
    if (!alerts.at("alerts").as_array().empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(Str(alerts, "source") == prometheus.url());
  REQUIRE(alerts.at("alerts").as_array().size() == 1);
  const json::value& a = alerts.at("alerts").as_array().at(0);
  CHECK(Str(a, "name") == "HoldLatencyHigh");
  CHECK(Str(a, "severity") == "page");
  CHECK(Str(a, "state") == "firing");
  CHECK(Str(a, "summary") == "A hold's p99 is over 50 ms");
  CHECK_FALSE(alerts.as_object().contains("error"));
  auto fan = MakeUsers(f, 1, "alerts-fan");
  CHECK(f.http.Get("/api/admin/alerts", fan[0]).status == 403);
}
