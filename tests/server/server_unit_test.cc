// Gateway pieces without a server: the JSON writer on hostile strings, JWT, routing, times,
// the rate limiter, and the OpenAPI document against the real route table.
#include <doctest/doctest.h>

#include <boost/beast/core.hpp>
#include <boost/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "api/api.h"
#include "api/openapi_document.h"
#include "api/request_guards.h"
#include "auth/credentials.h"
#include "auth/jwt.h"
#include "http/header_scan.h"
#include "http/http_server.h"
#include "http/json_input.h"
#include "http/router.h"
#include "json/json_writer.h"

using namespace cm::api;
using namespace cm::auth;
using namespace cm::http;
using namespace cm::json;
using namespace cm::readmodel;
namespace http = cm::http;

TEST_CASE("the JSON writer escapes hostile strings into valid JSON that round-trips") {
  const std::string hostile[] = {
      std::string("quote \" backslash \\ slash /"), std::string("\n\r\t\b\f"),
      std::string("nul \0 inside", 12), std::string("\x01\x1f\x7f"), "</script><script>alert(1)",
      "\xc3\x28 invalid utf-8", "\xed\xa0\x80 surrogate", "\xf0\x9f\x8e\xab ticket emoji",
      "\xe2\x80\xa8 line separator", "\xc0\xaf overlong", "plain<run>plain\"plain\\plain",
      "\xea\xb3\xb5\xec\x97\xb0 \xec\xa2\x8c\xec\x84\x9d then plain", "\"", "ends with a newline\n"};
  for (const std::string& s : hostile) {
    JsonWriter w;
    w.BeginObject().Field("v", s).EndObject();
    CAPTURE(w.str());
    boost::json::value parsed = boost::json::parse(w.str());
    const std::string back(parsed.at("v").as_string());
    CHECK(w.str().find('<') == std::string::npos);
    for (unsigned char c : w.str()) CHECK(c >= 0x20);
    if (s.find('\xc3') == std::string::npos && s.find('\xed') == std::string::npos &&
        s.find('\xc0') == std::string::npos)
      CHECK(back == s);  // valid UTF-8 survives exactly
  }
  JsonWriter w;
  w.BeginArray().Int(-5).Uint(UINT64_MAX).Bool(true).Null().BeginObject().EndObject().EndArray();
  CHECK(w.str() == "[-5,18446744073709551615,true,null,{}]");
}

TEST_CASE("JWT: sign and verify; every bad token has its error") {
  const JwtCodec jwt("secret-0123456789abcdef0123456789abcdef");
  const AccessClaims c{42, cm::engine::Role::kAdmin, 1000, 1900, 0};
  const std::string token = jwt.Sign(c);
  auto ok = jwt.Verify(token, 1500);
  REQUIRE(ok.claims);
  CHECK(ok.claims->sub == 42);
  CHECK(ok.claims->role == cm::engine::Role::kAdmin);
  CHECK(jwt.Verify(token, 1900 + 5).error == JwtError::kExpired);
  CHECK(jwt.Verify(token, 900).error == JwtError::kNotYetValid);  // issued in the future
  std::string tampered = token;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  CHECK(jwt.Verify(tampered, 1500).error == JwtError::kBadSignature);
  CHECK(JwtCodec("other-0123456789abcdef0123456789abcdef").Verify(token, 1500).error ==
        JwtError::kBadSignature);
  const std::string none = Base64UrlEncode(R"({"alg":"none"})") + "." + token.substr(token.find('.') + 1);
  CHECK(jwt.Verify(none, 1500).error == JwtError::kBadAlgorithm);
  CHECK(jwt.Verify("", 1500).error == JwtError::kMalformed);
  CHECK(jwt.Verify("a.b", 1500).error == JwtError::kMalformed);
  CHECK(jwt.Verify("a.b.c.d", 1500).error == JwtError::kMalformed);
  CHECK(!Base64UrlDecode("a"));
  CHECK(!Base64UrlDecode("ab+/"));
  CHECK(*Base64UrlDecode(Base64UrlEncode("any bytes \xff\x00")) == "any bytes \xff");
}

TEST_CASE("router: templates, 405 with the allowed methods, query parameters") {
  Router r;
  int hit = 0;
  r.Add(http::verb::get, "/api/concerts/{id}", [&](const auto&, const PathParams& p) {
    CHECK(p[0] == "7");
    ++hit;
  });
  r.Add(http::verb::delete_, "/api/concerts/{id}", [](const auto&, const auto&) {});
  auto m = r.Find(http::verb::get, "/api/concerts/7");
  REQUIRE(m.route != nullptr);
  m.route->handler(nullptr, m.params);
  CHECK(hit == 1);
  CHECK(r.Find(http::verb::post, "/api/concerts/7").allow == "GET, DELETE");
  CHECK(r.Find(http::verb::get, "/api/concerts").route == nullptr);
  CHECK(r.Find(http::verb::get, "/api/concerts").allow.empty());
  CHECK(QueryParam("/x?a=1&page=3", "page") == "3");
  CHECK(QueryParam("/x?a=1", "page").empty());
  CHECK(PathOf("/x/y?z") == "/x/y");
}

TEST_CASE("RFC 3339 times") {
  CHECK(ParseRfc3339("1970-01-01T00:00:00Z") == 0);
  CHECK(ParseRfc3339("2026-11-24T10:00:00.5Z") == 1795514400500);
  CHECK(ParseRfc3339("2026-11-24T19:00:00+09:00") == 1795514400000);
  CHECK(!ParseRfc3339("2026-11-24"));
  CHECK(!ParseRfc3339("2026-13-01T00:00:00Z"));
  CHECK(!ParseRfc3339("2026-11-24T10:00:00"));
  CHECK(FormatTime(1795514400500) == "2026-11-24T10:00:00.500Z");
}

TEST_CASE("rate limiter: a burst, then one token per 1/rate seconds, per user") {
  RateLimiter limiter(2, 3);
  int retry = 0;
  for (int i = 0; i < 3; ++i) CHECK(limiter.Allow(1, 1000, &retry));
  CHECK_FALSE(limiter.Allow(1, 1000, &retry));
  CHECK(retry == 1);
  CHECK(limiter.Allow(2, 1000, &retry));  // another user has their own bucket
  CHECK(limiter.Allow(1, 1500, &retry));  // half a second = one token at 2/s
  CHECK_FALSE(limiter.Allow(1, 1500, &retry));
  InflightKeys keys;
  CHECK(keys.TryBegin(1, {1, 2}));
  CHECK_FALSE(keys.TryBegin(1, {1, 2}));
  CHECK(keys.TryBegin(2, {1, 2}));
  keys.End(1, {1, 2});
  CHECK(keys.TryBegin(1, {1, 2}));
}

namespace {
class NoEngine : public EnginePort {
 public:
  Publish answer = Publish::kFull;
  Publish TryPublish(cm::engine::Command) override { return answer; }
  bool Ready(std::string* why) const override {
    *why = answer == Publish::kHalted ? "the journal is not writable: No space left on device"
                                      : "recovery has not finished";
    return answer == Publish::kOk;
  }
  bool Halted() const override { return answer == Publish::kHalted; }
  void WriteMetrics(cm::metrics::PrometheusText*) const override {}
};
}  // namespace

TEST_CASE("a full ring answers 503 with Retry-After; a halted engine 503; readyz follows") {
  InitCrypto(true);
  NoEngine engine;
  cm::readmodel::ReadModel reads({});
  cm::engine::Event registered;  // the caller must exist: the gateway checks its record
  registered.seq = 1;
  registered.body = cm::engine::UserRegistered{1, "fan@x.io", "$argon2id$x", cm::engine::Role::kUser, "Fan"};
  REQUIRE(reads.Apply(registered).ok());
  const JwtCodec jwt("secret-0123456789abcdef0123456789abcdef");
  Api* api_ptr = nullptr;
  HttpServerOptions so;
  so.address = "127.0.0.1";
  so.port = 0;
  HttpServer server(so, [&](std::shared_ptr<Exchange> ex) { api_ptr->Handle(ex); }, nullptr);
  ReplyRouter replies;
  Api api({}, engine, reads, jwt, replies);
  api_ptr = &api;
  REQUIRE(server.Start().empty());

  namespace beast = boost::beast;
  auto now_call = [&](http::verb method, const std::string& target) {
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    stream.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
    Request req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    req.set(http::field::authorization,
            "Bearer " + jwt.Sign({1, cm::engine::Role::kUser, now, now + 600, 0}));
    if (method == http::verb::post) req.body() = R"({"seatIds":[1]})";
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buf;
    Response res;
    http::read(stream, buf, res);
    return res;
  };
  auto full = now_call(http::verb::post, "/api/v1/concerts/1/reservations");
  CHECK(full.result_int() == 503);
  CHECK(full[http::field::retry_after] == "1");
  CHECK(full.body().find("ENGINE_BUSY") != std::string::npos);
  CHECK(now_call(http::verb::get, "/readyz").result_int() == 503);
  engine.answer = EnginePort::Publish::kUnavailable;
  auto starting = now_call(http::verb::post, "/api/v1/concerts/1/reservations");
  CHECK(starting.result_int() == 503);
  CHECK(starting.body().find("ENGINE_UNAVAILABLE") != std::string::npos);
  CHECK(starting[http::field::retry_after] == "5");
  // The journal's replicas not keeping up: a write is refused with a short Retry-After.
  engine.answer = EnginePort::Publish::kNotReplicated;
  auto unreplicated = now_call(http::verb::post, "/api/v1/concerts/1/reservations");
  CHECK(unreplicated.result_int() == 503);
  CHECK(unreplicated.body().find("REPLICATION_UNAVAILABLE") != std::string::npos);
  CHECK(unreplicated[http::field::retry_after] == "2");
  // Halted (a disk-full journal): only an operator helps, so no Retry-After, and readyz says why.
  engine.answer = EnginePort::Publish::kHalted;
  auto halted = now_call(http::verb::post, "/api/v1/concerts/1/reservations");
  CHECK(halted.result_int() == 503);
  CHECK(halted.body().find("ENGINE_HALTED") != std::string::npos);
  CHECK(halted.body().find("No space left on device") != std::string::npos);
  CHECK(halted.find(http::field::retry_after) == halted.end());
  auto ready = now_call(http::verb::get, "/readyz");
  CHECK(ready.result_int() == 503);
  CHECK(ready.body().find("\"needsOperator\":true") != std::string::npos);
  CHECK(ready.body().find("No space left on device") != std::string::npos);
  CHECK(ready.find(http::field::retry_after) == ready.end());
  CHECK(replies.pending() == 0);  // nothing left waiting for an answer that will never come
  server.StopAccepting();
  server.Stop();
}

TEST_CASE("the OpenAPI document describes exactly the routes the server has") {
  auto doc = boost::json::parse(OpenApiDocument());
  CHECK(doc.at("openapi").as_string() == "3.1.0");
  std::set<std::string> documented;
  for (const auto& [path, item] : doc.at("paths").as_object())
    for (const auto& [method, op] : item.as_object()) {
      std::string upper(method);
      for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      documented.insert(upper + " " + std::string(path));
      CHECK_MESSAGE(op.as_object().contains("responses"), path);
    }
  InitCrypto(true);
  ReplyRouter replies;
  NoEngine engine;
  cm::readmodel::ReadModel reads({});
  const JwtCodec jwt("secret-0123456789abcdef0123456789abcdef");
  Api api({}, engine, reads, jwt, replies);
  std::set<std::string> served;
  for (const auto& r : api.router().routes()) served.insert(r->name);
  for (const auto& d : documented) CHECK_MESSAGE(served.contains(d), d << " is documented but not served");
  for (const auto& s : served) CHECK_MESSAGE(documented.contains(s), s << " is served but not documented");
  // Every error the document references exists.
  for (const auto& [name, resp] : doc.at("components").at("responses").as_object())
    CHECK(resp.at("content").as_object().contains("application/problem+json"));
}

TEST_CASE("header scan: the end is found in any split, folds and bare LFs are told apart") {
  using V = cm::http::HeaderScan::Verdict;
  const std::string plain = "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\r\nBODY";
  const std::size_t end = plain.find("BODY");
  for (std::size_t n = 0; n < end; ++n) {
    CAPTURE(n);
    CHECK(cm::http::ScanHeader(std::string_view(plain).substr(0, n)).verdict == V::kIncomplete);
  }
  const auto whole = cm::http::ScanHeader(plain);
  CHECK(whole.verdict == V::kComplete);
  CHECK(whole.end == end);
  CHECK(cm::http::ScanHeader("GET / HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n").verdict == V::kObsFold);
  CHECK(cm::http::ScanHeader("GET / HTTP/1.1\r\nX-A: a\r\n\tb\r\n\r\n").verdict == V::kObsFold);
  // Not a fold: a space inside a value, or in the body after the header.
  CHECK(cm::http::ScanHeader("GET / HTTP/1.1\r\nX-A: a b\r\n\r\n x").verdict == V::kComplete);
  CHECK(cm::http::ScanHeader("GET / HTTP/1.1\nHost: a\n\n").verdict == V::kForParser);
  CHECK(cm::http::ScanHeader("GET / HTTP/1.1\r\nHost: a\r\n\rX").verdict == V::kForParser);
}
