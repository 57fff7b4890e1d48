// The seat history: the journal folded by seat. A seat's entries come back in order with who
// and why, whatever batches and rounds the events came in; the index resumes where it stopped
// after a restart, skips what it has, refuses a gap, and its tail thread keeps up with a
// journal that grows.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "engine/codec/event_codec.h"
#include "history/seat_history_tail.h"
#include "journal/memory_journal.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_world.h"

using namespace cm::test;
using cm::history::SeatEventKind;
using cm::history::SeatHistoryIndex;

namespace {

constexpr TimeMs kT = TestWorld::kStart;

// The journal's batches as a writer makes them: `per_batch` events each.
std::vector<std::string> Batches(const std::vector<Event>& events, std::size_t from,
                                 std::size_t per_batch) {
  std::vector<std::string> out;
  for (std::size_t i = from; i < events.size(); ++i) {
    if ((i - from) % per_batch == 0) out.emplace_back();
    EncodeEvent(events[i], &out.back());
  }
  return out;
}

std::vector<std::string_view> Views(const std::vector<std::string>& batches) {
  return {batches.begin(), batches.end()};
}

std::vector<SeatEventKind> KindsOf(const SeatHistoryIndex& index, ConcertId c, SeatIndex s) {
  auto found = index.Query(c, s, 0, 100);
  REQUIRE(found.ok());
  std::vector<SeatEventKind> kinds;
  for (const auto& e : found.value()) kinds.push_back(e.kind);
  return kinds;
}

// A friend holds seat 0 and lets it go; a fan holds it with seat 1, pays (an admin confirms), gives
// the seat-1 ticket to a friend, is checked in on seat 0; an admin revokes the seat-1 ticket and
// refunds the lot.
struct Story {
  TestWorld w;
  UserId admin = w.AddUser("admin@x.io", Role::kAdmin);
  UserId fan = w.AddUser("fan@x.io");
  UserId friend_ = w.AddUser("friend@x.io");
  UserId door = w.AddUser("door@x.io", Role::kStaff);
  VenueId venue = w.AddVenue(GridVenue(1, 2, 10));
  std::shared_ptr<ConcertSpec> spec = [&] {
    auto s = w.ConcertSpecFor(venue);
    s->doors_open_at = s->starts_at - 3'600'000;
    return s;
  }();
  ConcertId concert = w.AddConcertSpec(spec);
  std::size_t setup = w.sink.events.size();
  TicketId seat0_ticket = 0, seat1_ticket = 0;

  Story() {
    const auto first = w.Hold(friend_, concert, {0});
    w.Run(w.As(friend_, kT + 1, ReleaseHoldCmd{std::get<HoldPlaced>(first.body).reservation}));
    const auto again = w.Hold(fan, concert, {0, 1}, kT + 2);
    const ReservationId r = std::get<HoldPlaced>(again.body).reservation;
    REQUIRE(CodeOf(w.Run(w.As(admin, kT + 3, ConfirmReservationCmd{r}))) == ResultCode::kOk);
    seat0_ticket = w.state.FirstTicketOf(r);
    seat1_ticket = seat0_ticket + 1;
    REQUIRE(CodeOf(w.Give(fan, seat1_ticket, friend_, kT + 4)) == ResultCode::kOk);
    const Ticket& t = *w.state.FindTicket(seat0_ticket);
    const TimeMs doors = spec->doors_open_at;
    REQUIRE(CodeOf(w.Run(w.As(door, doors + 1,
                              CheckInCmd{t.id, t.concert, t.seat, t.version, concert, "Gate 3",
                                         false, 0, {}}))) == ResultCode::kOk);
    REQUIRE(CodeOf(w.Run(w.As(admin, doors + 2, RevokeTicketCmd{seat1_ticket, "resold"}))) ==
            ResultCode::kOk);
    REQUIRE(CodeOf(w.Run(w.As(admin, doors + 3, RefundReservationCmd{r, "show moved"}))) ==
            ResultCode::kOk);
  }
};

}  // namespace

TEST_CASE("a seat's history lists what touched it, in order, with who and why") {
  Story s;
  TempDir dir;
  auto opened = SeatHistoryIndex::Open(dir.path() + "/h");
  REQUIRE(opened.ok());
  SeatHistoryIndex& index = *opened.value();
  CHECK(index.indexed_seq() == 0);
  // One event a batch, all in one round: a hold and its release meet inside one WriteBatch.
  const auto batches = Batches(s.w.sink.events, 0, 1);
  REQUIRE(index.Index(Views(batches)).ok());
  CHECK(index.indexed_seq() == s.w.state.last_seq());

  using K = SeatEventKind;
  CHECK(KindsOf(index, s.concert, 0) ==
        std::vector<K>{K::kHold, K::kRelease, K::kHold, K::kConfirm, K::kCheckIn, K::kRefund});
  CHECK(KindsOf(index, s.concert, 1) ==
        std::vector<K>{K::kHold, K::kConfirm, K::kTransfer, K::kRevoke, K::kRefund});
  CHECK(KindsOf(index, s.concert, 2).empty());
  CHECK(KindsOf(index, s.concert + 1, 0).empty());

  auto seat1 = index.Query(s.concert, 1, 0, 100).value();
  CHECK(seat1[0].user == s.fan);
  CHECK(seat1[1].by == s.admin);
  CHECK(seat1[2].user == s.friend_);
  CHECK(seat1[2].by == s.fan);
  CHECK(seat1[3].detail == "resold");
  CHECK(seat1[3].ticket == s.seat1_ticket);
  CHECK(seat1[4].detail == "show moved");
  auto seat0 = index.Query(s.concert, 0, 0, 100).value();
  CHECK(seat0[1].by == s.friend_);
  CHECK(seat0[2].user == s.fan);
  CHECK(seat0[4].detail == "Gate 3");
  CHECK(seat0[4].at == s.spec->doors_open_at + 1);
  // Pages: after the second entry's seq, two more.
  auto page = index.Query(s.concert, 0, seat0[1].seq, 2).value();
  REQUIRE(page.size() == 2);
  CHECK(page[0].seq == seat0[2].seq);
}

TEST_CASE("the index resumes after a restart, skips what it has and refuses a gap") {
  Story s;
  TempDir dir;
  const std::string path = dir.path() + "/h";
  const auto& events = s.w.sink.events;
  const std::size_t half = events.size() / 2;
  {
    auto index = SeatHistoryIndex::Open(path).value();
    const auto first = Batches({events.begin(), events.begin() + static_cast<std::ptrdiff_t>(half)}, 0, 3);
    REQUIRE(index->Index(Views(first)).ok());
    CHECK(index->indexed_seq() == events[half - 1].seq);
  }
  auto index = SeatHistoryIndex::Open(path).value();
  CHECK(index->indexed_seq() == events[half - 1].seq);
  // A gap is refused and changes nothing.
  const auto late = Batches(events, half + 1, 4);
  CHECK(index->Index(Views(late)).IsCorruption());
  CHECK(index->indexed_seq() == events[half - 1].seq);
  // The whole journal again: what it has is skipped, the rest is added once.
  const auto all = Batches(events, 0, 5);
  REQUIRE(index->Index(Views(all)).ok());
  REQUIRE(index->Index(Views(all)).ok());
  using K = SeatEventKind;
  CHECK(KindsOf(*index, s.concert, 1) ==
        std::vector<K>{K::kHold, K::kConfirm, K::kTransfer, K::kRevoke, K::kRefund});
}

TEST_CASE("the tail keeps the index up with a growing journal, and stops") {
  Story s;
  TempDir dir;
  auto index = SeatHistoryIndex::Open(dir.path() + "/h").value();
  cm::journal::MemoryJournal journal;
  std::atomic<Seq> durable{0};
  auto append = [&](std::size_t from, std::size_t to) {
    std::string records;
    for (std::size_t i = from; i < to; ++i) EncodeEvent(s.w.sink.events[i], &records);
    REQUIRE(journal.Append(s.w.sink.events[from].seq, s.w.sink.events[to - 1].seq, records).ok());
    durable = s.w.sink.events[to - 1].seq;
  };
  cm::history::SeatHistoryTail tail(
      *index, {[&] { return durable.load(); },
               [&](Seq from, const std::function<bool(Seq, std::string_view)>& visit) {
                 return journal.Scan(from, visit);
               },
               std::chrono::milliseconds(5), 64});  // small rounds: several per catch-up
  const std::size_t n = s.w.sink.events.size();
  append(0, n / 2);
  tail.Start();
  append(n / 2, n);
  for (int i = 0; i < 400 && index->indexed_seq() < durable.load(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  tail.Stop();
  CHECK(index->indexed_seq() == s.w.state.last_seq());
  CHECK(KindsOf(*index, s.concert, 0).size() == 6);
}

TEST_CASE("an index begun after retention moved the journal's start goes on from where it starts") {
  Story s;
  TempDir dir;
  auto index = SeatHistoryIndex::Open(dir.path() + "/h").value();
  cm::journal::MemoryJournal journal;
  const auto& events = s.w.sink.events;
  const std::size_t n = events.size();
  // Batches of 4 events; the first half is gone from the journal (retention).
  for (std::size_t i = 0; i < n; i += 4) {
    const std::size_t to = std::min(n, i + 4);
    std::string records;
    for (std::size_t k = i; k < to; ++k) EncodeEvent(events[k], &records);
    REQUIRE(journal.Append(events[i].seq, events[to - 1].seq, records).ok());
  }
  const Seq kept = events[(n / 2) / 4 * 4].seq;
  REQUIRE(journal.DropBefore(kept).ok());
  {
    cm::history::SeatHistoryTail tail(
        *index, {[&] { return events.back().seq; },
                 [&](Seq from, const std::function<bool(Seq, std::string_view)>& visit) {
                   return journal.Scan(from, visit);
                 }});
    CHECK(tail.RunRound());
  }
  CHECK(index->starts_at() == kept);
  CHECK(index->indexed_seq() == events.back().seq);
  // What the kept half touched is there; the seat's older events are not.
  using K = SeatEventKind;
  const auto seat1 = KindsOf(*index, s.concert, 1);
  REQUIRE_FALSE(seat1.empty());
  CHECK(seat1.back() == K::kRefund);
  // Reopened, it still says where it starts.
  index.reset();
  CHECK(SeatHistoryIndex::Open(dir.path() + "/h").value()->starts_at() == kept);
}
