// Forged, tampered, expired and malformed tokens, and junk in every field.
#include <doctest/doctest.h>

#include "auth/jwt.h"
#include "tests/server/api_fixture.h"
#include "tests/support/ws_client.h"

using namespace cm::test;
using cm::auth::AccessClaims;
using cm::auth::Base64UrlEncode;
using cm::auth::JwtCodec;

namespace {

std::string Forge(const std::string& header, const std::string& payload, const std::string& sig) {
  return Base64UrlEncode(header) + "." + Base64UrlEncode(payload) + "." + sig;
}

std::string CodeOf(const HttpResult& r) { return Str(r.Json(), "code"); }

}  // namespace

TEST_CASE("every kind of bad token gets 401 with a specific code; USER on admin gets 403") {
  ApiFixture f;
  const std::string user = SignupAndLogin(f.port(), "u@x.io");
  const int64_t now = NowMs() / 1000;
  const JwtCodec ours(ServerProcess::kSecret);
  const JwtCodec theirs("another-secret-0123456789abcdef0123456789");
  AccessClaims c{2, cm::engine::Role::kUser, now, now + 600, 0};

  CHECK(CodeOf(f.http.Get("/api/users/me")) == "MISSING_TOKEN");
  CHECK(f.http.Get("/api/users/me").Header("www-authenticate").find("Bearer") == 0);
  CHECK(CodeOf(f.http.Request("GET", "/api/users/me", "", {{"Authorization", "Basic abc"}})) ==
        "MALFORMED_TOKEN");
  CHECK(CodeOf(f.http.Get("/api/users/me", "junk")) == "MALFORMED_TOKEN");
  CHECK(CodeOf(f.http.Get("/api/users/me", "a.b.c")) == "MALFORMED_TOKEN");
  CHECK(CodeOf(f.http.Get("/api/users/me", "'; DROP TABLE users; --")) == "MALFORMED_TOKEN");

  // alg=none with no signature, and with the payload of a valid token.
  const std::string payload = R"({"sub":"2","role":"ADMIN","iat":)" + std::to_string(now) +
                              R"(,"exp":)" + std::to_string(now + 600) + "}";
  CHECK(CodeOf(f.http.Get("/api/users/me", Forge(R"({"alg":"none","typ":"JWT"})", payload, ""))) ==
        "UNSUPPORTED_ALGORITHM");
  CHECK(CodeOf(f.http.Get("/api/users/me", Forge(R"({"alg":"HS512"})", payload, "abc"))) ==
        "UNSUPPORTED_ALGORITHM");
  CHECK(CodeOf(f.http.Get("/api/users/me", Forge(R"({"alg":"RS256"})", payload, "abc"))) ==
        "UNSUPPORTED_ALGORITHM");
  // HS256 signed with another key.
  CHECK(CodeOf(f.http.Get("/api/users/me", theirs.Sign(c))) == "INVALID_SIGNATURE");
  // The role edited in a valid token: the signature no longer matches.
  const std::string valid = ours.Sign(c);
  const auto dot1 = valid.find('.'), dot2 = valid.rfind('.');
  const std::string edited = valid.substr(0, dot1 + 1) +
                             Base64UrlEncode(R"({"sub":"2","role":"ADMIN","iat":)" +
                                             std::to_string(now) + R"(,"exp":)" +
                                             std::to_string(now + 600) + "}") +
                             valid.substr(dot2);
  CHECK(f.http.Post("/api/admin/venues", "{}", edited).status == 401);
  CHECK(CodeOf(f.http.Post("/api/admin/venues", "{}", edited)) == "INVALID_SIGNATURE");
  // Expired and not yet valid.
  CHECK(CodeOf(f.http.Get("/api/users/me", ours.Sign({2, cm::engine::Role::kUser, now - 1000,
                                                       now - 100, 0}))) == "TOKEN_EXPIRED");
  CHECK(CodeOf(f.http.Get("/api/users/me", ours.Sign({2, cm::engine::Role::kUser, now, now + 600,
                                                       now + 300}))) == "TOKEN_NOT_YET_VALID");
  // A USER on an admin endpoint.
  auto forbidden = f.http.Post("/api/admin/venues", "{}", user);
  CHECK(forbidden.status == 403);
  CHECK(CodeOf(forbidden) == "ADMIN_ONLY");
}

TEST_CASE("junk and injection attempts in fields are refused or stored inert") {
  ApiFixture f;
  const std::string user = SignupAndLogin(f.port(), "v@x.io");
  const uint64_t concert = f.CreateConcert();
  const std::string base = "/api/v1/concerts/" + std::to_string(concert) + "/reservations";
  CHECK(f.http.Post(base, R"({"seatIds":["1 OR 1=1"]})", user).status == 422);
  CHECK(f.http.Post(base, R"({"seatIds":[-1]})", user).status == 422);
  CHECK(f.http.Post(base, R"({"seatIds":[1e300]})", user).status == 422);
  CHECK(f.http.Post(base, R"({"seatIds":{"$gt":0}})", user).status == 422);
  CHECK(f.http.Post(base, R"({"count":"2"})", user).status == 422);
  CHECK(f.http.Post(base, R"({"count":2,"grade":"<script>alert(1)</script>"})", user).status == 422);
  CHECK(f.http.Post(base, R"([1,2,3])", user).status == 422);
  CHECK(f.http.Post(base, "\xff\xfe\x00garbage", user).status == 400);
  CHECK(f.http.Post("/api/v1/concerts/1%20OR%201=1/reservations", R"({"count":1})", user).status == 404);
  CHECK(f.http.Post("/api/v1/concerts/99999999999999999999999/reservations", R"({"count":1})", user).status == 404);
  // Hostile display names are stored as data and come back escaped, never breaking the JSON.
  const std::string evil = "\"},{\"role\":\"ADMIN\"}<script>\u2028\x01";
  auto signup = f.http.Post("/api/users/signup",
                            json::serialize(json::object{{"email", "evil@x.io"},
                                                         {"password", "password-1"},
                                                         {"name", "Robert\"); DROP TABLE--"}}));
  CHECK(signup.status == 201);
  auto ctrl = f.http.Post("/api/users/signup",
                          json::serialize(json::object{{"email", "ctrl@x.io"},
                                                       {"password", "password-1"},
                                                       {"name", evil}}));
  CHECK(ctrl.status == 422);  // control characters are refused
  CHECK(Str(signup.Json(), "role") == "USER");
  CHECK(Str(signup.Json(), "name") == "Robert\"); DROP TABLE--");
}

TEST_CASE("the WebSocket takes authority from the engine's records, not from the token") {
  ApiFixture f;
  const uint64_t concert = f.CreateConcert();
  const auto users = MakeUsers(f, 1, "ws-claimant");
  const auto me = f.http.Get("/api/users/me", users[0]);
  REQUIRE(me.status == 200);
  const int64_t id = Int(me.Json(), "id");
  const int64_t now = NowMs() / 1000;
  const JwtCodec ours(ServerProcess::kSecret);
  const std::string sale = R"({"type":"sale","concertId":)" + std::to_string(concert) + "}";

  // A USER's token re-signed (with the server's key) to claim ADMIN: the admin's live sale is
  // still refused, as HTTP refuses the admin endpoints.
  const std::string claims_admin = ours.Sign(
      AccessClaims{static_cast<uint64_t>(id), cm::engine::Role::kAdmin, now, now + 600, 0});
  CHECK(f.http.Get("/api/admin/concerts/" + std::to_string(concert) + "/report", claims_admin)
            .status == 403);
  WsClient claimant(f.port());
  claimant.Send(R"({"type":"notifications","token":")" + claims_admin + "\"}");
  CHECK(Int(claimant.NextOf("subscribed"), "userId") == id);
  claimant.Send(sale);
  CHECK(Str(claimant.NextOf("error"), "code") == "FORBIDDEN");

  // A well-signed token for a user who does not exist: 401 UNKNOWN_USER over HTTP, and the same
  // code on the socket, with no subscription.
  const std::string ghost =
      ours.Sign(AccessClaims{987654321, cm::engine::Role::kAdmin, now, now + 600, 0});
  CHECK(CodeOf(f.http.Get("/api/users/me", ghost)) == "UNKNOWN_USER");
  WsClient nobody(f.port());
  nobody.Send(R"({"type":"notifications","token":")" + ghost + "\"}");
  CHECK(Str(nobody.NextOf("error"), "code") == "UNKNOWN_USER");
  nobody.Send(sale);
  CHECK(Str(nobody.NextOf("error"), "code") == "NOT_AUTHENTICATED");
}
