// Accounts over real TCP: signup, login, refresh rotation, logout, and their errors.
#include <doctest/doctest.h>

#include "tests/server/api_fixture.h"
#include "tests/support/ws_client.h"

using namespace cm::test;

namespace {
std::string SignupBody(const std::string& email, const std::string& password,
                       const std::string& name = "Kim") {
  return json::serialize(json::object{{"email", email}, {"password", password}, {"name", name}});
}
}  // namespace

TEST_CASE("signup: 201, duplicate email 409 (any case), bad fields 422 naming the field") {
  ApiFixture f;
  auto r = f.http.Post("/api/users/signup", SignupBody("Fan@Example.com", "password-1"));
  REQUIRE(r.status == 201);
  CHECK(Str(r.Json(), "email") == "fan@example.com");
  CHECK(Str(r.Json(), "role") == "USER");
  CHECK(f.http.Post("/api/users/signup", SignupBody("fan@example.COM", "password-2")).status == 409);
  CHECK(Str(f.http.Post("/api/users/signup", SignupBody("fan@example.com", "password-2")).Json(),
            "code") == "EMAIL_TAKEN");

  auto bad_email = f.http.Post("/api/users/signup", SignupBody("not-an-email", "password-1"));
  CHECK(bad_email.status == 422);
  CHECK(Str(bad_email.Json(), "field") == "email");
  CHECK(bad_email.Header("content-type") == "application/problem+json");
  auto short_pw = f.http.Post("/api/users/signup", SignupBody("a@b.io", "short"));
  CHECK(short_pw.status == 422);
  CHECK(Str(short_pw.Json(), "field") == "password");
  auto missing = f.http.Post("/api/users/signup", R"({"email":"x@y.io","password":"password-1"})");
  CHECK(missing.status == 422);
  CHECK(Str(missing.Json(), "field") == "name");
  auto wrong_type = f.http.Post("/api/users/signup", R"({"email":1,"password":"password-1","name":"n"})");
  CHECK(wrong_type.status == 422);
  CHECK(Str(wrong_type.Json(), "detail").find("must be a string") != std::string::npos);
}

TEST_CASE("login gives a JWT and a refresh token; refresh rotates; logout revokes") {
  ApiFixture f;
  REQUIRE(f.http.Post("/api/users/signup", SignupBody("a@x.io", "password-1")).status == 201);
  CHECK(f.http.Post("/api/users/login", R"({"email":"a@x.io","password":"wrong-pass"})").status == 401);
  CHECK(f.http.Post("/api/users/login", R"({"email":"nobody@x.io","password":"password-1"})").status == 401);
  auto login = f.http.Post("/api/users/login", R"({"email":"A@X.io","password":"password-1"})");
  REQUIRE(login.status == 200);
  const auto tokens = login.Json();
  const std::string access = Str(tokens, "accessToken"), refresh = Str(tokens, "refreshToken");
  CHECK(Int(tokens, "expiresIn") == 900);
  CHECK(login.Header("cache-control") == "no-store");

  auto me = f.http.Get("/api/users/me", access);
  REQUIRE(me.status == 200);
  CHECK(Str(me.Json(), "email") == "a@x.io");
  CHECK(Str(me.Json(), "name") == "Kim");

  auto refreshed = f.http.Post("/api/users/refresh", json::serialize(json::object{{"refreshToken", refresh}}));
  REQUIRE(refreshed.status == 200);
  const std::string refresh2 = Str(refreshed.Json(), "refreshToken");
  CHECK(refresh2 != refresh);
  CHECK(f.http.Get("/api/users/me", Str(refreshed.Json(), "accessToken")).status == 200);
  CHECK(f.http.Post("/api/users/logout", json::serialize(json::object{{"refreshToken", refresh2}})).status == 204);
  CHECK(f.http.Post("/api/users/refresh", json::serialize(json::object{{"refreshToken", refresh2}})).status == 401);
  // Logout is idempotent: an unknown token ends where logout leaves it.
  CHECK(f.http.Post("/api/users/logout", json::serialize(json::object{{"refreshToken", "junk"}})).status == 204);
  // (Reusing a rotated token revokes its session: opening_minute_test.)

  // The revocation is journaled: it survives a restart.
  auto login2 = f.http.Post("/api/users/login", R"({"email":"a@x.io","password":"password-1"})");
  const std::string refresh3 = Str(login2.Json(), "refreshToken");
  CHECK(f.http.Post("/api/users/logout", json::serialize(json::object{{"refreshToken", refresh3}})).status == 204);
  f.Restart(false);
  CHECK(f.http.Post("/api/users/refresh", json::serialize(json::object{{"refreshToken", refresh3}})).status == 401);
  CHECK(f.http.Post("/api/users/login", R"({"email":"a@x.io","password":"password-1"})").status == 200);
}

TEST_CASE("a session's access tokens are refused at once when it ends: logout, a reused refresh "
          "token, for USER and STAFF alike, over HTTP and the WebSocket") {
  ApiFixture f;
  REQUIRE(f.http.Post("/api/users/signup", SignupBody("u@x.io", "password-1")).status == 201);
  auto staff = f.http.Post("/api/admin/users",
                           R"({"email":"door@x.io","password":"door-password","name":"D","role":"STAFF"})",
                           f.admin);
  REQUIRE_MESSAGE(staff.status == 201, staff.body);
  const uint64_t concert = f.CreateConcert();
  int seat = 0;
  for (const char* who : {"u@x.io:password-1", "door@x.io:door-password"}) {
    const std::string email = std::string(who).substr(0, std::string(who).find(':'));
    const std::string password = std::string(who).substr(email.size() + 1);
    CAPTURE(email);
    const std::string body = json::serialize(json::object{{"email", email}, {"password", password}});
    const json::value first = f.http.Post("/api/users/login", body).Json();
    const json::value second = f.http.Post("/api/users/login", body).Json();
    const std::string access1 = Str(first, "accessToken"), access2 = Str(second, "accessToken");
    REQUIRE(f.http.Get("/api/users/me", access1).status == 200);
    // Logging out of the first session ends its token, not the other session's.
    REQUIRE(f.http.Post("/api/users/logout",
                        json::serialize(json::object{{"refreshToken", Str(first, "refreshToken")}}))
                .status == 204);
    auto ended = f.http.Get("/api/users/me", access1);
    CHECK(ended.status == 401);
    CHECK(Str(ended.Json(), "code") == "SESSION_ENDED");
    CHECK(f.http.Get("/api/users/me", access2).status == 200);
    WsClient ws(f.port());
    ws.Send(R"({"type":"notifications","token":")" + access1 + R"("})");
    CHECK(Str(ws.NextOf("error"), "code") == "SESSION_ENDED");
    // A refresh token used twice revokes its session: the access tokens it gave go with it.
    const std::string refresh2 = Str(second, "refreshToken");
    const json::value rotated =
        f.http.Post("/api/users/refresh", json::serialize(json::object{{"refreshToken", refresh2}}))
            .Json();
    const std::string access3 = Str(rotated, "accessToken");
    CHECK(f.http.Get("/api/users/me", access3).status == 200);
    CHECK(f.http.Post("/api/users/refresh", json::serialize(json::object{{"refreshToken", refresh2}}))
              .status == 401);
    CHECK(f.http.Get("/api/users/me", access3).status == 401);
    CHECK(f.http.Get("/api/users/me", access2).status == 401);

    // A stream opened with a session that ends later stops at its next message.
    const json::value streaming = f.http.Post("/api/users/login", body).Json();
    const json::value other = f.http.Post("/api/users/login", body).Json();
    WsClient open(f.port());
    open.Send(R"({"type":"notifications","token":")" + Str(streaming, "accessToken") + R"("})");
    REQUIRE(Str(open.NextOf("subscribed"), "channel") == "notifications");
    REQUIRE(f.http.Post("/api/users/logout",
                        json::serialize(json::object{{"refreshToken",
                                                      Str(streaming, "refreshToken")}}))
                .status == 204);
    auto held = f.http.Post("/api/v1/concerts/" + std::to_string(concert) + "/reservations",
                            R"({"seatIds":[)" + std::to_string(seat++) + "]}",
                            Str(other, "accessToken"));
    REQUIRE_MESSAGE(held.status == 201, held.body);
    CHECK(Str(open.NextOf("error"), "code") == "SESSION_ENDED");
  }
}
