// The live seat map over a real WebSocket: snapshot then deltas in order, resume from history,
// a fresh snapshot when history cannot help, and a client that never reads is cut off alone.
#include <doctest/doctest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <deque>
#include <fstream>
#include <set>
#include <thread>

#include "tests/server/api_fixture.h"
#include "tests/support/metrics_named.h"
#include "tests/support/ws_client.h"

using namespace cm::test;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

namespace {

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
  CHECK(Int(d1, "durableAtUs") > 0);
  CHECK_FALSE(d1.as_object().contains("leaderSentAtUs"));  // a leader's own: no replicated log
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

TEST_CASE("a big hall's page asks for the snapshot as one status letter per seat, then deltas") {
  ApiFixture f;
  const uint64_t concert = f.CreateConcert();  // 40 seats
  const std::string c = std::to_string(concert);
  const std::string user = SignupAndLogin(f.port(), "letters@x.io");
  auto held = f.http.Post("/api/v1/concerts/" + c + "/reservations", R"({"seatIds":[3,4]})", user);
  REQUIRE(held.status == 201);
  WsClient ws(f.port());
  ws.Send(R"({"type":"subscribe","concertId":)" + c + R"(,"seats":"letters"})");
  const json::value snap = ws.Next();
  REQUIRE(Str(snap, "type") == "snapshot");
  CHECK_FALSE(snap.as_object().contains("seatMap"));
  CHECK(Str(snap, "seats") == "AAAHH" + std::string(35, 'A'));
  // The same seq as the full form's snapshot of the same state.
  WsClient full(f.port());
  full.Send(Subscribe(concert));
  CHECK(Int(full.Next(), "seq") == Int(snap, "seq"));
  REQUIRE(f.http.Delete("/api/reservations/" + std::to_string(Int(held.Json(), "id")), user).status == 200);
  const json::value d = ws.NextOf("delta");
  CHECK(d.at("changes").as_array()[0].as_array()[1].as_string() == "A");
  ws.Send(R"({"type":"subscribe","concertId":)" + c + R"(,"seats":"pictures"})");
  const json::value bad = ws.NextOf("error");
  CHECK(Str(bad, "code") == "VALIDATION_FAILED");
  CHECK(Str(bad, "detail").find("map or letters") != std::string::npos);
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
  // The missed deltas, not a snapshot: chained from `last`, covering both holds (published
  // close together, they may share one delta).
  std::set<int64_t> held_seats;
  int64_t seq = last;
  while (held_seats.size() < 2) {
    const json::value d = again.Next();
    REQUIRE(Str(d, "type") == "delta");
    CHECK(Int(d, "prevSeq") == seq);
    seq = Int(d, "seq");
    for (const auto& change : d.at("changes").as_array())
      if (change.as_array()[1].as_string() == "H") held_seats.insert(change.as_array()[0].to_number<int64_t>());
  }
  CHECK(held_seats == std::set<int64_t>{2, 5});

  // After a restart the history is gone: the same request gets a fresh snapshot.
  f.Restart(false);
  WsClient after(f.port());
  after.Send(Subscribe(concert, seq));
  const json::value s = after.Next();
  CHECK(Str(s, "type") == "snapshot");
}

TEST_CASE("a client that stops reading is closed with 4001 at the history bound; others keep receiving") {
  // (--hold-rate 0: the 12 holds and releases below come faster than one user's bucket allows.)
  ApiFixture f({"--ws-history", "8", "--ws-send-buffer", "65536", "--hold-rate", "0"});
  ConcertOptions big;
  big.sections = 4;
  big.rows = 25;
  big.seats_per_row = 100;  // 10,000 seats: the snapshot (~230 KB) fills the kernel's buffers for the slow client
  const uint64_t concert = f.CreateConcert(big);
  const std::string c = std::to_string(concert);
  const std::string user = SignupAndLogin(f.port(), "steady@x.io");
  WsClient slow(f.port(), 4096), steady(f.port());
  steady.Send(Subscribe(concert));
  REQUIRE(Str(steady.Next(), "type") == "snapshot");
  slow.Send(Subscribe(concert));  // and never reads

  // 12 changes, each waited for, so each is its own delta: more than the 8 deltas of history
  // the slow client may fall behind by.
  int64_t last_seq = 0;
  auto next_delta = [&] {
    const json::value d = steady.NextOf("delta");
    if (last_seq != 0) CHECK(Int(d, "prevSeq") == last_seq);  // in order, nothing skipped
    last_seq = Int(d, "seq");
  };
  for (int i = 0; i < 6; ++i) {  // a new seat each time: a released seat cools down for its user
    auto held = f.http.Post("/api/v1/concerts/" + c + "/reservations",
                            R"({"seatIds":[)" + std::to_string(7 + i) + "]}", user);
    REQUIRE(held.status == 201);
    next_delta();
    REQUIRE(f.http.Delete("/api/reservations/" + std::to_string(Int(held.Json(), "id")), user).status == 200);
    next_delta();
  }
  const int code = slow.ReadUntilClosed();
  CHECK((code == 4001 || code == 0));  // 0: cut after the close frame could not be delivered

  // The steady client is unaffected and keeps receiving.
  REQUIRE(f.http.Post("/api/v1/concerts/" + c + "/reservations", R"({"seatIds":[20]})", user).status == 201);
  CHECK(Int(steady.NextOf("delta"), "prevSeq") == last_seq);
}

TEST_CASE("a client whose own queue passes --ws-queue-bytes is closed with 4001") {
  ApiFixture f({"--ws-queue-bytes", "65536", "--ws-send-buffer", "65536"});
  ConcertOptions big;
  big.sections = 4;
  big.rows = 25;
  big.seats_per_row = 100;
  std::vector<uint64_t> concerts;
  for (int i = 0; i < 3; ++i) concerts.push_back(f.CreateConcert(big));
  WsClient slow(f.port(), 4096);
  // The first snapshot blocks in the socket; the second waits in the queue (one message is
  // always accepted, however large); the third passes the byte bound.
  for (uint64_t concert : concerts) slow.Send(Subscribe(concert));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // not reading meanwhile
  CHECK(slow.ReadUntilClosed() == 4001);

  WsClient fresh(f.port());
  fresh.Send(Subscribe(concerts[0]));
  CHECK(Str(fresh.Next(), "type") == "snapshot");
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
  const json::value ticket = wa.NextOf("notification");  // one per seat
  CHECK(Str(ticket, "kind") == "TICKET_ISSUED");
  CHECK(Int(ticket, "reservationId") == Int(held.Json(), "id"));
  REQUIRE(f.http.Post("/api/admin/reservations/" + rid + "/refund", "", f.admin).status == 200);
  CHECK(Str(wa.NextOf("notification"), "kind") == "REFUND_ISSUED");
  // B saw only its own: after its HOLD_PLACED comes its own HOLD_EXPIRING.
  const json::value b_next = wb.NextOf("notification");
  CHECK(Int(b_next, "reservationId") == Int(b_held.Json(), "id"));
}

TEST_CASE("an extended hold notifies HOLD_EXTENDED, and its expiry warning comes again before the "
          "new end, not the old one") {
  ApiFixture f;
  ConcertOptions o;
  o.hold_ttl_s = 62;  // the first warning would come 2 s after the hold ...
  o.extra = json::object{{"holdExtensionSeconds", 4}};  // ... the extended one 6 s after
  const std::string c = std::to_string(f.CreateConcert(o));
  const std::string a = SignupAndLogin(f.port(), "ext@x.io");
  WsClient wa(f.port());
  wa.Send(json::serialize(json::object{{"type", "notifications"}, {"token", a}}));
  REQUIRE(Str(wa.Next(), "type") == "subscribed");
  auto held = f.http.Post("/api/v1/concerts/" + c + "/reservations", R"({"seatIds":[3]})", a);
  REQUIRE(held.status == 201);
  const auto start = std::chrono::steady_clock::now();
  CHECK(Str(wa.NextOf("notification"), "kind") == "HOLD_PLACED");
  const std::string rid = std::to_string(Int(held.Json(), "id"));
  REQUIRE(f.http.Post("/api/reservations/" + rid + "/extend", "", a).status == 200);
  const json::value extended = wa.NextOf("notification");
  CHECK(Str(extended, "kind") == "HOLD_EXTENDED");
  const json::value expiring = wa.NextOf("notification");
  CHECK(Str(expiring, "kind") == "HOLD_EXPIRING");
  CHECK(Int(expiring, "reservationId") == Int(held.Json(), "id"));
  // Not the stale warning of the old end (2 s), the new one (6 s).
  CHECK(std::chrono::steady_clock::now() - start > std::chrono::milliseconds(5000));
  CHECK(Str(expiring, "expiresAt") == Str(extended, "expiresAt"));
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

TEST_CASE("dead connections: a silent client that answers pings stays, one that does not is dropped") {
  ApiFixture f({"--ws-idle-timeout-ms", "600"});
  const uint64_t concert = f.CreateConcert();
  WsClient live(f.port()), dead(f.port());
  // 2 s is more than three idle timeouts: the server pings both; only `live` reads and pongs.
  REQUIRE(live.QuietFor(std::chrono::milliseconds(2000)));
  live.Send(Subscribe(concert));
  CHECK(Str(live.FinishPending(), "type") == "snapshot");
  // `dead` read nothing meanwhile: the server gave up on it and closed the connection.
  CHECK_THROWS_AS(dead.Next(), boost::system::system_error);
}

TEST_CASE("waiting room on the WebSocket: the place while waiting, then ADMITTED as a shopper leaves") {
  ApiFixture f({"--tick-ms", "50"});
  ConcertOptions o;
  o.waiting_room = json::object{{"maxActive", 1}};
  const uint64_t concert = f.CreateConcert(o);
  const std::string queue = "/api/v1/concerts/" + std::to_string(concert) + "/queue";
  const std::string a = SignupAndLogin(f.port(), "qa@x.io"), b = SignupAndLogin(f.port(), "qb@x.io");

  WsClient anon(f.port());
  anon.Send(json::serialize(json::object{{"type", "queue"}, {"concertId", concert}}));
  CHECK(Str(anon.NextOf("error"), "code") == "NOT_AUTHENTICATED");

  REQUIRE(f.http.Post(queue, "", a).status == 201);
  for (int i = 0; i < 100 && Str(f.http.Get(queue + "/me", a).Json(), "status") != "ADMITTED"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(f.http.Post(queue, "", b).status == 201);

  WsClient wb(f.port());
  wb.Send(json::serialize(json::object{{"type", "notifications"}, {"token", b}}));
  REQUIRE(Str(wb.Next(), "type") == "subscribed");
  wb.Send(json::serialize(json::object{{"type", "queue"}, {"concertId", concert}}));
  const json::value waiting = wb.NextOf("queue");
  CHECK(Int(waiting, "concertId") == static_cast<int64_t>(concert));
  CHECK(Str(waiting.at("ticket"), "status") == "WAITING");
  CHECK(Int(waiting.at("ticket"), "position") == 1);
  // Nothing changes: no message (positions are pushed on change, not repeated every second).
  CHECK(wb.QuietFor(std::chrono::milliseconds(1500)));

  const auto left_at = std::chrono::steady_clock::now();
  REQUIRE(f.http.Delete(queue + "/me", a).status == 200);
  const json::value admitted = wb.FinishPending();
  CHECK(Str(admitted, "type") == "queue");
  CHECK(Str(admitted.at("ticket"), "status") == "ADMITTED");
  // Pushed with the admission, not at the next once-a-second round.
  CHECK(std::chrono::steady_clock::now() - left_at < std::chrono::milliseconds(900));
  CHECK(f.http.Post("/api/v1/concerts/" + std::to_string(concert) + "/reservations",
                    R"({"count":1})", b).status == 201);
}

namespace {

// The kernel's TCP memory, in pages, from /proc/net/sockstat ("TCP: ... mem N").
long TcpMemPages() {
  std::ifstream in("/proc/net/sockstat");
  std::string line;
  while (std::getline(in, line)) {
    const auto at = line.find(" mem ");
    if (line.starts_with("TCP:") && at != std::string::npos) return std::stol(line.substr(at + 5));
  }
  return -1;
}

double Gauge(HttpClient& http, const std::string& name) {
  return MetricSample(http.Get("/metrics").body, name);
}

}  // namespace

TEST_CASE("400 subscribers that never read pin a bounded amount of kernel memory, and each is "
          "cut within the write timeout") {
  // The default send buffer (64 KiB); a 2 s write timeout, checked every 0.5 s.
  ApiFixture f({"--ws-write-timeout-ms", "2000", "--ws-idle-timeout-ms", "600000",
                "--max-connections-per-ip", "0", "--hold-rate", "0"});
  ConcertOptions big;
  big.sections = 4;
  big.rows = 25;
  big.seats_per_row = 100;  // a ~230 KB snapshot: more than the kernel takes for one socket
  const uint64_t concert = f.CreateConcert(big);
  constexpr int kClients = 400;
  const long before = TcpMemPages();
  REQUIRE(before >= 0);
  std::vector<std::unique_ptr<WsClient>> stalled;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kClients; ++i) {
    stalled.push_back(std::make_unique<WsClient>(f.port(), 4096));
    stalled.back()->Send(Subscribe(concert));  // and never reads
  }
  long peak = before, now = before;
  double subscribed = 0;
  auto since = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  // Every one is cut once its acknowledgements stop for 2 s, abortively, so the kernel frees
  // what it held: the memory comes back down. (The subscriptions gauge would not tell: the
  // feed prunes a dead subscriber at the concert's next change.)
  while (since() < 20) {
    now = TcpMemPages();
    peak = std::max(peak, now);
    if (subscribed < kClients) subscribed = Gauge(f.http, "cm_ws_subscribers");
    if (subscribed == kClients && (peak - before) * 4 > kClients * 64 &&
        (now - before) * 4 < kClients * 16)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const double cut_after = since();
  MESSAGE("kernel TCP memory: " << before << " pages before, " << peak << " at the peak ("
          << (peak - before) * 4 / kClients << " KiB a client), " << now << " after the cuts; "
          << subscribed << " subscribed, all cut " << cut_after << " s after the first connected");
  CHECK(subscribed == kClients);
  // The last client subscribed within a second or two; 2 s without progress, a check every
  // 0.5 s, and room for a busy machine.
  CHECK(cut_after < 12);
  // Each stalled socket holds at most its send buffer (64 KiB, doubled by the kernel) and its
  // peer's 4 KiB receive buffer: 160 KiB is a generous ceiling (autotuning let one hold 4 MiB).
  CHECK((peak - before) * 4 < kClients * 160);
  // The cuts are abortive: the kernel frees what they held at once.
  CHECK((now - before) * 4 < kClients * 16);
  int closed = 0;
  for (auto& c : stalled) closed += c->ReadUntilClosed() == 0 ? 1 : 0;
  CHECK(closed == kClients);
}
