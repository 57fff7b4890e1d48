// Support's records: an admin revokes a ticket (its seat stays sold, the door refuses it),
// disables an account (no login, no refresh, no authority; its sessions end) and enables it
// again, and refunds with a reason; who acted and why are journaled, and all of it survives
// the codec, a replay and a snapshot. Records written before format 19 read with no one named.
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
const TokenDigest kA{11, 1}, kB{12, 2};

struct Fixture {
  TestWorld w;
  UserId admin = w.AddUser("boss@example.com", Role::kAdmin);
  UserId other_admin = w.AddUser("deputy@example.com", Role::kAdmin);
  UserId fan = w.AddUser("fan@example.com");
  UserId door = w.AddUser("door@example.com", Role::kStaff);
  VenueId venue = w.AddVenue(GridVenue(1, 2, 10));
  std::shared_ptr<ConcertSpec> spec = [&] {
    auto s = w.ConcertSpecFor(venue);
    s->doors_open_at = s->starts_at - 2 * kHour;
    return s;
  }();
  ConcertId concert = w.AddConcertSpec(spec);

  ReservationId Confirmed(std::vector<SeatIndex> seats) {
    const Event held = w.Hold(fan, concert, std::move(seats));
    REQUIRE(TypeOf(held) == EventType::kHoldPlaced);
    const ReservationId r = std::get<HoldPlaced>(held.body).reservation;
    const Event done = w.Run(w.As(admin, kT + 10, ConfirmReservationCmd{r}));
    REQUIRE(CodeOf(done) == ResultCode::kOk);
    return r;
  }
  const Ticket& TicketOf(ReservationId r, std::size_t i = 0) {
    return *w.state.FindTicket(w.state.FirstTicketOf(r) + i);
  }
  Event FindFirst(EventType t) const {
    for (const Event& e : w.sink.events)
      if (TypeOf(e) == t) return e;
    FAIL("no event of that type");
    return {};
  }
  void CheckClean() {
    for (const std::string& p : CheckInvariants(w.state)) FAIL_CHECK(p);
  }
};

}  // namespace

TEST_CASE("an admin revokes one ticket: the seat stays sold, the door refuses it, reason kept") {
  Fixture f;
  const ReservationId r = f.Confirmed({0, 1});
  const TicketId t0 = f.TicketOf(r, 0).id, t1 = f.TicketOf(r, 1).id;

  CHECK(CodeOf(f.w.Run(f.w.As(f.fan, kT + 20, RevokeTicketCmd{t0, "resold"}))) ==
        ResultCode::kForbidden);
  CHECK(CodeOf(f.w.Run(f.w.As(f.door, kT + 20, RevokeTicketCmd{t0, "resold"}))) ==
        ResultCode::kForbidden);
  CHECK(CodeOf(f.w.Run(f.w.As(f.admin, kT + 20, RevokeTicketCmd{t0, ""}))) ==
        ResultCode::kInvalidArgument);
  CHECK(CodeOf(f.w.Run(f.w.As(f.admin, kT + 20, RevokeTicketCmd{t0, std::string(501, 'x')}))) ==
        ResultCode::kInvalidArgument);
  CHECK(CodeOf(f.w.Run(f.w.As(f.admin, kT + 20, RevokeTicketCmd{999'999, "x"}))) ==
        ResultCode::kUnknownTicket);

  const Event revoked = f.w.Run(f.w.As(f.admin, kT + 20, RevokeTicketCmd{t0, "resold above face value"}));
  REQUIRE(TypeOf(revoked) == EventType::kTicketRevoked);
  const auto& b = std::get<TicketRevoked>(revoked.body);
  CHECK(b.by == f.admin);
  CHECK(b.holder == f.fan);
  CHECK(b.reason == "resold above face value");
  CHECK(f.TicketOf(r, 0).state == TicketState::kRevoked);
  CHECK(f.TicketOf(r, 1).state == TicketState::kValid);
  CHECK(f.w.state.FindReservation(r)->status == ReservationStatus::kConfirmed);
  CHECK(f.w.state.FindConcert(f.concert)->seats.status(0) == SeatStatus::kSold);
  f.CheckClean();

  // The buyer cannot cancel it for a refund once one of its tickets is revoked.
  CHECK(CodeOf(f.w.Run(f.w.As(f.fan, kT + 21, CancelReservationCmd{r}))) ==
        ResultCode::kTicketRevoked);
  // Twice is refused; the door refuses the revoked one and admits the other.
  CHECK(CodeOf(f.w.Run(f.w.As(f.admin, kT + 30, RevokeTicketCmd{t0, "again"}))) ==
        ResultCode::kTicketRevoked);
  const Ticket& gone = f.TicketOf(r, 0);
  const CheckInCmd scan{gone.id, gone.concert, gone.seat, gone.version, f.concert, "North", false, 0, {}};
  CHECK(CodeOf(f.w.Run(f.w.As(f.door, f.spec->doors_open_at + 5, scan))) ==
        ResultCode::kTicketRevoked);
  const Ticket& kept = f.TicketOf(r, 1);
  const CheckInCmd ok{kept.id, kept.concert, kept.seat, kept.version, f.concert, "North", false, 0, {}};
  CHECK(CodeOf(f.w.Run(f.w.As(f.door, f.spec->doors_open_at + 5, ok))) == ResultCode::kOk);
  // A used ticket is not revoked after the fact.
  CHECK(CodeOf(f.w.Run(f.w.As(f.admin, f.spec->doors_open_at + 6, RevokeTicketCmd{t1, "late"}))) ==
        ResultCode::kTicketCheckedIn);

  // Refunding the reservation afterwards still works, and is journaled with its reason.
  const Event refunded =
      f.w.Run(f.w.As(f.admin, f.spec->doors_open_at + 7, RefundReservationCmd{r, "venue issue"}));
  REQUIRE(TypeOf(refunded) == EventType::kReservationRefunded);
  CHECK(std::get<ReservationRefunded>(refunded.body).by == f.admin);
  CHECK(std::get<ReservationRefunded>(refunded.body).reason == "venue issue");
  f.CheckClean();

  // The journal replays into the same state, and a snapshot keeps the voided ticket.
  const auto replayed = ReplayThroughJournal(f.w.sink.events);
  CHECK(replayed->FindTicket(t0)->voided);
  std::string bytes, again;
  EncodeState(f.w.state, &bytes);
  auto restored = DecodeState(bytes, EngineConfig{});
  REQUIRE(restored.ok());
  CHECK(restored.value()->FindTicket(t0)->voided);
  CHECK_FALSE(restored.value()->FindTicket(t1)->voided);
  EncodeState(*restored.value(), &again);
  CHECK(again == bytes);
}

TEST_CASE("a disabled account cannot log in or refresh; its sessions end; enabling lets it in") {
  Fixture f;
  REQUIRE(CodeOf(f.w.Run(f.w.As(f.door, kT, StartSessionCmd{kA, kT + kHour}))) == ResultCode::kOk);
  REQUIRE(f.w.state.FindSession(kA, kT) != nullptr);

  CHECK(CodeOf(f.w.Run(f.w.As(f.fan, kT, SetAccountStatusCmd{f.door, true, ""}))) ==
        ResultCode::kForbidden);
  CHECK(CodeOf(f.w.Run(f.w.As(f.admin, kT, SetAccountStatusCmd{f.admin, true, ""}))) ==
        ResultCode::kForbidden);
  CHECK(CodeOf(f.w.Run(f.w.As(f.admin, kT, SetAccountStatusCmd{424242, true, ""}))) ==
        ResultCode::kUnknownUser);
  CHECK(CodeOf(f.w.Run(f.w.As(f.admin, kT, SetAccountStatusCmd{f.door, false, ""}))) ==
        ResultCode::kInvalidArgument);  // not disabled

  const Event off = f.w.Run(f.w.As(f.admin, kT + 1, SetAccountStatusCmd{f.door, true, "left the company"}));
  REQUIRE(TypeOf(off) == EventType::kAccountStatusChanged);
  CHECK(std::get<AccountStatusChanged>(off.body).by == f.admin);
  CHECK(f.w.state.FindUser(f.door)->disabled);
  CHECK(f.w.state.FindSession(kA, kT) == nullptr);  // its session ended with it
  CHECK(CodeOf(f.w.Run(f.w.As(f.door, kT + 2, StartSessionCmd{kB, kT + kHour}))) ==
        ResultCode::kAccountDisabled);
  CHECK(CodeOf(f.w.Run(f.w.As(f.door, kT + 2, RefreshSessionCmd{kA, kB, kT + kHour}))) ==
        ResultCode::kUnknownSession);
  CHECK(CodeOf(f.w.Run(f.w.As(f.admin, kT + 2, SetAccountStatusCmd{f.door, true, ""}))) ==
        ResultCode::kInvalidArgument);  // already

  // A disabled admin has no authority, even with a token still in hand.
  REQUIRE(CodeOf(f.w.Run(f.w.As(f.admin, kT + 3, SetAccountStatusCmd{f.other_admin, true, "audit"}))) ==
          ResultCode::kOk);
  CHECK(CodeOf(f.w.Run(f.w.As(f.other_admin, kT + 3, SetAccountStatusCmd{f.fan, true, ""}))) ==
        ResultCode::kForbidden);
  CHECK(CodeOf(f.w.Run(f.w.As(f.other_admin, kT + 3, CloseSalesCmd{f.concert}))) ==
        ResultCode::kForbidden);

  REQUIRE(CodeOf(f.w.Run(f.w.As(f.admin, kT + 4, SetAccountStatusCmd{f.door, false, "back"}))) ==
          ResultCode::kOk);
  CHECK_FALSE(f.w.state.FindUser(f.door)->disabled);
  CHECK(CodeOf(f.w.Run(f.w.As(f.door, kT + 5, StartSessionCmd{kB, kT + kHour}))) == ResultCode::kOk);
  f.CheckClean();

  const auto replayed = ReplayThroughJournal(f.w.sink.events);
  CHECK(replayed->FindUser(f.other_admin)->disabled);
  CHECK_FALSE(replayed->FindUser(f.door)->disabled);
  std::string bytes;
  EncodeState(f.w.state, &bytes);
  auto restored = DecodeState(bytes, EngineConfig{});
  REQUIRE(restored.ok());
  CHECK(restored.value()->FindUser(f.other_admin)->disabled);
  // A state of format 19 has no flag: read as enabled.
  std::string v19;
  EncodeState(f.w.state, &v19, 19);
  auto old = DecodeState(v19, EngineConfig{});
  REQUIRE(old.ok());
  CHECK_FALSE(old.value()->FindUser(f.other_admin)->disabled);
}

TEST_CASE("releases, confirmations and refunds name who acted; older records name no one") {
  Fixture f;
  const Event held = f.w.Hold(f.fan, f.concert, {3});
  const ReservationId r = std::get<HoldPlaced>(held.body).reservation;
  const Event released = f.w.Run(f.w.As(f.fan, kT + 5, ReleaseHoldCmd{r}));
  REQUIRE(TypeOf(released) == EventType::kHoldReleased);
  CHECK(std::get<HoldReleased>(released.body).by == f.fan);
  const ReservationId sold = f.Confirmed({4});
  CHECK(std::get<ReservationConfirmed>(f.FindFirst(EventType::kReservationConfirmed).body).by ==
        f.admin);
  const Event refunded = f.w.Run(f.w.As(f.admin, kT + 20, RefundReservationCmd{sold}));
  CHECK(std::get<ReservationRefunded>(refunded.body).reason.empty());

  // Each through the codec, and as a version 18 writer wrote it (without by and reason).
  for (const Event& e : {released, f.FindFirst(EventType::kReservationConfirmed), refunded}) {
    std::string rec;
    EncodeEvent(e, &rec);
    std::string_view in = rec;
    Event back;
    REQUIRE(DecodeEvent(&in, &back).ok());
    std::string again;
    EncodeEvent(back, &again);
    CHECK(again == rec);
    const std::size_t drop = TypeOf(e) == EventType::kReservationRefunded ? 8 + 1 : 8;
    const std::string old = AsVersion(e, 18, drop);
    std::string_view old_in = old;
    Event was;
    REQUIRE(DecodeEvent(&old_in, &was).ok());
    std::visit([](const auto& b) {
      if constexpr (requires { b.by; }) CHECK(b.by == 0);
    }, was.body);
  }
  // The new types in a version 18 record are refused.
  Event revoked;
  revoked.seq = 99;
  revoked.ts = kT;
  revoked.body = TicketRevoked{1, f.concert, f.fan, f.admin, "x"};
  const std::string early = AsVersion(revoked, 18);
  std::string_view early_in = early;
  Event nope;
  CHECK(DecodeEvent(&early_in, &nope).IsCorruption());
}
