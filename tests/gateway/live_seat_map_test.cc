// The live seat map over a real WebSocket: snapshot then deltas in order, resume from history,
// a fresh snapshot when history cannot help, and a client that never reads is cut off alone.
#include <doctest/doctest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "tests/gateway/api_fixture.h"

using namespace cm::test;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

namespace {

class WsClient {
 public:
  explicit WsClient(uint16_t port) : ws_(io_) {
    beast::get_lowest_layer(ws_).connect(
        net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(10));
    ws_.handshake("127.0.0.1", "/ws");
  }
  void Send(const std::string& text) { ws_.write(net::buffer(text)); }
  json::value Next() {
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(10));
    beast::flat_buffer buf;
    ws_.read(buf);
    return json::parse(beast::buffers_to_string(buf.data()));
  }
  // Reads until a message of `type` arrives.
  json::value NextOf(const std::string& type) {
    for (;;) {
      json::value v = Next();
      if (Str(v, "type") == type) return v;
    }
  }
  websocket::stream<beast::tcp_stream>& ws() { return ws_; }

 private:
  net::io_context io_;
  websocket::stream<beast::tcp_stream> ws_;
};

std::string Subscribe(uint64_t concert, int64_t last_seq = -1) {
  json::object o{{"type", "subscribe"}, {"concertId", concert}};
  if (last_seq >= 0) o["lastSeq"] = last_seq;
  return json::serialize(o);
}

}  // namespace

TEST_CASE("subscribe: a snapshot stamped with its seq, then durable deltas in order") {
  ApiFixture f;
  const uint64_t concert = f.CreateConcert();
  const std::string c = std::to_string(concert);
  const std::string user = SignupAndLogin(f.port(), "live@x.io");
  WsClient ws(f.port());
  ws.Send(Subscribe(concert));
  const json::value snap = ws.Next();
  REQUIRE(Str(snap, "type") == "snapshot");
  const int64_t snap_seq = Int(snap, "seq");
  CHECK(snap_seq > 0);
  CHECK(snap.at("seatMap").at("sections").as_array().size() == 1);

  auto held = f.http.Post("/api/v1/concerts/" + c + "/reservations", R"({"seatIds":[3,4]})", user);
  REQUIRE(held.status == 201);
  const json::value d1 = ws.NextOf("delta");
  CHECK(Int(d1, "seq") > snap_seq);
  CHECK(Int(d1, "prevSeq") <= snap_seq);
  const auto& changes = d1.at("changes").as_array();
  REQUIRE(changes.size() == 2);
  CHECK(changes[0].as_array()[0].to_number<int64_t>() == 3);
  CHECK(changes[0].as_array()[1].as_string() == "H");

  REQUIRE(f.http.Delete("/api/reservations/" + std::to_string(Int(held.Json(), "id")), user).status == 200);
  const json::value d2 = ws.NextOf("delta");
  CHECK(Int(d2, "prevSeq") == Int(d1, "seq"));
  CHECK(Int(d2, "seq") > Int(d1, "seq"));
  CHECK(d2.at("changes").as_array()[0].as_array()[1].as_string() == "A");

  ws.Send(R"({"type":"subscribe","concertId":999999})");
  CHECK(Str(ws.NextOf("error"), "code") == "UNKNOWN_CONCERT");
  ws.Send("not json");
  CHECK(Str(ws.NextOf("error"), "code") == "MALFORMED_JSON");
}

TEST_CASE("gaps: resume from history with lastSeq; an unknown past gets a snapshot") {
  ApiFixture f;
  const uint64_t concert = f.CreateConcert();
  const std::string c = std::to_string(concert);
  const std::string user = SignupAndLogin(f.port(), "gap@x.io");
  int64_t last = 0;
  {
    WsClient ws(f.port());
    ws.Send(Subscribe(concert));
    last = Int(ws.Next(), "seq");
    REQUIRE(f.http.Post("/api/v1/concerts/" + c + "/reservations", R"({"seatIds":[1]})", user).status == 201);
    last = Int(ws.NextOf("delta"), "seq");
  }  // disconnected; two more changes happen meanwhile
  REQUIRE(f.http.Post("/api/v1/concerts/" + c + "/reservations", R"({"seatIds":[2]})", user).status == 201);
  REQUIRE(f.http.Post("/api/v1/concerts/" + c + "/reservations", R"({"seatIds":[5]})", user).status == 201);
  WsClient again(f.port());
  again.Send(Subscribe(concert, last));
  const json::value m1 = again.Next();
  REQUIRE(Str(m1, "type") == "delta");  // the missed deltas, not a snapshot
  CHECK(Int(m1, "prevSeq") == last);
  const json::value m2 = again.Next();
  CHECK(Str(m2, "type") == "delta");
  CHECK(Int(m2, "prevSeq") == Int(m1, "seq"));

  // After a restart the history is gone: the same request gets a fresh snapshot.
  f.Restart(false);
  WsClient after(f.port());
  after.Send(Subscribe(concert, Int(m2, "seq")));
  const json::value s = after.Next();
  CHECK(Str(s, "type") == "snapshot");
}

TEST_CASE("a client that never reads is cut off at its bound; others keep receiving") {
  ApiFixture f;
  ConcertOptions big;
  big.sections = 4;
  big.rows = 20;
  big.seats_per_row = 40;  // 3,200 seats: each snapshot is ~70 KB
  const uint64_t concert = f.CreateConcert(big);
  const std::string user = SignupAndLogin(f.port(), "steady@x.io");
  WsClient slow(f.port()), steady(f.port());
  steady.Send(Subscribe(concert));
  REQUIRE(Str(steady.Next(), "type") == "snapshot");
  // Ask for a snapshot again and again without reading: ~200 x 70 KB passes the 8 MB bound.
  for (int i = 0; i < 200; ++i) slow.Send(Subscribe(concert));
  REQUIRE(f.http.Post("/api/v1/concerts/" + std::to_string(concert) + "/reservations",
                      R"({"seatIds":[7]})", user).status == 201);
  CHECK(Str(steady.NextOf("delta"), "type") == "delta");
  // The slow client now reads: it finds the connection closed (4001, or cut) before 200 snapshots.
  int snapshots = 0;
  bool closed = false;
  try {
    for (;;) {
      if (Str(slow.Next(), "type") == "snapshot") ++snapshots;
      if (snapshots == 200) break;
    }
  } catch (const boost::system::system_error& e) {
    closed = true;
    if (e.code() == websocket::error::closed) CHECK(slow.ws().reason().code == 4001);
  }
  CHECK(closed);
  CHECK(snapshots < 200);
  REQUIRE(f.http.Post("/api/v1/concerts/" + std::to_string(concert) + "/reservations",
                      R"({"seatIds":[8]})", user).status == 201);
  CHECK(Str(steady.NextOf("delta"), "type") == "delta");
}

TEST_CASE("notifications reach only their owner; unauthenticated requests are refused") {
  ApiFixture f;
  ConcertOptions warn_soon;
  warn_soon.hold_ttl_s = 62;  // the 1-minute warning comes 2 s after the hold
  const uint64_t concert = f.CreateConcert(warn_soon);
  const std::string c = std::to_string(concert);
  const std::string a = SignupAndLogin(f.port(), "na@x.io"), b = SignupAndLogin(f.port(), "nb@x.io");

  WsClient anon(f.port());
  anon.Send(R"({"type":"notifications"})");
  CHECK(Str(anon.NextOf("error"), "code") == "MISSING_TOKEN");
  anon.Send(R"({"type":"notifications","token":"forged.token.here"})");
  CHECK(Str(anon.NextOf("error"), "code") == "INVALID_TOKEN");

  WsClient wa(f.port()), wb(f.port());
  wa.Send(json::serialize(json::object{{"type", "notifications"}, {"token", a}}));
  CHECK(Str(wa.Next(), "type") == "subscribed");
  wb.Send(json::serialize(json::object{{"type", "notifications"}, {"token", b}}));
  CHECK(Str(wb.Next(), "type") == "subscribed");

  auto held = f.http.Post("/api/v1/concerts/" + c + "/reservations", R"({"seatIds":[0]})", a);
  REQUIRE(held.status == 201);
  const json::value placed = wa.NextOf("notification");
  CHECK(Str(placed, "kind") == "HOLD_PLACED");
  CHECK(Int(placed, "reservationId") == Int(held.Json(), "id"));

  auto b_held = f.http.Post("/api/v1/concerts/" + c + "/reservations", R"({"seatIds":[1]})", b);
  REQUIRE(b_held.status == 201);
  const json::value b_first = wb.NextOf("notification");  // B's first: its own, never A's
  CHECK(Int(b_first, "reservationId") == Int(b_held.Json(), "id"));

  const json::value expiring = wa.NextOf("notification");
  CHECK(Str(expiring, "kind") == "HOLD_EXPIRING");
  CHECK(Int(expiring, "secondsLeft") <= 60);

  const std::string rid = std::to_string(Int(held.Json(), "id"));
  REQUIRE(f.http.Post("/api/admin/reservations/" + rid + "/confirm", "", f.admin).status == 200);
  CHECK(Str(wa.NextOf("notification"), "kind") == "RESERVATION_CONFIRMED");
  REQUIRE(f.http.Post("/api/admin/reservations/" + rid + "/refund", "", f.admin).status == 200);
  CHECK(Str(wa.NextOf("notification"), "kind") == "REFUND_ISSUED");
  // B saw only its own: after its HOLD_PLACED comes its own HOLD_EXPIRING.
  const json::value b_next = wb.NextOf("notification");
  CHECK(Int(b_next, "reservationId") == Int(b_held.Json(), "id"));
}

TEST_CASE("a hold that runs out notifies its owner HOLD_EXPIRED") {
  ApiFixture f({"--tick-ms", "50"});
  ConcertOptions quick;
  quick.hold_ttl_s = 1;
  const std::string c = std::to_string(f.CreateConcert(quick));
  const std::string a = SignupAndLogin(f.port(), "exp@x.io");
  WsClient wa(f.port());
  wa.Send(json::serialize(json::object{{"type", "notifications"}, {"token", a}}));
  REQUIRE(Str(wa.Next(), "type") == "subscribed");
  REQUIRE(f.http.Post("/api/v1/concerts/" + c + "/reservations", R"({"seatIds":[2]})", a).status == 201);
  CHECK(Str(wa.NextOf("notification"), "kind") == "HOLD_PLACED");
  CHECK(Str(wa.NextOf("notification"), "kind") == "HOLD_EXPIRED");
}
