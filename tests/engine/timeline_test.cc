// Timelines (engine/types.h, journal/timeline.h): after a restore, nothing the engine makes may
// carry an id, or a ticket version, that the lost events could have made and shown the world.
#include <doctest/doctest.h>

#include "engine/codec/event_codec.h"
#include "engine/codec/state_codec.h"
#include "engine/invariants.h"
#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

constexpr TimeMs kT = TestWorld::kStart;

Event TimelineEvent(const EngineState& s, Timeline t, uint64_t id_base) {
  Event e;
  e.seq = s.last_seq() + 1;
  e.ts = s.clock();
  e.term = s.term();
  e.body = TimelineStarted{t, id_base};
  return e;
}

struct Buyer {
  TestWorld w;
  UserId alice = w.AddUser("alice@example.com");
  UserId bob = w.AddUser("bob@example.com");
  VenueId venue = w.AddVenue(GridVenue(1, 3, 10));
  ConcertId concert = w.AddConcert(venue);

  // Held and paid; returns the reservation and the payment.
  std::pair<ReservationId, PaymentId> Buy(UserId user, SeatIndex seat) {
    Event held = w.Hold(user, concert, {seat});
    REQUIRE(TypeOf(held) == EventType::kHoldPlaced);
    const ReservationId r = std::get<HoldPlaced>(held.body).reservation;
    Event paid = w.Run(w.As(user, kT + 1000, RequestPaymentCmd{r, PaymentMethod::kCard}));
    REQUIRE(TypeOf(paid) == EventType::kPaymentRequested);
    const PaymentId p = std::get<PaymentRequested>(paid.body).payment;
    w.Run(w.AsAdmin(kT + 2000, ReportChargeCmd{p, 1, ChargeOutcome::kCaptured, ""}));
    REQUIRE(w.state.FindReservation(r)->status == ReservationStatus::kConfirmed);
    return {r, p};
  }
};

}  // namespace

TEST_CASE("after TimelineStarted every new id is the timeline's base plus its seq or slot") {
  Buyer b;
  const auto [r0, p0] = b.Buy(b.alice, 0);
  CHECK(r0 < kTimelineIdStride);
  CHECK(p0 < kTimelineIdStride);
  const Seq fork = b.w.state.last_seq();
  REQUIRE(b.w.state.Apply(TimelineEvent(b.w.state, 1, TimelineIdBase(1))).ok());
  CHECK(b.w.state.timeline() == 1);
  CHECK(b.w.state.timelines() == std::vector<TimelineStart>{{1, fork + 1, kTimelineIdStride}});

  // The same purchase again: every id it makes lies past anything timeline 0 could make.
  const Seq before = b.w.state.last_seq();
  const auto [r1, p1] = b.Buy(b.bob, 1);
  CHECK(before > 0);
  CHECK(r1 == kTimelineIdStride + SlotIds::Encode(1, 0));  // r0 keeps slot 0
  CHECK(p1 > kTimelineIdStride);
  const TicketId t1 = b.w.state.FirstTicketOf(r1);
  CHECK(t1 > kTimelineIdStride);
  CHECK(b.w.state.FindTicket(t1)->seat == 1);
  // What timeline 0 made keeps its ids.
  CHECK(b.w.state.FindReservation(r0) != nullptr);
  const UserId carol = b.w.AddUser("carol@example.com");
  CHECK(carol > kTimelineIdStride);
  CHECK(b.w.state.FindUser(carol) != nullptr);
}

TEST_CASE("a ticket transferred in a new timeline never gets a version the old one minted") {
  Buyer b;
  const auto [r, p] = b.Buy(b.alice, 0);
  const TicketId t = b.w.state.FirstTicketOf(r);
  REQUIRE(b.w.state.Apply(TimelineEvent(b.w.state, 3, TimelineIdBase(3))).ok());
  Event moved = b.w.Give(b.alice, t, b.bob, kT + 3000);
  REQUIRE(TypeOf(moved) == EventType::kTicketTransferred);
  // Timeline 0 would have made version 2 (whose signed code the world may hold).
  CHECK(b.w.state.FindTicket(t)->version == NextTicketVersion(1, 3));
  CHECK(NextTicketVersion(1, 3) != 2);
  CHECK(NextTicketVersion(1, 0) == 2);
  CHECK((NextTicketVersion(NextTicketVersion(1, 3), 3) & 0xFFFFF) == 3);
}

TEST_CASE("TimelineStarted is refused when it would not move ids forward") {
  Buyer b;
  b.Buy(b.alice, 0);
  const EngineState& s = b.w.state;
  CHECK(b.w.state.Apply(TimelineEvent(s, 0, TimelineIdBase(1))).IsCorruption());  // not higher
  CHECK(b.w.state.Apply(TimelineEvent(s, 2, 5)).IsCorruption());  // a base below the ids made
  CHECK(b.w.state.Apply(TimelineEvent(s, kMaxTimeline + 1, TimelineIdBase(1))).IsCorruption());
  REQUIRE(b.w.state.Apply(TimelineEvent(s, 2, TimelineIdBase(2))).ok());
  CHECK(b.w.state.Apply(TimelineEvent(s, 1, TimelineIdBase(3))).IsCorruption());  // backwards
}

TEST_CASE("TimelineStarted round-trips the codec, and a snapshot keeps the timelines") {
  Buyer b;
  const Event e = TimelineEvent(b.w.state, 2, TimelineIdBase(2));
  std::string rec;
  EncodeEvent(e, &rec);
  std::string_view in = rec;
  Event back;
  REQUIRE(DecodeEvent(&in, &back).ok());
  REQUIRE(TypeOf(back) == EventType::kTimelineStarted);
  CHECK(std::get<TimelineStarted>(back.body).timeline == 2);
  CHECK(std::get<TimelineStarted>(back.body).id_base == TimelineIdBase(2));

  REQUIRE(b.w.state.Apply(e).ok());
  b.Buy(b.bob, 4);
  std::string bytes;
  EncodeState(b.w.state, &bytes);
  auto restored = DecodeState(bytes, b.w.state.config());
  REQUIRE(restored.ok());
  CHECK(restored.value()->timeline() == 2);
  CHECK(restored.value()->id_base() == TimelineIdBase(2));
  CHECK(restored.value()->timelines() == b.w.state.timelines());
  CHECK(StateHash(*restored.value()) == StateHash(b.w.state));
}

TEST_CASE("a lost timeline's charge is adopted only to be refunded, whole, through the saga") {
  Buyer b;
  const auto [r0, p0] = b.Buy(b.alice, 0);
  const Seq fork = b.w.state.last_seq();
  REQUIRE(b.w.state.Apply(TimelineEvent(b.w.state, 1, TimelineIdBase(1))).ok());
  const PaymentId lost = fork + 1 + 7;  // made after the fork by timeline 0, then lost
  CHECK(b.w.state.IsLostId(lost));
  CHECK(b.w.state.IsLostId(SlotIds::kSlotIdBit - 1));  // the last seq id timeline 0 had
  CHECK_FALSE(b.w.state.IsLostId(TimelineIdBase(1) - 1));  // a slot id: never a payment's
  CHECK_FALSE(b.w.state.IsLostId(fork));
  CHECK_FALSE(b.w.state.IsLostId(b.w.state.IdOf(b.w.state.last_seq() + 1)));

  auto adopt = [&](PaymentId id, int64_t amount, UserId as = 0) {
    return b.w.Run(as == 0 ? b.w.AsAdmin(kT + 5000, AdoptOrphanChargeCmd{id, amount})
                           : b.w.As(as, kT + 5000, AdoptOrphanChargeCmd{id, amount}));
  };
  CHECK(CodeOf(adopt(lost, 165'000, b.alice)) == ResultCode::kForbidden);
  CHECK(CodeOf(adopt(p0, 165'000)) == ResultCode::kInvalidArgument);  // this timeline's own
  CHECK(CodeOf(adopt(fork - 1, 165'000)) == ResultCode::kUnknownPayment);  // before the fork
  CHECK_FALSE(b.w.state.IsLostId(r0));  // a reservation's slot id is no payment's
  CHECK(CodeOf(adopt(r0, 165'000)) == ResultCode::kUnknownPayment);
  CHECK(CodeOf(adopt(b.w.state.IdOf(b.w.state.last_seq() + 50), 1)) ==
        ResultCode::kUnknownPayment);  // one this timeline may still make
  CHECK(CodeOf(adopt(lost, 0)) == ResultCode::kInvalidArgument);

  const Event issued = adopt(lost, 165'000);
  REQUIRE(TypeOf(issued) == EventType::kRefundIssued);
  CHECK(std::get<RefundIssued>(issued.body).why == RefundReason::kOrphanCharge);
  CHECK(std::get<RefundIssued>(issued.body).amount == 165'000);
  const Payment* p = b.w.state.FindPayment(lost);
  REQUIRE(p != nullptr);
  CHECK(p->NeedsWorker());
  CHECK(p->status == PaymentStatus::kRefunded);
  CHECK(CodeOf(adopt(lost, 165'000)) == ResultCode::kInvalidArgument);  // once
  for (const std::string& problem : CheckInvariants(b.w.state)) FAIL_CHECK(problem);

  // A snapshot keeps the adopted charge until its refund settles.
  std::string bytes;
  EncodeState(b.w.state, &bytes);
  auto restored = DecodeState(bytes, b.w.state.config());
  REQUIRE(restored.ok());
  CHECK(restored.value()->FindPayment(lost) != nullptr);
  CHECK(StateHash(*restored.value()) == StateHash(b.w.state));

  // The worker reports the provider's refund: the saga ends; the record stays, so the same
  // charge is never adopted (and refunded) again.
  const Event settled = b.w.Run(b.w.AsAdmin(kT + 6000, ReportRefundCmd{lost, 165'000}));
  CHECK(TypeOf(settled) == EventType::kRefundSettled);
  REQUIRE(b.w.state.FindPayment(lost) != nullptr);
  CHECK(b.w.state.FindPayment(lost)->refund_settled);
  CHECK_FALSE(b.w.state.FindPayment(lost)->NeedsWorker());
  CHECK(CodeOf(adopt(lost, 165'000)) == ResultCode::kInvalidArgument);
  for (const std::string& problem : CheckInvariants(b.w.state)) FAIL_CHECK(problem);
}
