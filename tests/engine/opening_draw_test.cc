// The waiting room's committed draw (engine/opening_draw.h): SHA-256 and HMAC against the
// standards' vectors, the commitment made before anyone can join, the order that follows from
// the seed and the entries alone, each phase's own draw, and replay giving the same draw.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "engine/codec/state_codec.h"
#include "engine/invariants.h"
#include "engine/opening_draw.h"
#include "engine/ranked_pool.h"
#include "engine/sha256.h"
#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

constexpr TimeMs kOpen = TestWorld::kStart + 20'000;

WaitingRoomSettings Room(uint32_t cap) { return QueueRoom(cap, 100); }

std::string Hex(const Sha256Digest& d) { return HexOf(d); }

// The draw's rule written out plainly (sorting all of it), to hold the engine's buckets to.
std::vector<UserId> ExpectedOrder(const OpeningDraw& d) {
  const HmacSha256 names(AsBytes(d.key));
  std::vector<std::pair<std::pair<uint64_t, Pseudonym>, UserId>> ranked;
  for (UserId u : d.joined) {
    if (u == 0) continue;
    const Pseudonym p = PseudonymOf(names, u);
    ranked.push_back({{RankOf(d.seed, p), p}, u});
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<UserId> order;
  for (const auto& r : ranked) order.push_back(r.second);
  return order;
}

}  // namespace

TEST_CASE("SHA-256 and HMAC-SHA256 give the standards' test vectors") {
  CHECK(Hex(Sha256Of("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Hex(Sha256Of("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Hex(Sha256Of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256 million;
  const std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) {  // a million 'a's in uneven pieces
    million.Update(chunk.substr(0, 1 + i % 7));
    million.Update(chunk.substr(0, 999 - i % 7));
  }
  CHECK(Hex(million.Final()) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // RFC 4231, cases 1 and 2, and case 6 (a key longer than a block).
  CHECK(Hex(HmacSha256(std::string(20, '\x0b')).Mac("Hi There")) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(Hex(HmacSha256("Jefe").Mac("what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(Hex(HmacSha256(std::string(131, '\xaa'))
                .Mac("Test Using Larger Than Block-Size Key - Hash Key First")) ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("a concert commits each room's draw as it is created, before anyone can join") {
  TestWorld w;
  const VenueId venue = w.AddVenue(GridVenue(1, 4, 10));
  const std::size_t before = w.sink.events.size();
  const ConcertId c = w.AddQueuedConcert(venue, Room(2), kOpen, 60'000);
  // ConcertCreated, then QueueCommitted in the same command, before OpenSales.
  REQUIRE(w.sink.events.size() >= before + 2);
  REQUIRE(TypeOf(w.sink.events[before]) == EventType::kConcertCreated);
  REQUIRE(TypeOf(w.sink.events[before + 1]) == EventType::kQueueCommitted);
  // A copy: the sink's events move as more are added.
  const QueueCommitted committed = std::get<QueueCommitted>(w.sink.events[before + 1].body);
  CHECK(committed.concert == c);
  CHECK(committed.phase == 0);
  CHECK(committed.commitment == CommitmentOf(committed.seed, c, 0));
  CHECK(committed.seed != committed.key);

  // The commitments by hand: SHA-256 over the secret, the id as 8 big-endian bytes, the phase.
  std::string tail;
  for (int i = 7; i >= 0; --i) tail.push_back(static_cast<char>((c >> (8 * i)) & 0xff));
  tail.push_back('\0');
  CHECK(Sha256Of(std::string(AsBytes(committed.seed)) + tail) == committed.commitment);
  CHECK(Sha256Of(std::string(AsBytes(committed.key)) + tail) ==
        w.state.FindConcert(c)->draws[0].key_commitment);

  const OpeningDraw& d = w.state.FindConcert(c)->draws[0];
  CHECK(d.committed);
  CHECK(d.committed_seq == w.sink.events[before + 1].seq);
  CHECK_FALSE(d.opened);
  std::vector<UserId> users;
  for (int i = 0; i < 25; ++i) {
    users.push_back(w.AddUser("d" + std::to_string(i) + "@x.io"));
    const Event joined = w.Run(w.As(users.back(), kOpen - 5'000 + i, JoinQueueCmd{c}));
    REQUIRE(TypeOf(joined) == EventType::kQueueJoined);
    CHECK(joined.seq > d.committed_seq);
  }
  CHECK(d.joined == users);
  // Two leave before the opening: no longer entries. One leaves and comes back: where it
  // joined last.
  w.Run(w.As(users[3], kOpen - 4'000, LeaveQueueCmd{c}));
  w.Run(w.As(users[7], kOpen - 4'000, LeaveQueueCmd{c}));
  w.Run(w.As(users[9], kOpen - 4'000, LeaveQueueCmd{c}));
  w.Run(w.As(users[9], kOpen - 3'000, JoinQueueCmd{c}));
  CHECK(d.joined[3] == 0);
  CHECK(d.joined[9] == 0);
  CHECK(d.joined.back() == users[9]);

  const std::size_t before_opening = w.sink.events.size();
  w.Tick(kOpen, 123);
  CHECK(d.opened);
  CHECK(d.entries == 23);
  // The opening reveals the committed seed in the journal, and no other seed is taken.
  auto opened = std::find_if(w.sink.events.begin() + static_cast<std::ptrdiff_t>(before_opening),
                             w.sink.events.end(),
                             [](const Event& e) { return TypeOf(e) == EventType::kQueueOpened; });
  REQUIRE(opened != w.sink.events.end());
  CHECK(std::get<QueueOpened>(opened->body).order == OpenOrder::kRanked);
  CHECK(std::get<QueueOpened>(opened->body).revealed == committed.seed);
  {
    std::vector<Event> history(w.sink.events.begin(), opened);
    Event forged = *opened;
    std::get<QueueOpened>(forged.body).revealed[0] ^= 1;
    const auto replayed = ReplayThroughJournal(history);
    CHECK(replayed->Apply(forged).IsCorruption());
    CHECK(replayed->Apply(*opened).ok());
  }
  REQUIRE(d.complete());  // 23 entries, fewer than a tick draws
  CHECK(d.order == ExpectedOrder(d));
  std::vector<UserId> in_join_order;
  std::copy_if(d.joined.begin(), d.joined.end(), std::back_inserter(in_join_order),
               [](UserId u) { return u != 0; });
  REQUIRE(in_join_order.size() == d.order.size());
  CHECK(d.order != in_join_order);
  // The line is that order: the first two admitted, the rest waiting behind them in it.
  const WaitingRoom& room = *w.state.FindConcert(c)->room;
  CHECK(room.IsAdmitted(d.order[0]));
  CHECK(room.IsAdmitted(d.order[1]));
  for (std::size_t i = 2; i < d.order.size(); ++i)
    CHECK(room.PositionOf(*room.Find(d.order[i])) == i - 1);
  CHECK(CheckInvariants(w.state).empty());
}

TEST_CASE("the order follows from the seed and the entries: not from join order or later leaves") {
  // Two worlds with the same secrets and the same entries, joined in opposite orders.
  auto order_of = [](bool reversed, bool leave_after_opening) {
    EngineConfig config;
    config.queue_draws_per_tick = 3;  // the draw spans ticks
    TestWorld w(config);
    const ConcertId c = w.AddQueuedConcert(w.AddVenue(GridVenue(1, 4, 10)), Room(1), kOpen, 60'000);
    std::vector<UserId> users;
    for (int i = 0; i < 20; ++i) users.push_back(w.AddUser("o" + std::to_string(i) + "@x.io"));
    if (reversed) std::reverse(users.begin(), users.end());
    for (UserId u : users) w.Run(w.As(u, kOpen - 5'000, JoinQueueCmd{c}));
    w.Tick(kOpen, 1);
    if (leave_after_opening)  // the last of the draw leaves before its turn
      w.Run(w.As(ExpectedOrder(w.state.FindConcert(c)->draws[0]).back(), kOpen + 1,
                 LeaveQueueCmd{c}));
    for (int t = 1; t <= 10; ++t) w.Tick(kOpen + 100 * t, 0);
    const OpeningDraw& d = w.state.FindConcert(c)->draws[0];
    REQUIRE(d.complete());
    CHECK(CheckInvariants(w.state).empty());
    const WaitingRoom& room = *w.state.FindConcert(c)->room;
    if (leave_after_opening) CHECK(room.Find(d.order.back())->status == TicketStatus::kLeft);
    return d.order;
  };
  const std::vector<UserId> forward = order_of(false, false);
  CHECK(order_of(true, false) == forward);
  CHECK(order_of(false, true) == forward);  // drawn all the same, and skipped
}

TEST_CASE("ties in rank fall to the pseudonym") {
  Pseudonym a{}, b{};
  b[15] = 1;
  CHECK(DrawnBefore(5, a, 5, b));
  CHECK_FALSE(DrawnBefore(5, b, 5, a));
  CHECK(DrawnBefore(4, b, 5, a));
  CHECK_FALSE(DrawnBefore(5, a, 5, a));
}

TEST_CASE("without entropy yet, the tick that brings enough commits the draw; joins wait for it") {
  TestWorld w({}, /*first_ticks=*/false);
  const ConcertId c = w.AddQueuedConcert(w.AddVenue(GridVenue(1, 4, 10)), Room(1), kOpen, 60'000);
  CHECK_FALSE(w.state.FindConcert(c)->draws[0].committed);
  const UserId u = w.AddUser("early@x.io");
  const Event refused = w.Run(w.As(u, kOpen - 5'000, JoinQueueCmd{c}));
  CHECK(CodeOf(refused) == ResultCode::kQueueDrawNotCommitted);
  // 64 bits a tick: no secrets from fewer than four ticks' entropy.
  for (uint64_t i = 1; i < Sequencer::kEntropyTicks; ++i)
    CHECK(w.Tick(kOpen - 4'999, 77 + i).seq == 0);  // nothing happened
  CHECK_FALSE(w.state.FindConcert(c)->draws[0].committed);
  const Event committed = w.Tick(kOpen - 4'999, 77);
  REQUIRE(TypeOf(committed) == EventType::kQueueCommitted);
  CHECK(w.state.FindConcert(c)->room->ranked());
  CHECK(TypeOf(w.Run(w.As(u, kOpen - 4'998, JoinQueueCmd{c}))) == EventType::kQueueJoined);
  // Replay refuses a second commitment, and one for a room someone already joined.
  Event again = committed;
  again.seq = w.state.last_seq() + 1;
  CHECK(w.state.Apply(again).IsCorruption());
  TestWorld old({}, /*first_ticks=*/false);
  const ConcertId joined =
      old.AddQueuedConcert(old.AddVenue(GridVenue(1, 4, 10)), Room(1), kOpen, 60'000);
  const UserId first = old.AddUser("first@x.io");
  Event join;
  join.seq = old.state.last_seq() + 1;
  join.ts = kOpen - 5'000;
  join.body = QueueJoined{joined, first};
  REQUIRE(old.state.Apply(join).ok());  // an older journal's join, before any commitment
  Event late = committed;
  late.seq = old.state.last_seq() + 1;
  std::get<QueueCommitted>(late.body).concert = joined;
  std::get<QueueCommitted>(late.body).commitment =
      CommitmentOf(std::get<QueueCommitted>(late.body).seed, joined, 0);
  CHECK(old.state.Apply(late).IsCorruption());
}

TEST_CASE("each phase commits its own draw at creation, and its room follows it") {
  TestWorld w;
  auto spec = w.ConcertSpecFor(w.AddVenue(GridVenue(1, 4, 10)));
  const TimeMs presale_closes = TestWorld::kStart + 60'000;
  const TimeMs general_opens = presale_closes + 60'000;
  SalePhase presale{"선예매", TestWorld::kStart + 20'000, presale_closes, 2, false, Room(1)};
  SalePhase general{"일반예매", general_opens, spec->sales_close_at, 4, false, Room(1)};
  general.waiting_room.pre_queue_ms = 30'000;
  spec->phases = {presale, general};
  spec->sales_open_at = presale.opens_at;
  const ConcertId c = w.AddConcertSpec(spec);
  const Concert& concert = *w.state.FindConcert(c);
  REQUIRE(concert.draws.size() == 2);
  CHECK(concert.draws[0].committed);
  CHECK(concert.draws[1].committed);
  CHECK(concert.draws[0].seed != concert.draws[1].seed);

  std::vector<UserId> users;
  for (int i = 0; i < 6; ++i) users.push_back(w.AddUser("p" + std::to_string(i) + "@x.io"));
  for (UserId u : users) w.Run(w.As(u, TestWorld::kStart + 15'000, JoinQueueCmd{c}));
  w.Tick(TestWorld::kStart + 20'000, 1);
  CHECK(concert.draws[0].complete());
  CHECK(concert.draws[0].order == ExpectedOrder(concert.draws[0]));
  // The general sale's room: after the presale, its own entries and its own order.
  w.Tick(presale_closes, 2);
  REQUIRE(concert.phase == 1);
  for (UserId u : users) w.Run(w.As(u, general_opens - 10'000, JoinQueueCmd{c}));
  w.Tick(general_opens, 3);
  CHECK(concert.draws[1].complete());
  CHECK(concert.draws[1].order == ExpectedOrder(concert.draws[1]));
  CHECK(concert.draws[1].order != concert.draws[0].order);
  CHECK(concert.draws[0].complete());  // the presale's draw stays, for its proof
  CHECK(CheckInvariants(w.state).empty());

  // Replayed through the journal's bytes and through a snapshot: the same draws.
  const auto replayed = ReplayThroughJournal(w.sink.events);
  CHECK(replayed->FindConcert(c)->draws == concert.draws);
  CHECK(StateHash(*replayed) == StateHash(w.state));
  std::string bytes;
  EncodeState(w.state, &bytes);
  auto restored = DecodeState(bytes, {});
  REQUIRE_MESSAGE(restored.ok(), restored.status().ToString());
  CHECK(restored.value()->FindConcert(c)->draws == concert.draws);
  CHECK(StateHash(*restored.value()) == StateHash(w.state));
}

TEST_CASE("a snapshot whose draw does not match its commitment is refused") {
  TestWorld w;
  const ConcertId c = w.AddQueuedConcert(w.AddVenue(GridVenue(1, 4, 10)), Room(1), kOpen, 60'000);
  std::string bytes;
  EncodeState(w.state, &bytes);
  const OpeningDraw& d = w.state.FindConcert(c)->draws[0];
  const std::size_t at = bytes.find(std::string(AsBytes(d.seed)));
  REQUIRE(at != std::string::npos);
  bytes[at] ^= 1;
  const auto restored = DecodeState(bytes, {});
  REQUIRE_FALSE(restored.ok());
  CHECK(restored.status().ToString().find("committed draws") != std::string::npos);
}

TEST_CASE("the ranked pool: a bucket sorted when the draw reaches it, ties by pseudonym, removals "
          "only before the draw") {
  // All in the first bucket (the top 12 bits 0) but one, with a tie on rank 10.
  std::vector<QueueTicket> tickets(6);
  for (std::size_t i = 0; i < tickets.size(); ++i) tickets[i].user = 100 + i;
  auto name_of = [](const QueueTicket& t) {
    Pseudonym p{};
    p[0] = static_cast<uint8_t>(255 - t.user);  // a higher user, a lower pseudonym
    return p;
  };
  RankedPool pool;
  const uint64_t ranks[] = {30, 10, 20, 10, 5, uint64_t{1} << 63};
  for (std::size_t i = 0; i < tickets.size(); ++i) pool.Add(&tickets[i], ranks[i]);
  CHECK(pool.size() == 6);
  CHECK_FALSE(pool.Remove(&tickets[0], uint64_t{1} << 62));  // not in that rank's bucket
  CHECK(pool.Remove(&tickets[2], 20));
  CHECK_FALSE(pool.Remove(&tickets[2], 20));  // gone already
  pool.Add(&tickets[2], 20);
  std::vector<UserId> drawn;
  drawn.push_back(pool.PopNext(name_of).ticket->user);
  CHECK_FALSE(pool.Remove(&tickets[0], 30));  // the draw has begun
  std::size_t left = 0;
  pool.ForEach([&](const RankedPool::Entry&) { ++left; });
  CHECK(left == 5);
  while (pool.size() > 0) drawn.push_back(pool.PopNext(name_of).ticket->user);
  // rank 5, then the tie at 10 (user 103's pseudonym is lower than 101's), 20, 30, the last.
  CHECK(drawn == std::vector<UserId>{104, 103, 101, 102, 100, 105});
}
