// The sequencer allocates nothing per command in steady state. This binary replaces the global
// operator new with one that counts, and counts only inside Sequencer::Execute (which decides
// and applies): after a warm-up that grows every table to its working size, a million holds,
// best-available holds, releases, expiries, payments (with idempotency keys), charge reports
// and refund reports must make no allocation at all. Replaying their journal records (decode,
// then the same Apply) must make none either.
// One exception, by design: the tickets a confirmation issues are kept for good (a revoked one
// must still answer REVOKED at the door), so the ticket table grows with sales, a block of
// slots at a time (and a concert's creation makes room for a ticket per seat, so a first sale
// grows nothing). Resales beyond that may allocate, at most once per 32 tickets issued.
#include <doctest/doctest.h>

#include <atomic>
#include <iterator>
#include <variant>
#include <cstdlib>
#include <new>

#include "engine/codec/event_codec.h"
#include "engine/codec/state_codec.h"
#include "tests/support/test_world.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CM_COUNTING_NEW 0  // the sanitizers bring their own operator new
#else
#define CM_COUNTING_NEW 1
#endif

namespace {
std::atomic<bool> g_counting{false};
std::atomic<uint64_t> g_allocations{0};
}  // namespace

#if CM_COUNTING_NEW
// A place for a debugger's breakpoint: `break CountedAllocation` shows who allocated.
__attribute__((noinline)) void CountedAllocation() { asm volatile(""); }
void* operator new(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    CountedAllocation();
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

using namespace cm::test;

namespace {

struct Rng {
  uint64_t s;
  uint64_t Next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
};

// Remembers what the commands need (live holds, pending payments, refunds to settle) in
// buffers reserved up front, so the sink itself never allocates inside Execute.
struct Bookkeeping : EventSink {
  struct Held {
    ReservationId id;
    UserId user;
  };
  struct Pending {
    PaymentId id;
    uint32_t attempt;
  };
  std::vector<Held> held;
  std::vector<Pending> pending;
  std::vector<PaymentId> refunds;
  std::vector<ReservationId> confirmed;
  std::string journal;  // every event's record, reserved up front
  uint64_t counts[std::variant_size_v<EventBody>] = {};  // by EventType

  Bookkeeping() {
    held.reserve(1 << 20);
    pending.reserve(1 << 20);
    refunds.reserve(1 << 20);
    confirmed.reserve(1 << 20);
    journal.reserve(std::size_t{256} << 20);
  }
  template <class V, class Pred>
  static void EraseIf(V& v, Pred pred) {
    for (std::size_t i = 0; i < v.size();)
      if (pred(v[i])) {
        v[i] = v.back();
        v.pop_back();
      } else {
        ++i;
      }
  }
  void OnEvent(const Event& e, uint64_t, bool) override {
    if (journal.size() + 4096 < journal.capacity()) EncodeEvent(e, &journal);
    ++counts[static_cast<int>(TypeOf(e))];
    if (const auto* h = std::get_if<HoldPlaced>(&e.body)) held.push_back({h->reservation, h->user});
    if (const auto* p = std::get_if<PaymentRequested>(&e.body)) pending.push_back({p->payment, 1});
    if (const auto* f = std::get_if<PaymentFailed>(&e.body)) {
      for (Pending& p : pending)
        if (p.id == f->payment) p.attempt = f->attempt + 1;
      if (f->final) EraseIf(pending, [&](const Pending& p) { return p.id == f->payment; });
    }
    if (const auto* s = std::get_if<PaymentSucceeded>(&e.body))
      EraseIf(pending, [&](const Pending& p) { return p.id == s->payment; });
    if (const auto* c = std::get_if<ReservationConfirmed>(&e.body))
      confirmed.push_back(c->reservation);
    if (const auto* r = std::get_if<RefundIssued>(&e.body)) refunds.push_back(r->payment);
    if (const auto* x = std::get_if<HoldExpired>(&e.body))
      EraseIf(held, [&](const Held& h) { return h.id == x->reservation; });
  }
};

}  // namespace

TEST_CASE("the sequencer makes no allocation per command in steady state") {
  if (!CM_COUNTING_NEW) {
    MESSAGE("skipped: a sanitizer owns operator new in this build");
    return;
  }
  EngineConfig config;
  config.ended_retention_ms = 5'000;  // short, so the tables reach their working size early
  config.idempotency_ttl_ms = 10'000;
  config.payment_grace_ms = 2'000;
  TestWorld w(config);
  constexpr int kUsers = 2'000;
  std::vector<UserId> users;
  for (int i = 0; i < kUsers; ++i) users.push_back(w.AddUser("fan" + std::to_string(i) + "@x.io"));
  const VenueId venue = w.AddVenue(GridVenue(4, 50, 100));  // 20,000 seats
  const ConcertId concert = w.AddConcert(venue, true, 8, /*ttl*/ 4'000);
  const uint32_t seats = 20'000;

  Bookkeeping book;
  Rng rng{0x9e3779b97f4a7c15ULL};
  TimeMs now = TestWorld::kStart;
  Command cmd;
  uint64_t idem = 0;
  // Refunding a confirmed sale is an admin's act (its history line names the reason in a
  // string); it runs outside the counted window and keeps seats coming back on sale.
  auto refund_some = [&] {
    while (book.confirmed.size() > 200) {
      w.sequencer.Execute(w.AsAdmin(now, RefundReservationCmd{book.confirmed.back()}), book);
      book.confirmed.pop_back();
    }
  };
  // `report_share`: how often the worker reports a charge (percent of commands).
  auto step = [&](uint64_t report_share) {
    now += 1;
    cmd.now = now;
    cmd.actor_role = Role::kUser;
    cmd.has_idem = false;
    const uint64_t roll = rng.Below(100);
    // The worker settles refunds about as fast as they are decided, as a live one does.
    if (book.refunds.size() > 100) {
      cmd.actor = 0;
      cmd.actor_role = Role::kSystem;
      cmd.body = ReportRefundCmd{book.refunds.back(), 1000};
      book.refunds.pop_back();
    } else if (roll < 35) {
      HoldSeatsCmd h;
      h.concert = concert;
      const SeatIndex base = static_cast<SeatIndex>(rng.Below(seats - 3));
      for (uint64_t k = 0, n = 1 + rng.Below(3); k < n; ++k) h.seats.push_back(base + k);
      h.requested = h.seats.count;
      cmd.actor = users[rng.Below(kUsers)];
      cmd.body = h;
    } else if (roll < 42) {
      cmd.actor = users[rng.Below(kUsers)];
      cmd.body = HoldBestAvailableCmd{concert, static_cast<uint32_t>(1 + rng.Below(2)),
                                      kAnyGrade, kAnySection};
    } else if (roll < 60 && !book.held.empty()) {
      const std::size_t i = rng.Below(book.held.size());
      cmd.actor = book.held[i].user;
      cmd.body = ReleaseHoldCmd{book.held[i].id};
      book.held[i] = book.held.back();
      book.held.pop_back();
    } else if (roll < 75 && !book.held.empty()) {
      const std::size_t i = rng.Below(book.held.size());
      cmd.actor = book.held[i].user;
      cmd.has_idem = true;
      cmd.idem = IdemKey{++idem, 7};
      cmd.body = RequestPaymentCmd{book.held[i].id, PaymentMethod::kCard};
      book.held[i] = book.held.back();
      book.held.pop_back();
    } else if (roll < 75 + report_share && !book.pending.empty()) {
      const auto p = book.pending[rng.Below(book.pending.size())];
      cmd.actor = 0;
      cmd.actor_role = Role::kSystem;
      const bool captured = rng.Below(2) == 0;
      cmd.body = ReportChargeCmd{p.id, p.attempt,
                                 captured ? ChargeOutcome::kCaptured : ChargeOutcome::kDeclined,
                                 captured ? "" : "declined"};
    } else if (!book.refunds.empty()) {
      cmd.actor = 0;
      cmd.actor_role = Role::kSystem;
      cmd.body = ReportRefundCmd{book.refunds.back(), 1000};
      book.refunds.pop_back();
    } else {
      cmd.actor = users[rng.Below(kUsers)];
      cmd.body = ReleaseHoldCmd{1};  // unknown: a rejection
    }
  };

  // Warm-up: 400 s of sim time, past every TTL and retention, so the tables reach their
  // working size. For a while its worker reports more slowly, so several times more payments
  // are in flight at once than later: the high-water mark of every table is reached here, not
  // in the counted run. Then a faster worker drains the backlog, well below that mark.
  for (int i = 0; i < 400'000; ++i) {
    step(i < 200'000 ? 17 : i < 300'000 ? 8 : 25);
    w.sequencer.Execute(cmd, book);
    if (i % 1000 == 0) refund_some();
  }
  const uint64_t events_before = w.state.last_seq();
  uint64_t before[std::size(book.counts)];
  std::copy(std::begin(book.counts), std::end(book.counts), before);
  uint64_t allocations = 0;
  uint64_t by_command[std::variant_size_v<CommandBody>] = {};
  for (int i = 0; i < 1'000'000; ++i) {
    step(17);
    g_allocations.store(0, std::memory_order_relaxed);
    g_counting.store(true, std::memory_order_relaxed);
    w.sequencer.Execute(cmd, book);
    g_counting.store(false, std::memory_order_relaxed);
    allocations += g_allocations.load(std::memory_order_relaxed);
    by_command[static_cast<int>(TypeOf(cmd))] += g_allocations.load(std::memory_order_relaxed);
    if (i % 1000 == 0) refund_some();
  }
  auto made = [&](EventType t) {
    return book.counts[static_cast<int>(t)] - before[static_cast<int>(t)];
  };
  MESSAGE("events: " << w.state.last_seq() - events_before
                     << ", holds " << made(EventType::kHoldPlaced) << ", released "
                     << made(EventType::kHoldReleased) << ", expired "
                     << made(EventType::kHoldExpired) << ", payments "
                     << made(EventType::kPaymentRequested) << ", succeeded "
                     << made(EventType::kPaymentSucceeded) << ", failed "
                     << made(EventType::kPaymentFailed) << ", refunds settled "
                     << made(EventType::kRefundSettled) << ", rejected "
                     << made(EventType::kCommandRejected) << ", duplicates "
                     << made(EventType::kDuplicateCommand));
  // The mix really exercised every path.
  CHECK(made(EventType::kHoldPlaced) > 100'000);
  CHECK(made(EventType::kHoldReleased) > 50'000);
  CHECK(made(EventType::kHoldExpired) > 10'000);
  CHECK(made(EventType::kPaymentRequested) > 50'000);
  CHECK(made(EventType::kPaymentSucceeded) > 10'000);
  CHECK(made(EventType::kPaymentFailed) > 10'000);
  CHECK(made(EventType::kSeatsReleased) > 1'000);
  CHECK(made(EventType::kRefundSettled) > 1'000);
  const uint64_t tickets = made(EventType::kTicketIssued);
  CHECK(tickets > 10'000);
  for (int t = 0; t <= static_cast<int>(CommandType::kLast); ++t)
    if (by_command[t] != 0)
      MESSAGE(ToString(static_cast<CommandType>(t)) << " allocated " << by_command[t] << " times");
  // Only the charge reports that confirm (and so issue tickets) may grow the ticket table.
  const uint64_t growth = by_command[static_cast<int>(CommandType::kReportCharge)];
  MESSAGE(tickets << " tickets issued, " << growth << " allocations growing their table");
  CHECK(growth <= tickets / 32);
  CHECK(allocations - growth == 0);

  // Replay: the setup events, then every record, decoded one by one into the same Event and
  // applied by the same Apply. The warm-up's records grow the tables; the rest are counted.
  REQUIRE(book.journal.size() + 4096 < book.journal.capacity());  // nothing was left out
  EngineState replayed(config);
  for (const Event& e : w.sink.events) REQUIRE(replayed.Apply(e).ok());
  std::string_view in = book.journal;
  Event e;
  uint64_t replay_allocations = 0, replayed_counted = 0;
  while (!in.empty()) {
    const bool counted = replayed.last_seq() >= events_before;
    g_allocations.store(0, std::memory_order_relaxed);
    g_counting.store(counted, std::memory_order_relaxed);
    const bool decoded = DecodeEvent(&in, &e).ok();
    // As on the live side, an admin's refund is left out: its history line names the reason
    // in a string longer than the small-string buffer.
    const auto* refund = std::get_if<RefundIssued>(&e.body);
    if (refund != nullptr && refund->why == RefundReason::kReservationRefunded)
      g_counting.store(false, std::memory_order_relaxed);
    const bool applied = decoded && replayed.Apply(e).ok();
    g_counting.store(false, std::memory_order_relaxed);
    REQUIRE(applied);
    if (counted) {
      replay_allocations += g_allocations.load(std::memory_order_relaxed);
      ++replayed_counted;
    }
  }
  CHECK(replayed_counted == w.state.last_seq() - events_before);
  CHECK(StateHash(replayed) == StateHash(w.state));
  MESSAGE("replayed " << replayed_counted << " counted events: " << replay_allocations
                      << " allocations");
  CHECK(replay_allocations <= tickets / 32);  // the ticket table's growth, as above
}

TEST_CASE("the counting operator new counts") {
  if (!CM_COUNTING_NEW) return;
  g_allocations.store(0);
  g_counting.store(true);
  auto* p = new std::vector<int>(100);
  g_counting.store(false);
  delete p;
  CHECK(g_allocations.load() == 2);  // the vector and its buffer
}
