// Sale phases (선예매, then 일반예매): each phase its own window, limit and waiting room, and a
// members-only phase open to the concert's list alone. The engine passes the sale from one phase
// to the next when time reaches a phase's close (SalePhaseBegan), and the journal and a
// snapshot give the same phases back.
#include <doctest/doctest.h>

#include "engine/codec/spec_codec.h"
#include "engine/codec/state_codec.h"
#include "engine/invariants.h"
#include "engine/member_list.h"
#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

constexpr TimeMs kHour = 3'600'000;
constexpr TimeMs kPresaleCloses = TestWorld::kStart + kHour;
constexpr TimeMs kGeneralOpens = TestWorld::kStart + 2 * kHour;
const SipKey kMemberKey{0x6d656d62657273ULL, 0x6b6579ULL};

struct Fixture {
  TestWorld w;
  UserId fan = w.AddUser("fan@example.com");        // on the list by email
  UserId coder = w.AddUser("coder@example.com");    // has a member code
  UserId other = w.AddUser("other@example.com");    // not a member
  UserId admin = w.AddUser("admin@example.com", Role::kAdmin);
  VenueId venue = w.AddVenue(GridVenue(1, 4, 10));

  std::shared_ptr<ConcertSpec> PhasedSpec(bool general_room = false) {
    auto spec = w.ConcertSpecFor(venue);
    SalePhase presale{"팬클럽 선예매", spec->sales_open_at, kPresaleCloses, 2, true, {}};
    SalePhase general{"일반예매", kGeneralOpens, spec->sales_close_at, 4, false, {}};
    if (general_room) {
      general.waiting_room.enabled = true;
      general.waiting_room.pre_queue_ms = 30 * 60'000;
    }
    spec->phases = {presale, general};
    spec->max_seats_per_user = 4;
    spec->member_key = kMemberKey;
    return spec;
  }
  ConcertId concert = w.AddConcertSpec(PhasedSpec());

  Event List(ConcertId c, std::vector<uint64_t> entries, bool replace = false) {
    return w.Run(w.AsAdmin(TestWorld::kStart, ListMembersCmd{c, replace, std::move(entries)}));
  }
  uint64_t Email(const char* e) { return MemberEntry(kMemberKey, MemberKind::kEmail, e); }
  uint64_t Code(const char* c) { return MemberEntry(kMemberKey, MemberKind::kCode, c); }
  Event Claim(UserId u, ConcertId c, const char* code) {
    return w.Run(w.As(u, TestWorld::kStart, ClaimMemberCodeCmd{c, Code(code)}));
  }
  uint32_t PhaseOf(ConcertId c) { return w.state.FindConcert(c)->phase; }
};

}  // namespace

TEST_CASE("member entries: normalised, keyed and kept apart by kind") {
  CHECK(MemberEntry(kMemberKey, MemberKind::kCode, "ab-12 34") ==
        MemberEntry(kMemberKey, MemberKind::kCode, "AB1234"));
  CHECK(MemberEntry(kMemberKey, MemberKind::kEmail, " Fan@Example.COM ") ==
        MemberEntry(kMemberKey, MemberKind::kEmail, "fan@example.com"));
  // A member's email typed as a code matches no email entry.
  CHECK(MemberEntry(kMemberKey, MemberKind::kCode, "fan@example.com") !=
        MemberEntry(kMemberKey, MemberKind::kEmail, "fan@example.com"));
  CHECK(MemberEntry(SipKey{1, 2}, MemberKind::kCode, "AB1234") !=
        MemberEntry(kMemberKey, MemberKind::kCode, "AB1234"));
  CHECK(NormaliseMemberText(MemberKind::kCode, " - ").empty());
}

TEST_CASE_FIXTURE(Fixture, "a non-member is refused in the presale; members by email or code") {
  REQUIRE(CodeOf(List(concert, {Email("fan@example.com"), Code("FC-0001")})) == ResultCode::kOk);
  const Event refused = w.Hold(other, concert, {0});
  CHECK(CodeOf(refused) == ResultCode::kNotAMember);
  CHECK(CodeOf(w.Hold(fan, concert, {0})) == ResultCode::kOk);
  // The code is someone's until claimed; then theirs alone.
  CHECK(CodeOf(w.Hold(coder, concert, {1})) == ResultCode::kNotAMember);
  CHECK(CodeOf(Claim(coder, concert, "XX-9999")) == ResultCode::kUnknownMemberCode);
  CHECK(CodeOf(Claim(coder, concert, "fc 0001")) == ResultCode::kOk);
  CHECK(CodeOf(Claim(other, concert, "FC0001")) == ResultCode::kMemberCodeTaken);
  CHECK(CodeOf(Claim(coder, concert, "FC0001")) == ResultCode::kAlreadyAMember);
  CHECK(CodeOf(Claim(fan, concert, "FC0001")) == ResultCode::kAlreadyAMember);
  CHECK(CodeOf(w.Hold(coder, concert, {1})) == ResultCode::kOk);
  // Admins sell at the box office whatever the phase.
  CHECK(CodeOf(w.Hold(admin, concert, {2})) == ResultCode::kOk);
  // Only admins list members; replacing the list drops the claims with it.
  CHECK(CodeOf(w.Run(w.As(fan, TestWorld::kStart, ListMembersCmd{concert, false, {Code("Z")}}))) ==
        ResultCode::kForbidden);
  // A corrected list keeps the claims of codes still on it: the coder stays a member, and the
  // code stays theirs alone.
  REQUIRE(CodeOf(List(concert, {Code("FC-0001"), Code("FC-0002")}, true)) == ResultCode::kOk);
  CHECK(w.state.FindConcert(concert)->members.ClaimedBy(Code("FC0001")) == coder);
  CHECK(CodeOf(Claim(other, concert, "FC0001")) == ResultCode::kMemberCodeTaken);
  CHECK(CodeOf(w.Hold(fan, concert, {5})) == ResultCode::kNotAMember);  // email gone from it
  // A list without the code: its claim goes with it.
  REQUIRE(CodeOf(List(concert, {Email("other@example.com")}, true)) == ResultCode::kOk);
  CHECK(CodeOf(w.Hold(other, concert, {3})) == ResultCode::kOk);
  CHECK(CodeOf(w.Hold(coder, concert, {4})) == ResultCode::kNotAMember);
  CHECK(CheckInvariants(w.state).empty());
}

TEST_CASE_FIXTURE(Fixture, "the presale's seats count toward the general sale's limit") {
  REQUIRE(CodeOf(List(concert, {Email("fan@example.com")})) == ResultCode::kOk);
  const Event bought = w.Hold(fan, concert, {0, 1});
  REQUIRE(CodeOf(bought) == ResultCode::kOk);
  REQUIRE(CodeOf(w.Run(w.AsAdmin(TestWorld::kStart, ConfirmReservationCmd{
                                     std::get<HoldPlaced>(bought.body).reservation}))) ==
          ResultCode::kOk);
  const Event over = w.Hold(fan, concert, {2});  // the presale's limit is 2
  CHECK(CodeOf(over) == ResultCode::kSeatLimitExceeded);
  CHECK(std::get<CommandRejected>(over.body).detail == 0);
  // Between the phases nothing sells, and the refusal says when the next opens.
  const Event between = w.Hold(other, concert, {5}, kPresaleCloses + 1);
  CHECK(CodeOf(between) == ResultCode::kSalesNotOpen);
  CHECK(std::get<CommandRejected>(between.body).detail == static_cast<uint64_t>(kGeneralOpens));
  // The general sale's limit is 4: the fan has 2 of them already (bought in the presale).
  const Event three = w.Hold(fan, concert, {2, 3, 4}, kGeneralOpens);
  CHECK(CodeOf(three) == ResultCode::kSeatLimitExceeded);
  CHECK(std::get<CommandRejected>(three.body).detail == 2);
  CHECK(CodeOf(w.Hold(fan, concert, {2, 3}, kGeneralOpens)) == ResultCode::kOk);
  // And everyone may buy now.
  CHECK(CodeOf(w.Hold(other, concert, {6}, kGeneralOpens)) == ResultCode::kOk);
  CHECK(CheckInvariants(w.state).empty());
}

TEST_CASE_FIXTURE(Fixture, "the sale passes to the next phase at the close, not a millisecond early") {
  const ConcertId second = w.AddConcertSpec(PhasedSpec());
  CHECK(PhaseOf(concert) == 0);
  w.Tick(kPresaleCloses - 1);
  CHECK(PhaseOf(concert) == 0);
  const std::size_t before = w.sink.events.size();
  // Any command's time moves the sale on, not only ticks.
  CHECK(CodeOf(w.Hold(other, second, {0}, kPresaleCloses)) == ResultCode::kSalesNotOpen);
  CHECK(PhaseOf(concert) == 1);
  CHECK(PhaseOf(second) == 1);
  REQUIRE(w.sink.events.size() == before + 3);  // one per concert, then the answer
  for (std::size_t i = before; i < before + 2; ++i) {
    const Event& began = w.sink.events[i];
    REQUIRE(TypeOf(began) == EventType::kSalePhaseBegan);
    CHECK(std::get<SalePhaseBegan>(began.body).concert == (i == before ? concert : second));
    CHECK(std::get<SalePhaseBegan>(began.body).phase == 1);
    CHECK(began.ts == kPresaleCloses);
  }
  CHECK(w.state.next_phase_at() == EngineState::kNever);
}

TEST_CASE_FIXTURE(Fixture, "each phase has its own waiting room; members-only joins are checked") {
  const ConcertId queued = w.AddConcertSpec([&] {
    auto spec = PhasedSpec(true);
    spec->phases[0].waiting_room.enabled = true;
    spec->phases[0].waiting_room.pre_queue_ms = 0;
    spec->hold_ttl_ms = 2 * kHour;  // the presale's hold outlives the presale
    return spec;
  }());
  REQUIRE(CodeOf(List(queued, {Email("fan@example.com")})) == ResultCode::kOk);
  CHECK(CodeOf(w.Run(w.As(other, TestWorld::kStart, JoinQueueCmd{queued}))) ==
        ResultCode::kNotAMember);
  CHECK(CodeOf(w.Run(w.As(fan, TestWorld::kStart, JoinQueueCmd{queued}))) == ResultCode::kOk);
  w.Tick(TestWorld::kStart + 1, 7);
  REQUIRE(w.state.FindConcert(queued)->room->IsAdmitted(fan));
  CHECK(CodeOf(w.Hold(fan, queued, {0}, TestWorld::kStart + 2)) == ResultCode::kOk);
  // The presale's room closes with it; the general sale's takes joins from its pre-queue
  // window (30 minutes before it opens), and the fan's presale place is gone.
  w.Tick(kPresaleCloses);
  const Concert& c = *w.state.FindConcert(queued);
  REQUIRE(c.room != nullptr);
  CHECK(c.room->Find(fan) == nullptr);
  CHECK(c.room->LiveHolds(fan) == 1);  // the presale's hold, still live, counted here
  const Event early = w.Run(w.As(other, kPresaleCloses + 1, JoinQueueCmd{queued}));
  CHECK(CodeOf(early) == ResultCode::kQueueNotOpenYet);
  CHECK(std::get<CommandRejected>(early.body).detail ==
        static_cast<uint64_t>(kGeneralOpens - 30 * 60'000));
  CHECK(CodeOf(w.Run(w.As(other, kGeneralOpens - 60'000, JoinQueueCmd{queued}))) ==
        ResultCode::kOk);
  CHECK(CodeOf(w.Hold(other, queued, {5}, kGeneralOpens)) == ResultCode::kQueueAdmissionRequired);
  w.Tick(kGeneralOpens, 9);
  CHECK(CodeOf(w.Hold(other, queued, {5}, kGeneralOpens + 1)) == ResultCode::kOk);
  CHECK(CheckInvariants(w.state).empty());
}

TEST_CASE_FIXTURE(Fixture, "replay and a snapshot reproduce the phases, the list and the claims") {
  REQUIRE(CodeOf(List(concert, {Email("fan@example.com"), Code("FC-1"), Code("FC-2")})) ==
          ResultCode::kOk);
  REQUIRE(CodeOf(Claim(coder, concert, "FC-1")) == ResultCode::kOk);
  REQUIRE(CodeOf(w.Hold(coder, concert, {0, 1})) == ResultCode::kOk);
  // A snapshot taken in the presale: its sequencer moves the sale on at the same moment.
  std::string presale_bytes;
  EncodeState(w.state, &presale_bytes);
  w.Tick(kPresaleCloses);
  REQUIRE(PhaseOf(concert) == 1);

  const auto replayed = ReplayThroughJournal(w.sink.events);
  CHECK(StateHash(*replayed) == StateHash(w.state));
  CHECK(replayed->FindConcert(concert)->phase == 1);
  CHECK(replayed->FindConcert(concert)->members.ClaimOf(coder) == Code("FC1"));

  std::string bytes;
  EncodeState(w.state, &bytes);
  auto restored = DecodeState(bytes, w.state.config());
  REQUIRE(restored.ok());
  CHECK(StateHash(*restored.value()) == StateHash(w.state));
  CHECK(restored.value()->FindConcert(concert)->members.size() == 3);
  CHECK(CheckInvariants(*restored.value()).empty());

  auto early = DecodeState(presale_bytes, w.state.config());
  REQUIRE(early.ok());
  CHECK(early.value()->next_phase_at() == kPresaleCloses);
  Sequencer sequencer(*early.value());
  CollectingSink sink;
  Command tick;
  tick.now = kPresaleCloses;
  tick.actor_role = Role::kSystem;
  tick.body = TickCmd{};
  sequencer.Execute(tick, sink);
  REQUIRE(!sink.events.empty());  // the coder's hold expired by then, too
  CHECK(TypeOf(sink.events.back()) == EventType::kSalePhaseBegan);
  CHECK(StateHash(*early.value()) == StateHash(w.state));
}

TEST_CASE_FIXTURE(Fixture, "phases that cannot be are refused at creation") {
  auto refused = [&](auto change) {
    auto spec = PhasedSpec();
    change(*spec);
    const Event e = w.Run(w.AsAdmin(TestWorld::kStart, CreateConcertCmd{spec}));
    return CodeOf(e) == ResultCode::kInvalidConcert;
  };
  CHECK(refused([](ConcertSpec& s) { s.phases[1].opens_at = kPresaleCloses - 1; }));  // overlap
  CHECK(refused([](ConcertSpec& s) { s.sales_close_at -= 1; }));  // not the last's close
  CHECK(refused([](ConcertSpec& s) { s.member_key = {}; }));      // members-only, no key
  CHECK(refused([](ConcertSpec& s) { s.phases[0].name.clear(); }));
  CHECK(refused([](ConcertSpec& s) { s.phases[1].max_seats_per_user = 0; }));
  CHECK(refused([](ConcertSpec& s) { s.waiting_room.enabled = true; }));  // the phases' own
  CHECK(refused([](ConcertSpec& s) { s.phases.resize(kMaxSalePhases + 1, s.phases[1]); }));
  CHECK_FALSE(refused([](ConcertSpec&) {}));
}

TEST_CASE_FIXTURE(Fixture, "a spec's phases through the codec; older formats have none") {
  const ConcertSpec spec = *PhasedSpec(true);
  std::string bytes;
  EncodeConcertSpec(spec, &bytes, kSalePhasesEventFormat);
  ConcertSpec back;
  std::string_view in = bytes;
  REQUIRE(DecodeConcertSpec(&in, &back, kSalePhasesEventFormat));
  CHECK(in.empty());
  CHECK(back == spec);
  std::string old;
  EncodeConcertSpec(spec, &old, kSalePhasesEventFormat - 1);
  ConcertSpec before;
  std::string_view old_in = old;
  REQUIRE(DecodeConcertSpec(&old_in, &before, kSalePhasesEventFormat - 1));
  CHECK(old_in.empty());
  CHECK(before.phases.empty());
  // Truncated anywhere in the phases: refused, never read past.
  for (std::size_t cut = old.size(); cut < bytes.size(); ++cut) {
    std::string_view part(bytes.data(), cut);
    ConcertSpec bad;
    CHECK_FALSE(DecodeConcertSpec(&part, &bad, kSalePhasesEventFormat));
  }
}
