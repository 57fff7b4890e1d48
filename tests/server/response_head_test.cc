// Our response head against Beast's own serializer: the same bytes, for the shapes the server
// sends (HTTP/1.1 and 1.0, a known and a custom reason, fields in order, an empty body); and a
// problem built from a head rendered once against one built whole.
#include <doctest/doctest.h>

#include <sstream>

#include "http/problem.h"
#include "http/response_head.h"

namespace http = cm::http;

namespace {

std::string Beast(const http::Response& res) {
  std::ostringstream out;
  out << res;
  return out.str();
}

std::string Ours(const http::Response& res) {
  std::string head = "left over from the last response, which must go";
  http::SerializeHead(res, head);
  return head + res.body();
}

}  // namespace

TEST_CASE("a response's head is written as Beast writes it") {
  http::Response created(http::status::created, 11);
  created.set(http::field::content_type, "application/json");
  created.set(http::field::location, "/api/reservations/549755813888");
  created.set("X-Request-Id", "abc-123");
  created.body() = R"({"id":"549755813888"})";
  created.prepare_payload();
  CHECK(Ours(created) == Beast(created));

  http::Response closing(http::status::conflict, 10);
  closing.keep_alive(false);
  closing.set(http::field::content_type, "application/problem+json");
  closing.body() = R"({"code":"SEAT_TAKEN"})";
  closing.prepare_payload();
  CHECK(Ours(closing) == Beast(closing));

  http::Response custom(http::status::too_many_requests, 11);
  custom.reason("Slow Down");
  custom.set(http::field::retry_after, "5");
  custom.prepare_payload();
  CHECK(Ours(custom) == Beast(custom));
  CHECK(Ours(custom).starts_with("HTTP/1.1 429 Slow Down\r\n"));

  http::Response not_modified(http::status::not_modified, 11);
  not_modified.set(http::field::etag, "\"v42\"");
  CHECK(Ours(not_modified) == Beast(not_modified));
}

TEST_CASE("a problem started from a head rendered once is the same problem") {
  auto seats = [](cm::json::JsonWriter& w) {
    w.Key("seats").BeginArray().Uint(6).Uint(5).EndArray();
  };
  const auto head =
      http::Problem::RenderHead(409, "SEAT_NOT_AVAILABLE", "some of the \"seats\" are <taken>");
  http::Problem fresh(409, "SEAT_NOT_AVAILABLE", "some of the \"seats\" are <taken>");
  http::Problem reused(head);
  fresh.With(seats);
  reused.With(seats);
  const http::Response a = std::move(fresh).Build(11, true);
  const http::Response b = std::move(reused).Build(11, true);
  CHECK(a.body() == b.body());
  CHECK(a.result_int() == b.result_int());
  CHECK(b.body().starts_with(R"({"type":"https://concertmania.dev/problems/seat-not-available",)"));
  CHECK(b.body().ends_with(R"("code":"SEAT_NOT_AVAILABLE","seats":[6,5]})"));
  // With nothing added, it still closes.
  CHECK(std::move(http::Problem(head)).Build(11, true).body() ==
        std::move(http::Problem(409, "SEAT_NOT_AVAILABLE", "some of the \"seats\" are <taken>"))
            .Build(11, true)
            .body());
}
