// Tickets and the door: issuance on confirmation, check-in exactly once and its refusals,
// offline scans and their conflicts, transfer, cancellation under the refund policy, hold
// extension, and that all of it survives the codec and a snapshot.
#include <doctest/doctest.h>

#include "engine/codec/event_codec.h"
#include "engine/codec/state_codec.h"
#include "engine/invariants.h"
#include "tests/support/old_records.h"
#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

constexpr TimeMs kT = TestWorld::kStart;
constexpr TimeMs kHour = 3'600'000;

struct Fixture {
  TestWorld w;
  UserId alice = w.AddUser("alice@example.com");
  UserId bob = w.AddUser("bob@example.com");
  UserId door = w.AddUser("door@example.com", Role::kStaff);
  VenueId venue = w.AddVenue(GridVenue(1, 3, 10));
  std::shared_ptr<ConcertSpec> spec = [&] {
    auto s = w.ConcertSpecFor(venue);
    s->doors_open_at = s->starts_at - 2 * kHour;
    s->transfer_cutoff_ms = kHour;
    s->refund = RefundPolicy{48 * kHour, 10};
    s->hold_extension_ms = 120'000;
    s->max_hold_ms = 0;
    return s;
  }();
  ConcertId concert = w.AddConcertSpec(spec);
  TimeMs doors = spec->doors_open_at;

  // Everything one command produced, in order.
  std::vector<Event> RunAll(Command c) {
    const std::size_t before = w.sink.events.size();
    w.Run(std::move(c));
    return {w.sink.events.begin() + static_cast<std::ptrdiff_t>(before), w.sink.events.end()};
  }
  ReservationId HoldSeats(UserId user, std::vector<SeatIndex> seats, TimeMs now = kT) {
    Event e = w.Hold(user, concert, std::move(seats), now);
    REQUIRE(TypeOf(e) == EventType::kHoldPlaced);
    return std::get<HoldPlaced>(e.body).reservation;
  }
  // Held, then paid through the saga; returns the reservation.
  ReservationId Buy(UserId user, std::vector<SeatIndex> seats) {
    const ReservationId r = HoldSeats(user, std::move(seats));
    Event paid = w.Run(w.As(user, kT + 1000, RequestPaymentCmd{r, PaymentMethod::kCard}));
    REQUIRE(TypeOf(paid) == EventType::kPaymentRequested);
    const PaymentId p = std::get<PaymentRequested>(paid.body).payment;
    w.Run(w.AsAdmin(kT + 2000, ReportChargeCmd{p, 1, ChargeOutcome::kCaptured, ""}));
    REQUIRE(w.state.FindReservation(r)->status == ReservationStatus::kConfirmed);
    return r;
  }
  const Ticket& TicketOf(ReservationId r, std::size_t i = 0) {
    const TicketId first = w.state.FirstTicketOf(r);
    REQUIRE(first != 0);
    return *w.state.FindTicket(first + i);
  }
  CheckInCmd Scan(const Ticket& t, std::string gate = "North") {
    return CheckInCmd{t.id, t.concert, t.seat, t.version, concert, std::move(gate), false, 0, {}};
  }
  Event CheckIn(const CheckInCmd& c, TimeMs now, UserId as = 0) {
    return w.Run(w.As(as == 0 ? door : as, now, c));
  }
  void CheckClean() {
    for (const std::string& p : CheckInvariants(w.state)) FAIL_CHECK(p);
  }
};

}  // namespace

TEST_CASE("a paid reservation gets one ticket per seat, in seat order, right after it is confirmed") {
  Fixture f;
  const ReservationId r = f.HoldSeats(f.alice, {4, 2, 9});
  Event paid = f.w.Run(f.w.As(f.alice, kT + 1000, RequestPaymentCmd{r, PaymentMethod::kCard}));
  const PaymentId p = std::get<PaymentRequested>(paid.body).payment;
  const auto events =
      f.RunAll(f.w.AsAdmin(kT + 2000, ReportChargeCmd{p, 1, ChargeOutcome::kCaptured, ""}));
  REQUIRE(events.size() == 5);
  CHECK(TypeOf(events[0]) == EventType::kPaymentSucceeded);
  CHECK(TypeOf(events[1]) == EventType::kReservationConfirmed);
  const std::vector<SeatIndex> seats{4, 2, 9};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& issued = std::get<TicketIssued>(events[2 + i].body);
    CHECK(issued.ticket == events[2 + i].seq);  // a ticket's id is its event's seq
    CHECK(issued.seat == seats[i]);
    CHECK(issued.holder == f.alice);
    const Ticket& t = f.TicketOf(r, i);
    CHECK(t.id == issued.ticket);
    CHECK(t.version == 1);
    CHECK(t.state == TicketState::kValid);
  }
  f.CheckClean();
}

TEST_CASE("an admin's confirmation issues tickets too; a failed or expired hold issues none") {
  Fixture f;
  const ReservationId r = f.HoldSeats(f.alice, {0, 1});
  const auto events = f.RunAll(f.w.AsAdmin(kT + 10, ConfirmReservationCmd{r}));
  REQUIRE(events.size() == 3);
  CHECK(TypeOf(events[1]) == EventType::kTicketIssued);
  CHECK(f.w.state.tickets().size() == 2);
  const ReservationId lost = f.HoldSeats(f.bob, {5});
  f.w.Tick(kT + kDefaultHoldTtlMs + 100);
  CHECK(f.w.state.FindReservation(lost)->status == ReservationStatus::kExpired);
  CHECK(f.w.state.FirstTicketOf(lost) == 0);
  CHECK(f.w.state.tickets().size() == 2);
  f.CheckClean();
}

TEST_CASE("check-in: ADMITTED once, then ALREADY_USED naming the first scan's time and gate") {
  Fixture f;
  const Ticket& t = f.TicketOf(f.Buy(f.alice, {3}));
  const Event first = f.CheckIn(f.Scan(t, "North-1"), f.doors + 5);
  REQUIRE(TypeOf(first) == EventType::kTicketCheckedIn);
  CHECK(std::get<TicketCheckedIn>(first.body).gate == "North-1");
  CHECK(std::get<TicketCheckedIn>(first.body).scanned_at == f.doors + 5);
  // Two gates at the same moment: the sequencer orders them, so exactly one is admitted.
  const Event second = f.CheckIn(f.Scan(t, "South-2"), f.doors + 5);
  REQUIRE(TypeOf(second) == EventType::kCommandRejected);
  const auto& used = std::get<CommandRejected>(second.body);
  CHECK(used.code == ResultCode::kAlreadyUsed);
  CHECK(used.detail == static_cast<uint64_t>(f.doors + 5));
  CHECK(used.reason == "North-1");
  CHECK(f.TicketOf(t.reservation).state == TicketState::kCheckedIn);
  f.CheckClean();
}

TEST_CASE("check-in refusals: not open yet, wrong concert, unknown ticket, not door staff") {
  Fixture f;
  const Ticket& t = f.TicketOf(f.Buy(f.alice, {3}));
  const Event early = f.CheckIn(f.Scan(t), f.doors - 1);
  CHECK(CodeOf(early) == ResultCode::kNotOpenYet);
  CHECK(std::get<CommandRejected>(early.body).detail == static_cast<uint64_t>(f.doors));

  CheckInCmd elsewhere = f.Scan(t);
  elsewhere.at_concert = f.concert + 1000;
  CHECK(CodeOf(f.CheckIn(elsewhere, f.doors)) == ResultCode::kWrongConcert);

  CheckInCmd other_seat = f.Scan(t);
  other_seat.seat = t.seat + 1;  // signed by someone else's key: not a ticket here
  CHECK(CodeOf(f.CheckIn(other_seat, f.doors)) == ResultCode::kUnknownTicket);
  CheckInCmd nothing = f.Scan(t);
  nothing.ticket = 999'999;
  CHECK(CodeOf(f.CheckIn(nothing, f.doors)) == ResultCode::kUnknownTicket);

  CHECK(CodeOf(f.CheckIn(f.Scan(t), f.doors, f.bob)) == ResultCode::kForbidden);
  CHECK(CodeOf(f.CheckIn(f.Scan(t, ""), f.doors)) == ResultCode::kInvalidArgument);
  CHECK(CodeOf(f.CheckIn(f.Scan(t, std::string(33, 'g')), f.doors)) ==
        ResultCode::kInvalidArgument);
  CHECK(f.TicketOf(t.reservation).state == TicketState::kValid);  // none of that admitted
  // An admin may scan too.
  const UserId admin = f.w.AddUser("boss@example.com", Role::kAdmin);
  CHECK(TypeOf(f.CheckIn(f.Scan(t), f.doors, admin)) == EventType::kTicketCheckedIn);
}

TEST_CASE("a transfer moves the ticket and bumps its version; the old code is REVOKED") {
  Fixture f;
  const ReservationId r = f.Buy(f.alice, {7});
  const Ticket before = f.TicketOf(r);
  const Event moved = f.w.Give(f.alice, before.id, f.bob, kT + 5000);
  REQUIRE(TypeOf(moved) == EventType::kTicketTransferred);
  const Ticket& after = f.TicketOf(r);
  CHECK(after.holder == f.bob);
  CHECK(after.version == 2);

  const Event stale = f.CheckIn(f.Scan(before), f.doors);
  CHECK(CodeOf(stale) == ResultCode::kTicketRevoked);
  CHECK(std::get<CommandRejected>(stale.body).detail == 2);
  // Alice no longer holds it; Bob does.
  CHECK(CodeOf(f.w.Run(f.w.As(f.alice, kT + 6000, TransferTicketCmd{before.id, "door@example.com"}))) ==
        ResultCode::kNotTicketHolder);
  CHECK(TypeOf(f.CheckIn(f.Scan(after), f.doors)) == EventType::kTicketCheckedIn);
  // A used ticket stays where it is.
  CHECK(CodeOf(f.w.Run(f.w.As(f.bob, f.doors + 1, TransferTicketCmd{before.id, "alice@example.com"}))) ==
        ResultCode::kTicketCheckedIn);
  f.CheckClean();
}

TEST_CASE("transfers: closed before the show; an offer is accepted only after it and before "
          "the cutoff") {
  Fixture f;
  const ReservationId r = f.Buy(f.alice, {7, 8});
  const Ticket& t = f.TicketOf(r, 0);
  const Ticket& slow = f.TicketOf(r, 1);
  auto transfer = [&](const std::string& to, TimeMs now) {
    return f.w.Run(f.w.As(f.alice, now, TransferTicketCmd{t.id, to}));
  };
  CHECK(CodeOf(transfer("alice@example.com", kT + 10)) == ResultCode::kInvalidArgument);
  CHECK(CodeOf(transfer(std::string(255, 'a'), kT + 10)) == ResultCode::kInvalidArgument);
  const TimeMs cutoff = f.spec->starts_at - f.spec->transfer_cutoff_ms;
  REQUIRE(TypeOf(f.w.Run(f.w.As(f.alice, cutoff - 10, TransferTicketCmd{slow.id, "bob@example.com"}))) ==
          EventType::kTicketOffered);
  CHECK(TypeOf(f.w.Give(f.alice, t.id, f.bob, cutoff - 1)) == EventType::kTicketTransferred);
  // Offered in time, but accepted too late: the ticket stays where it is.
  const Event late_accept = f.w.Run(f.w.As(f.bob, cutoff, AcceptTransferCmd{slow.id}));
  CHECK(CodeOf(late_accept) == ResultCode::kTransferClosed);
  CHECK(f.w.state.FindTicket(slow.id)->holder == f.alice);
  const Event late = f.w.Run(f.w.As(f.bob, cutoff, TransferTicketCmd{t.id, "alice@example.com"}));
  CHECK(CodeOf(late) == ResultCode::kTransferClosed);
  CHECK(std::get<CommandRejected>(late.body).detail == static_cast<uint64_t>(cutoff));
  f.CheckClean();
}

TEST_CASE("a transfer is an offer: the same answer for any email, and only that email's account "
          "takes it") {
  Fixture f;
  const Ticket& t = f.TicketOf(f.Buy(f.alice, {7}));
  auto as = [&](UserId who, TimeMs now, CommandBody body) {
    return f.w.Run(f.w.As(who, now, std::move(body)));
  };
  // Registered or not, the offer is the same event, and nothing moves yet.
  const Event to_nobody = as(f.alice, kT + 10, TransferTicketCmd{t.id, "nobody@example.com"});
  REQUIRE(TypeOf(to_nobody) == EventType::kTicketOffered);
  const Event to_bob = as(f.alice, kT + 11, TransferTicketCmd{t.id, "bob@example.com"});
  REQUIRE(TypeOf(to_bob) == EventType::kTicketOffered);
  CHECK(f.w.state.FindTicket(t.id)->holder == f.alice);
  CHECK(f.w.state.FindTicket(t.id)->offer_to == "bob@example.com");
  // The later offer replaced the earlier one.
  CHECK(f.w.state.OffersTo("nobody@example.com").empty());
  REQUIRE(f.w.state.OffersTo("bob@example.com").size() == 1);
  // Someone else cannot take it, nor end it; the holder cannot accept their own.
  const UserId carol = f.w.AddUser("carol@example.com");
  CHECK(CodeOf(as(carol, kT + 12, AcceptTransferCmd{t.id})) == ResultCode::kNoTransferOffer);
  CHECK(CodeOf(as(carol, kT + 12, EndTransferOfferCmd{t.id})) == ResultCode::kNoTransferOffer);
  CHECK(CodeOf(as(f.alice, kT + 12, AcceptTransferCmd{t.id})) == ResultCode::kNoTransferOffer);
  CHECK(CodeOf(as(carol, kT + 12, AcceptTransferCmd{999'999})) == ResultCode::kNoTransferOffer);
  // Bob declines; the holder keeps it and can offer again.
  const Event declined = as(f.bob, kT + 13, EndTransferOfferCmd{t.id});
  REQUIRE(TypeOf(declined) == EventType::kTicketOfferEnded);
  CHECK(std::get<TicketOfferEnded>(declined.body).by == f.bob);
  CHECK(CodeOf(as(f.bob, kT + 14, AcceptTransferCmd{t.id})) == ResultCode::kNoTransferOffer);
  CHECK(f.w.state.OffersTo("bob@example.com").empty());
  // An offer to an email nobody has yet is taken by whoever registers it.
  REQUIRE(TypeOf(as(f.alice, kT + 15, TransferTicketCmd{t.id, "dave@example.com"})) ==
          EventType::kTicketOffered);
  const UserId dave = f.w.AddUser("dave@example.com");
  const Event taken = as(dave, kT + 16, AcceptTransferCmd{t.id});
  REQUIRE(TypeOf(taken) == EventType::kTicketTransferred);
  CHECK(f.w.state.FindTicket(t.id)->holder == dave);
  CHECK(f.w.state.FindTicket(t.id)->offer_to.empty());
  // The holder withdraws an offer.
  REQUIRE(TypeOf(as(dave, kT + 17, TransferTicketCmd{t.id, "alice@example.com"})) ==
          EventType::kTicketOffered);
  REQUIRE(TypeOf(as(dave, kT + 18, EndTransferOfferCmd{t.id})) == EventType::kTicketOfferEnded);
  CHECK(CodeOf(as(f.alice, kT + 19, AcceptTransferCmd{t.id})) == ResultCode::kNoTransferOffer);
  f.CheckClean();
}

TEST_CASE("an offer ends when its ticket is used or revoked, and survives a snapshot") {
  Fixture f;
  const ReservationId r = f.Buy(f.alice, {1, 2});
  const Ticket& used = f.TicketOf(r, 0);
  const Ticket& kept = f.TicketOf(r, 1);
  f.w.Run(f.w.As(f.alice, kT + 10, TransferTicketCmd{used.id, "bob@example.com"}));
  f.w.Run(f.w.As(f.alice, kT + 11, TransferTicketCmd{kept.id, "bob@example.com"}));
  CHECK(f.w.state.OffersTo("bob@example.com").size() == 2);
  std::string bytes;
  EncodeState(f.w.state, &bytes);
  auto restored = DecodeState(bytes, EngineConfig{});
  REQUIRE(restored.ok());
  CHECK(restored.value()->FindTicket(kept.id)->offer_to == "bob@example.com");
  CHECK(restored.value()->OffersTo("bob@example.com").size() == 2);
  CHECK(StateHash(*restored.value()) == StateHash(f.w.state));
  // Used at the door: the offer is gone.
  REQUIRE(TypeOf(f.CheckIn(f.Scan(used), f.doors)) == EventType::kTicketCheckedIn);
  CHECK(f.w.state.FindTicket(used.id)->offer_to.empty());
  CHECK(CodeOf(f.w.Run(f.w.As(f.bob, f.doors + 1, AcceptTransferCmd{used.id}))) ==
        ResultCode::kNoTransferOffer);
  // Revoked (the reservation is refunded by an admin): gone too.
  f.w.Run(f.w.AsAdmin(f.doors + 2, RefundReservationCmd{r}));
  CHECK(f.w.state.FindTicket(kept.id)->state == TicketState::kRevoked);
  CHECK(f.w.state.OffersTo("bob@example.com").empty());
  f.CheckClean();
}

TEST_CASE("offers: cancelled by the buyer ends them; listed by ticket id live and after a "
          "snapshot; an older state format leaves them out") {
  Fixture f;
  f.w.holds_as_old_writer = true;  // for the format 10 bytes below: seq ids, as then
  const ReservationId r = f.Buy(f.alice, {3, 4, 5});
  const ReservationId other = f.Buy(f.bob, {6});
  // Offered in the order 5, 3, 4: listed 3, 4, 5 either way.
  for (std::size_t i : {2, 0, 1})
    f.w.Run(f.w.As(f.alice, kT + 10 + i, TransferTicketCmd{f.TicketOf(r, i).id, "carol@example.com"}));
  const auto live = f.w.state.OffersTo("carol@example.com");
  REQUIRE(live.size() == 3);
  CHECK(std::is_sorted(live.begin(), live.end()));
  std::string bytes;
  EncodeState(f.w.state, &bytes);
  auto restored = DecodeState(bytes, EngineConfig{});
  REQUIRE(restored.ok());
  const auto loaded = restored.value()->OffersTo("carol@example.com");
  CHECK(std::vector<TicketId>(loaded.begin(), loaded.end()) ==
        std::vector<TicketId>(live.begin(), live.end()));
  // Format 10 (what a state hash of an older writer checks) has no offers.
  std::string v10;
  EncodeState(f.w.state, &v10, 10);
  auto old = DecodeState(v10, EngineConfig{});
  REQUIRE(old.ok());
  CHECK(old.value()->OffersTo("carol@example.com").empty());
  CHECK(old.value()->FindTicket(live[0])->offer_to.empty());
  // A declined offer is ended by its recipient only; a third party's end would be corrupt.
  f.w.Run(f.w.As(f.bob, kT + 20, TransferTicketCmd{f.TicketOf(other).id, "alice@example.com"}));
  Event forged;
  forged.seq = f.w.state.last_seq() + 1;
  forged.ts = kT + 21;
  forged.body = TicketOfferEnded{f.TicketOf(other).id, f.concert, f.bob, f.door};
  CHECK(f.w.state.Apply(forged).IsCorruption());
  // The buyer cancels: every offered ticket is revoked, and offered no more.
  REQUIRE(TypeOf(f.RunAll(f.w.As(f.alice, kT + 30, CancelReservationCmd{r}))[0]) ==
          EventType::kReservationCancelled);
  CHECK(f.w.state.OffersTo("carol@example.com").empty());
  f.CheckClean();
}

TEST_CASE("offline scans: recorded with the gate's time; a repeat upload is nothing new; a "
          "collision is a conflict, never lost") {
  Fixture f;
  const Ticket& a = f.TicketOf(f.Buy(f.alice, {1}));
  const Ticket& b = f.TicketOf(f.Buy(f.bob, {2}));
  CheckInCmd offline = f.Scan(a, "East");
  offline.offline = true;
  offline.scanned_at = f.doors + 100;
  const Event recorded = f.CheckIn(offline, f.doors + 60'000);
  REQUIRE(TypeOf(recorded) == EventType::kTicketCheckedIn);
  CHECK(std::get<TicketCheckedIn>(recorded.body).scanned_at == f.doors + 100);
  CHECK(std::get<TicketCheckedIn>(recorded.body).offline);
  CHECK(CodeOf(f.CheckIn(offline, f.doors + 70'000)) == ResultCode::kScanAlreadyRecorded);

  // West admitted the same ticket while offline too.
  CheckInCmd west = offline;
  west.gate = "West";
  west.scanned_at = f.doors + 150;
  const Event conflict = f.CheckIn(west, f.doors + 80'000);
  REQUIRE(TypeOf(conflict) == EventType::kCheckInConflict);
  const auto& c = std::get<CheckInConflict>(conflict.body);
  CHECK(c.why == ResultCode::kAlreadyUsed);
  CHECK(c.first_gate == "East");
  CHECK(c.first_at == f.doors + 100);
  CHECK(c.gate == "West");

  // An offline gate that admitted a code already revoked (its bundle was stale).
  const Ticket old_b = b;
  f.w.Give(f.bob, b.id, f.alice, kT + 3000);
  CheckInCmd stale = f.Scan(old_b, "East");
  stale.offline = true;
  stale.scanned_at = f.doors + 200;
  const Event revoked = f.CheckIn(stale, f.doors + 90'000);
  REQUIRE(TypeOf(revoked) == EventType::kCheckInConflict);
  CHECK(std::get<CheckInConflict>(revoked.body).why == ResultCode::kTicketRevoked);

  // The same conflicting scan uploaded again (a gate that retries) is nothing new; the same
  // moment from another scanner at that gate is another scan.
  CHECK(CodeOf(f.CheckIn(west, f.doors + 85'000)) == ResultCode::kScanAlreadyRecorded);
  CHECK(f.w.state.conflicts().size() == 2);
  CheckInCmd west_2 = west;
  west_2.device = "handheld-2";
  const Event other = f.CheckIn(west_2, f.doors + 86'000);
  REQUIRE(TypeOf(other) == EventType::kCheckInConflict);
  CHECK(std::get<CheckInConflict>(other.body).device == "handheld-2");
  CHECK(CodeOf(f.CheckIn(west_2, f.doors + 87'000)) == ResultCode::kScanAlreadyRecorded);
  CHECK(f.w.state.conflicts().size() == 3);
  west_2.device = std::string(kMaxDeviceName + 1, 'd');
  CHECK(CodeOf(f.CheckIn(west_2, f.doors + 87'000)) == ResultCode::kInvalidArgument);

  // A gate clock far ahead of the engine's is not believed.
  CheckInCmd future = f.Scan(f.TicketOf(old_b.reservation), "East");
  future.offline = true;
  future.scanned_at = f.doors + 3'600'000;
  CHECK(CodeOf(f.CheckIn(future, f.doors)) == ResultCode::kInvalidArgument);
  f.CheckClean();
}

TEST_CASE("cancellation refunds the amount less the fee, returns the seats and revokes the tickets") {
  Fixture f;
  const ReservationId r = f.Buy(f.alice, {0, 1});
  const Ticket t = f.TicketOf(r);
  const int64_t amount = f.w.state.FindReservation(r)->amount;
  const auto events = f.RunAll(f.w.As(f.alice, kT + 10'000, CancelReservationCmd{r}));
  REQUIRE(events.size() == 2);
  const auto& cancelled = std::get<ReservationCancelled>(events[0].body);
  CHECK(cancelled.fee == amount / 10);
  CHECK(cancelled.refund == amount - amount / 10);
  const auto& refund = std::get<RefundIssued>(events[1].body);
  CHECK(refund.amount == cancelled.refund);
  CHECK(refund.why == RefundReason::kBuyerCancelled);
  CHECK(f.w.state.FindPayment(refund.payment)->refund_amount == cancelled.refund);
  CHECK(f.w.state.FindReservation(r)->status == ReservationStatus::kRefunded);
  CHECK(f.w.state.FindConcert(f.concert)->seats.IsAvailable(0));
  CHECK(f.TicketOf(r).state == TicketState::kRevoked);
  // The seats are for sale again.
  const Event again = f.w.Hold(f.bob, f.concert, {0, 1}, kT + 20'000);
  CHECK_MESSAGE(TypeOf(again) == EventType::kHoldPlaced, ToString(CodeOf(again)));
  CHECK(CodeOf(f.CheckIn(f.Scan(t), f.doors)) == ResultCode::kTicketRevoked);
  f.CheckClean();
}

TEST_CASE("cancellation is refused after the deadline, once a ticket is used or given away, "
          "and to anyone but the buyer") {
  Fixture f;
  const ReservationId r = f.Buy(f.alice, {0, 1});
  const TimeMs deadline = f.spec->starts_at - f.spec->refund.deadline_ms;
  auto cancel = [&](UserId who, TimeMs now) {
    return f.w.Run(f.w.As(who, now, CancelReservationCmd{r}));
  };
  CHECK(CodeOf(cancel(f.bob, kT + 10'000)) == ResultCode::kNotReservationOwner);
  const ReservationId held = f.HoldSeats(f.bob, {9}, kT + 10'001);
  CHECK(CodeOf(f.w.Run(f.w.As(f.bob, kT + 10'002, CancelReservationCmd{held}))) ==
        ResultCode::kReservationNotConfirmed);

  const ReservationId other = f.Buy(f.bob, {5});
  f.w.Give(f.bob, f.TicketOf(other).id, f.alice, kT + 20'000);
  const Event given = f.w.Run(f.w.As(f.bob, kT + 20'001, CancelReservationCmd{other}));
  CHECK(CodeOf(given) == ResultCode::kTicketTransferred);

  const Event late = cancel(f.alice, deadline);
  CHECK(CodeOf(late) == ResultCode::kRefundDeadlinePassed);
  CHECK(std::get<CommandRejected>(late.body).detail == static_cast<uint64_t>(deadline));
  CHECK(f.w.state.FindReservation(r)->status == ReservationStatus::kConfirmed);
}

TEST_CASE("a used ticket blocks cancellation even before the deadline") {
  Fixture f;
  f.spec = f.w.ConcertSpecFor(f.venue);
  f.spec->doors_open_at = kT;  // doors already open, deadline still ahead
  f.spec->refund = RefundPolicy{kHour, 0};
  f.concert = f.w.AddConcertSpec(f.spec);
  const ReservationId r = f.Buy(f.alice, {0, 1});
  f.CheckIn(f.Scan(f.TicketOf(r, 1)), kT + 5000);
  const Event refused = f.w.Run(f.w.As(f.alice, kT + 6000, CancelReservationCmd{r}));
  CHECK(CodeOf(refused) == ResultCode::kTicketCheckedIn);
  CHECK(std::get<CommandRejected>(refused.body).detail == f.TicketOf(r, 1).id);
}

TEST_CASE("hold extension: once, by the concert's extension, never past the cap, never while paying") {
  Fixture f;
  const ReservationId r = f.HoldSeats(f.alice, {0});
  const TimeMs first_expiry = f.w.state.FindReservation(r)->expires_at;
  CHECK(CodeOf(f.w.Run(f.w.As(f.bob, kT + 10, ExtendHoldCmd{r}))) ==
        ResultCode::kNotReservationOwner);
  const Event extended = f.w.Run(f.w.As(f.alice, kT + 10, ExtendHoldCmd{r}));
  REQUIRE(TypeOf(extended) == EventType::kHoldExtended);
  CHECK(std::get<HoldExtended>(extended.body).expires_at == first_expiry + 120'000);
  CHECK(CodeOf(f.w.Run(f.w.As(f.alice, kT + 20, ExtendHoldCmd{r}))) ==
        ResultCode::kHoldAlreadyExtended);
  // The timer moved: the old expiry passes, the hold lives on, and ends at the new one.
  f.w.Tick(first_expiry + 1);
  CHECK(f.w.state.FindReservation(r)->status == ReservationStatus::kHeld);
  f.w.Tick(first_expiry + 120'000);
  CHECK(f.w.state.FindReservation(r)->status == ReservationStatus::kExpired);
  CHECK(CodeOf(f.w.Run(f.w.As(f.alice, first_expiry + 120'001, ExtendHoldCmd{r}))) ==
        ResultCode::kHoldExpired);

  const ReservationId paying = f.HoldSeats(f.bob, {5}, first_expiry + 200'000);
  f.w.Run(f.w.As(f.bob, first_expiry + 200'001, RequestPaymentCmd{paying, PaymentMethod::kCard}));
  CHECK(CodeOf(f.w.Run(f.w.As(f.bob, first_expiry + 200'002, ExtendHoldCmd{paying}))) ==
        ResultCode::kPaymentInProgress);
  f.CheckClean();
}

TEST_CASE("hold extension stops at the cap, and a concert may allow none") {
  Fixture f;
  auto capped = f.w.ConcertSpecFor(f.venue);
  capped->hold_extension_ms = 600'000;
  capped->max_hold_ms = capped->hold_ttl_ms + 60'000;
  const ConcertId c1 = f.w.AddConcertSpec(capped);
  Event h = f.w.Hold(f.alice, c1, {0}, kT + 100);
  const auto& held = std::get<HoldPlaced>(h.body);
  const Event e = f.w.Run(f.w.As(f.alice, kT + 200, ExtendHoldCmd{held.reservation}));
  CHECK(std::get<HoldExtended>(e.body).expires_at == kT + 100 + capped->max_hold_ms);

  auto none = f.w.ConcertSpecFor(f.venue);
  none->hold_extension_ms = 0;
  const ConcertId c2 = f.w.AddConcertSpec(none);
  Event h2 = f.w.Hold(f.alice, c2, {0}, kT + 100);
  CHECK(CodeOf(f.w.Run(f.w.As(f.alice, kT + 200,
                              ExtendHoldCmd{std::get<HoldPlaced>(h2.body).reservation}))) ==
        ResultCode::kHoldExtensionUnavailable);
}

TEST_CASE("an admin refund revokes the tickets too") {
  Fixture f;
  const ReservationId r = f.Buy(f.alice, {0});
  f.w.Run(f.w.AsAdmin(kT + 5000, RefundReservationCmd{r}));
  CHECK(f.TicketOf(r).state == TicketState::kRevoked);
  CHECK(CodeOf(f.CheckIn(f.Scan(f.TicketOf(r)), f.doors)) == ResultCode::kTicketRevoked);
  f.CheckClean();
}

TEST_CASE("tickets outlive their reservation's record and still answer REVOKED") {
  Fixture f;
  const ReservationId r = f.Buy(f.alice, {0});
  const Ticket t = f.TicketOf(r);
  f.w.Run(f.w.As(f.alice, kT + 5000, CancelReservationCmd{r}));
  const TimeMs gone = kT + 5000 + f.w.state.config().ended_retention_ms + 1;
  f.w.Run(f.w.As(f.bob, gone, ReleaseHoldCmd{999'999}));  // any event moves the clock
  REQUIRE(f.w.state.FindReservation(r) == nullptr);
  CHECK(f.w.state.FindTicket(t.id) != nullptr);
  CHECK(CodeOf(f.CheckIn(f.Scan(t), std::max(gone, f.doors))) == ResultCode::kTicketRevoked);
  f.CheckClean();
}

TEST_CASE("ticket events and a state with tickets survive the codec and a snapshot") {
  Fixture f;
  const ReservationId r = f.Buy(f.alice, {0, 1});
  f.w.Give(f.alice, f.TicketOf(r, 1).id, f.bob, kT + 3000);
  const ReservationId r2 = f.Buy(f.bob, {4});
  f.w.Run(f.w.As(f.bob, kT + 4000, CancelReservationCmd{r2}));
  const ReservationId r3 = f.HoldSeats(f.alice, {8}, kT + 5000);
  f.w.Run(f.w.As(f.alice, kT + 5001, ExtendHoldCmd{r3}));
  f.CheckIn(f.Scan(f.TicketOf(r)), f.doors);
  CheckInCmd twice = f.Scan(f.TicketOf(r), "Late");
  twice.offline = true;
  twice.scanned_at = f.doors;
  f.CheckIn(twice, f.doors + 1);

  EngineState replayed;
  for (const Event& e : f.w.sink.events) {
    std::string bytes;
    EncodeEvent(e, &bytes);
    std::string_view in = bytes;
    Event back;
    REQUIRE(DecodeEvent(&in, &back).ok());
    std::string again;
    EncodeEvent(back, &again);
    CHECK(again == bytes);
    REQUIRE(replayed.Apply(back).ok());
  }
  CHECK(StateHash(replayed) == StateHash(f.w.state));
  std::string snapshot;
  EncodeState(f.w.state, &snapshot);
  auto restored = DecodeState(snapshot, EngineConfig{});
  REQUIRE_MESSAGE(restored.ok(), restored.status().ToString());
  CHECK(StateHash(*restored.value()) == StateHash(f.w.state));
  CHECK(restored.value()->FirstTicketOf(r) == f.w.state.FirstTicketOf(r));
  CHECK(*restored.value()->FindTicket(f.TicketOf(r).id) == f.TicketOf(r));
  CHECK(restored.value()->FindReservation(r3)->extended);
  CHECK(CheckInvariants(*restored.value()).empty());
}

TEST_CASE("a journal that contradicts the tickets is corrupt, not applied") {
  Fixture f;
  const ReservationId r = f.Buy(f.alice, {0});
  const Ticket t = f.TicketOf(r);
  auto apply = [&](EventBody body) {
    Event e;
    e.seq = f.w.state.last_seq() + 1;
    e.ts = kT + 10'000;
    e.body = std::move(body);
    return f.w.state.Apply(e);
  };
  CHECK(apply(TicketCheckedIn{t.id, t.concert, t.holder, t.version + 1, "G", kT, false})
            .IsCorruption());
  CHECK(apply(TicketTransferred{t.id, t.concert, f.bob, f.alice, 2}).IsCorruption());
  CHECK(apply(TicketOffered{t.id, t.concert, f.bob, "x@example.com"}).IsCorruption());  // not Bob's
  CHECK(apply(TicketOffered{t.id, t.concert, f.alice, ""}).IsCorruption());
  CHECK(apply(TicketOfferEnded{t.id, t.concert, f.alice, f.alice}).IsCorruption());  // none pending
  CHECK(apply(TicketIssued{f.w.state.last_seq() + 1, r, f.concert, f.alice, 0}).IsCorruption());
  CHECK(apply(HoldExtended{r, f.concert, f.alice, kT + 999'999}).IsCorruption());
}

TEST_CASE("a concert keeps at most kMaxConflictsPerConcert conflicts; past it, CONFLICT_LIMIT") {
  Fixture f;
  const Ticket& a = f.TicketOf(f.Buy(f.alice, {1}));
  CheckInCmd first = f.Scan(a, "East");
  REQUIRE(TypeOf(f.CheckIn(first, f.doors + 10)) == EventType::kTicketCheckedIn);
  // A hostile uploader varies the scan time to make every scan distinct.
  CheckInCmd scan = f.Scan(a, "West");
  scan.offline = true;
  for (std::size_t i = 0; i < kMaxConflictsPerConcert; ++i) {
    scan.scanned_at = f.doors + 1000 + static_cast<TimeMs>(i);
    REQUIRE(TypeOf(f.CheckIn(scan, f.doors + 20'000)) == EventType::kCheckInConflict);
  }
  scan.scanned_at = f.doors + 999;
  const Event full = f.CheckIn(scan, f.doors + 20'000);
  CHECK(CodeOf(full) == ResultCode::kConflictLimit);
  CHECK(f.w.state.conflicts().size() == kMaxConflictsPerConcert);
  CHECK(f.w.state.ConflictsOf(f.concert).size() == kMaxConflictsPerConcert);
  CHECK(f.w.state.ConflictsOf(f.concert + 1).empty());
  f.CheckClean();
}

TEST_CASE("a conflict's device: journaled from format 10, absent (empty) in a version 9 record") {
  Event e;
  e.seq = 41;
  e.ts = kT;
  e.body = CheckInConflict{7, 3, "West", kT - 5, ResultCode::kAlreadyUsed, "East", kT - 9,
                           "handheld-2"};
  std::string rec;
  EncodeEvent(e, &rec);
  std::string_view in = rec;
  Event back;
  REQUIRE(DecodeEvent(&in, &back).ok());
  CHECK(std::get<CheckInConflict>(back.body) == std::get<CheckInConflict>(e.body));
  // As a version 9 writer wrote it: no device field at the end (an empty one is one byte).
  std::get<CheckInConflict>(e.body).device.clear();
  const std::string v9 = AsVersion(e, 9, 1);
  std::string_view v9_in = v9;
  REQUIRE(DecodeEvent(&v9_in, &back).ok());
  CHECK(std::get<CheckInConflict>(back.body) == std::get<CheckInConflict>(e.body));
}

TEST_CASE("offers are journaled from format 11; a version 10 record cannot hold one") {
  for (EventBody body : {EventBody{TicketOffered{7, 3, 2, "someone@example.com"}},
                         EventBody{TicketOfferEnded{7, 3, 2, 5}}}) {
    Event e;
    e.seq = 41;
    e.ts = kT;
    e.body = body;
    std::string rec;
    EncodeEvent(e, &rec);
    std::string_view in = rec;
    Event back;
    REQUIRE(DecodeEvent(&in, &back).ok());
    std::string again;
    EncodeEvent(back, &again);
    CHECK(again == rec);
    const std::string v10 = AsVersion(e, 10);
    std::string_view v10_in = v10;
    const Status s = DecodeEvent(&v10_in, &back);
    CHECK(s.IsCorruption());
    CHECK(s.message().find("in a version 10 record") != std::string::npos);
  }
}
