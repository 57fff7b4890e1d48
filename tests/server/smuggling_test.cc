// Request smuggling over real TCP: every framing a proxy in front could read differently is
// refused with 400 and the connection closes before its body is read, so a request hidden in
// the body never runs (RFC 9112 sections 6.1, 6.3, 3.2 and 5.2).
#include <doctest/doctest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <thread>

#include "tests/server/api_fixture.h"

using namespace cm::test;

namespace {

// A signup hidden in a body: if the server ever runs it, the email exists afterwards.
std::string Smuggled(const std::string& email) {
  const std::string body = R"({"email":")" + email + R"(","password":"password-123","name":"S"})";
  return "POST /api/users/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string Front(const std::string& framing_headers) {
  return "POST /api/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
         framing_headers + "\r\n";
}

// A raw connection to the server under test.
boost::asio::ip::tcp::socket Connect(boost::asio::io_context& io, uint16_t port) {
  boost::asio::ip::tcp::socket s(io);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  return s;
}

// Seconds until the server closes `s` (at most `limit`), reading whatever comes meanwhile.
double SecondsUntilClosed(boost::asio::ip::tcp::socket& s, std::chrono::seconds limit) {
  const auto start = std::chrono::steady_clock::now();
  char buf[4096];
  boost::system::error_code ec;
  s.non_blocking(true);
  while (std::chrono::steady_clock::now() - start < limit) {
    s.read_some(boost::asio::buffer(buf), ec);
    if (ec && ec != boost::asio::error::would_block) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A request whose header comes whole and whose body stops after four of its 100 bytes.
const std::string kStalledBody =
    "POST /api/users/login HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
    "Content-Length: 100\r\n\r\n{\"em";

std::string Chunked(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx", data.size());
  return std::string(size) + "\r\n" + data + "\r\n0\r\n\r\n";
}

}  // namespace

TEST_CASE("CL.TE, TE.CL and TE.TE obfuscations are refused, and the hidden request never runs") {
  ApiFixture f;
  struct Vector {
    const char* name;
    std::string framing;  // header lines, each ending in CRLF
    bool hidden_in_chunk;  // the smuggled request goes inside a chunk (else raw after headers)
  };
  const Vector vectors[] = {
      {"xchunked", "Transfer-Encoding: xchunked\r\n", false},
      {"gzip", "Transfer-Encoding: gzip\r\n", false},
      {"identity", "Transfer-Encoding: identity\r\n", false},
      {"chunked, identity", "Transfer-Encoding: chunked, identity\r\n", false},
      {"gzip, chunked", "Transfer-Encoding: gzip, chunked\r\n", true},
      {"space before the colon", "Transfer-Encoding : chunked\r\n", true},
      {"tab before the colon", "Transfer-Encoding\t: chunked\r\n", true},
      {"obs-fold", "Transfer-Encoding: identity\r\n chunked\r\n", true},
      {"duplicated TE", "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", true},
      {"duplicated TE, same value", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", true},
      {"CL.TE", "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n", true},
      {"TE.CL", "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", true},
      {"CL.TE with obfuscated TE", "Content-Length: 4\r\nTransfer-Encoding: xchunked\r\n", false},
      {"two Content-Lengths", "Content-Length: 0\r\nContent-Length: 0\r\n", false},
      {"two different Content-Lengths", "Content-Length: 0\r\nContent-Length: 200\r\n", false},
  };
  int i = 0;
  for (const Vector& v : vectors) {
    CAPTURE(v.name);
    const std::string email = "smuggled" + std::to_string(i++) + "@x.io";
    const std::string hidden = Smuggled(email);
    const auto res = f.http.Raw(Front(v.framing) + (v.hidden_in_chunk ? Chunked(hidden) : hidden));
    CHECK(res.status == 400);
    CHECK(res.Header("connection") == "close");
    // Had the hidden signup run, this one would be 409 EMAIL_TAKEN.
    auto probe = f.http.Post("/api/users/signup", R"({"email":")" + email +
                                                      R"(","password":"password-123","name":"P"})");
    CHECK(probe.status == 201);
  }
}

TEST_CASE("exactly 'chunked' is honoured: the body is the chunks, nothing runs after them") {
  ApiFixture f;
  const std::string body = R"({"email":"chunky@x.io","password":"password-123","name":"C"})";
  for (const char* te : {"Transfer-Encoding: chunked\r\n", "Transfer-Encoding:\tchunked\r\n",
                         "Transfer-Encoding: CHUNKED\r\n"}) {
    CAPTURE(te);
    const auto res = f.http.Raw(
        "POST /api/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
        std::string(te) + "\r\n" + Chunked(R"({"email":"nobody@x.io","password":"wrong-pass"})"));
    CHECK(res.status == 401);
  }
  const auto created = f.http.Raw(
      "POST /api/users/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" + Chunked(body));
  CHECK(created.status == 201);
}

TEST_CASE("Host: missing or repeated in HTTP/1.1 is 400; HTTP/1.0 may omit it; bare LF is refused") {
  ApiFixture f;
  auto none = f.http.Raw("GET /healthz HTTP/1.1\r\n\r\n");
  CHECK(none.status == 400);
  CHECK(Str(none.Json(), "code") == "BAD_FRAMING");
  auto twice = f.http.Raw("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  CHECK(twice.status == 400);
  CHECK(Str(twice.Json(), "code") == "BAD_FRAMING");
  CHECK(f.http.Raw("GET /healthz HTTP/1.0\r\n\r\n").status == 200);
  CHECK(f.http.Raw("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n").status == 200);
  // Lines ended by a bare LF: one parser may see a header where another sees none.
  const std::string hidden = Smuggled("bare-lf@x.io");
  auto bare = f.http.Raw("POST /api/users/login HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n"
                         "Content-Type: application/json\n\n" + Chunked(hidden));
  CHECK(bare.status == 400);
  CHECK(f.http.Post("/api/users/signup", R"({"email":"bare-lf@x.io","password":"password-123","name":"P"})")
            .status == 201);
}

TEST_CASE("an obs-fold anywhere in the header is 400 and close, and a folded framing is never honoured") {
  ApiFixture f;
  struct Fold {
    const char* name;
    std::string framing;
  };
  const Fold folds[] = {
      {"plain header", "X-A: a\r\n b\r\nContent-Length: 0\r\n"},
      {"tab fold", "X-A: a\r\n\tb\r\nContent-Length: 0\r\n"},
      {"folded Transfer-Encoding", "Transfer-Encoding:\r\n chunked\r\n"},
      {"folded Content-Length", "Content-Length:\r\n 0\r\n"},
      {"fold right after the request line", " X-A: a\r\nContent-Length: 0\r\n"},
  };
  int i = 0;
  for (const Fold& fold : folds) {
    CAPTURE(fold.name);
    const std::string email = "folded" + std::to_string(i++) + "@x.io";
    const auto res = f.http.Raw(Front(fold.framing) + Chunked(Smuggled(email)));
    CHECK(res.status == 400);
    CHECK(res.Header("connection") == "close");
    CHECK(Str(res.Json(), "code") == "BAD_FRAMING");
    CHECK(f.http.Post("/api/users/signup", R"({"email":")" + email +
                                               R"(","password":"password-123","name":"P"})")
              .status == 201);
  }
  // A fold that arrives in a later segment than the line it continues.
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), f.port()});
    for (const char* piece : {"GET /healthz HTTP/1.1\r\nHo", "st: a\r\nX-A: a\r", "\n", " b\r\n\r\n"}) {
      boost::asio::write(socket, boost::asio::buffer(std::string(piece)));
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    boost::beast::flat_buffer buffer;
    boost::beast::http::response<boost::beast::http::string_body> res;
    boost::beast::http::read(socket, buffer, res);
    CHECK(res.result_int() == 400);
  }
  // Long headers still read as before, up to the limit.
  CHECK(f.http.Raw("GET /healthz HTTP/1.1\r\nHost: a\r\nX-Long: " + std::string(6000, 'v') +
                   "\r\n\r\n").status == 200);
  CHECK(f.http.Raw("GET /healthz HTTP/1.1\r\nHost: a\r\nX-Long: " + std::string(9000, 'v') +
                   "\r\n\r\n").status == 413);
}

TEST_CASE("pipelined requests are answered in order, once each, and none runs after a refusal") {
  ApiFixture f;
  namespace beast = boost::beast;
  boost::asio::io_context io;
  auto socket = Connect(io, f.port());
  const std::string body = R"({"email":"nobody@x.io","password":"wrong-pass"})";
  const std::string login = "POST /api/users/login HTTP/1.1\r\nHost: x\r\n"
                            "Content-Type: application/json\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body;
  // Three requests in one segment, then one whose body arrives in two later segments.
  boost::asio::write(socket,
                     boost::asio::buffer("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n" + login +
                                         "GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n" +
                                         login.substr(0, login.size() - 10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  boost::asio::write(socket, boost::asio::buffer(login.substr(login.size() - 10, 4)));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  boost::asio::write(socket, boost::asio::buffer(login.substr(login.size() - 6)));
  beast::flat_buffer buffer;
  for (const int expected : {200, 401, 404, 401}) {
    beast::http::response<beast::http::string_body> res;
    beast::http::read(socket, buffer, res);
    CHECK(res.result_int() == expected);
    CHECK(res.keep_alive());
  }

  // A refused request closes the connection: a signup pipelined behind it never runs.
  auto second = Connect(io, f.port());
  boost::asio::write(second, boost::asio::buffer("GET /healthz HTTP/1.1\r\n\r\n" +
                                                 Smuggled("behind-a-refusal@x.io")));
  beast::flat_buffer buffer2;
  beast::http::response<beast::http::string_body> refused;
  beast::http::read(second, buffer2, refused);
  CHECK(refused.result_int() == 400);
  beast::error_code ec;
  beast::http::response<beast::http::string_body> none;
  beast::http::read(second, buffer2, none, ec);
  CHECK(ec);  // closed, no second answer
  CHECK(f.http.Post("/api/users/signup",
                    R"({"email":"behind-a-refusal@x.io","password":"password-123","name":"P"})")
            .status == 201);
}

TEST_CASE("a connection that stalls is closed: idle before a request, slow header, slow body") {
  ApiFixture f({"--idle-timeout-ms", "600", "--read-timeout-ms", "600"});
  namespace asio = boost::asio;
  asio::io_context io;
  auto connect = [&] { return Connect(io, f.port()); };
  auto closed_after = [](asio::ip::tcp::socket& s) {
    return SecondsUntilClosed(s, std::chrono::seconds(5));
  };
  {  // idle, never a byte
    auto s = connect();
    const double t = closed_after(s);
    CHECK(t > 0.4);
    CHECK(t < 2.5);
  }
  {  // a header that trickles in, a byte every 100 ms: the idle deadline covers all of it
    auto s = connect();
    const auto start = std::chrono::steady_clock::now();
    boost::system::error_code ec;
    const std::string header =
        "GET /healthz HTTP/1.1\r\nHost: a\r\nX-Padding: " + std::string(40, 'p');
    for (char c : header) {
      asio::write(s, asio::buffer(&c, 1), ec);
      if (ec) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const double t =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() +
        closed_after(s);
    CHECK(ec);  // cut off before the header was done
    CHECK(t < 3.0);
  }
  {  // a body that stops halfway
    auto s = connect();
    asio::write(s, asio::buffer(kStalledBody));
    const double t = closed_after(s);
    CHECK(t > 0.4);
    CHECK(t < 2.5);
  }
  {  // a keep-alive connection whose requests come in time stays open past several deadlines
    auto s = connect();
    boost::beast::flat_buffer buffer;
    for (int i = 0; i < 6; ++i) {
      asio::write(s, asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")));
      boost::beast::http::response<boost::beast::http::string_body> res;
      boost::beast::http::read(s, buffer, res);
      CHECK(res.result_int() == 200);
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
  }
}

TEST_CASE("the read timeout is kept apart from a longer idle timeout") {
  ApiFixture f({"--idle-timeout-ms", "4000", "--read-timeout-ms", "500"});
  namespace asio = boost::asio;
  asio::io_context io;
  auto s = Connect(io, f.port());
  // The header comes at once, then the body stops: the read timeout's 0.5 s, not the idle 4 s.
  asio::write(s, asio::buffer(kStalledBody));
  const double t = SecondsUntilClosed(s, std::chrono::seconds(6));
  CHECK(t > 0.4);
  CHECK(t < 2.5);
}

TEST_CASE("a HEAD is answered with its head alone: a request pipelined after it stays in step") {
  ApiFixture f;
  namespace beast = boost::beast;
  boost::asio::io_context io;
  auto s = Connect(io, f.port());
  boost::asio::write(s, boost::asio::buffer(std::string(
                            "HEAD /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
                            "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")));
  beast::flat_buffer buffer;
  beast::http::response_parser<beast::http::string_body> head;
  head.skip(true);  // a HEAD's response has no body, whatever its Content-Length says
  beast::http::read(s, buffer, head);
  CHECK(head.get().result_int() == 200);
  CHECK(head.get().body().empty());
  beast::http::response<beast::http::string_body> get;
  beast::http::read(s, buffer, get);
  CHECK(get.result_int() == 200);
  CHECK(!get.body().empty());
  CHECK(head.get()[beast::http::field::content_length] ==
        get[beast::http::field::content_length]);
}
