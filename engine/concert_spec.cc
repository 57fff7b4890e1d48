#include "engine/concert_spec.h"

#include <algorithm>

#include "engine/venue.h"

namespace cm::engine {

TimeMs ConcertSpec::ReturnsAt(ReservationId r, SeatIndex s, TimeMs at) const {
  if (return_window_ms <= 0) return at;
  char facts[20];
  const uint64_t at_bits = static_cast<uint64_t>(at);
  for (int i = 0; i < 8; ++i) facts[i] = static_cast<char>(r >> (8 * i));
  for (int i = 0; i < 4; ++i) facts[8 + i] = static_cast<char>(s >> (8 * i));
  for (int i = 0; i < 8; ++i) facts[12 + i] = static_cast<char>(at_bits >> (8 * i));
  const uint64_t draw = SipHash24(return_key, std::string_view(facts, sizeof facts));
  return at + static_cast<TimeMs>(draw % static_cast<uint64_t>(return_window_ms + 1));
}

TimeMs ConcertSpec::DepositDeadline(TimeMs now) const {
  constexpr TimeMs kDay = 86'400'000;
  const BankTransferRules& b = bank_transfer;
  TimeMs due;
  if (b.window_ms > 0) {
    due = now + b.window_ms;
  } else {
    // 23:59 of the local day `days_after` days on: the local day starts at a multiple of a day
    // in local time (no daylight saving in Korea).
    const TimeMs offset = static_cast<TimeMs>(b.utc_offset_minutes) * 60'000;
    const TimeMs local = now + offset;
    const TimeMs day_start = local - ((local % kDay) + kDay) % kDay;
    due = day_start + (static_cast<TimeMs>(b.days_after) + 1) * kDay - 60'000 - offset;
  }
  return std::min({due, sales_close_at, starts_at - b.before_show_ms});
}

uint32_t ProofOfWorkSettings::DifficultyAt(double arrivals_per_second) const {
  if (difficulty == 0 || rise_per_second == 0 || arrivals_per_second <= 0) return difficulty;
  const double risen = difficulty * (1.0 + arrivals_per_second / rise_per_second);
  return risen >= max_difficulty ? max_difficulty : static_cast<uint32_t>(risen);
}

namespace {

const char* RoomProblem(const WaitingRoomSettings& w) {
  if (!w.enabled) return nullptr;
  if (w.max_active == 0) return "the waiting room must admit at least 1 shopper";
  if (w.admit_per_second == 0) return "the admission rate must be at least 1 per second";
  if (w.admission_ttl_ms <= 0) return "the admission time must be positive";
  if (w.pre_queue_ms < 0) return "the pre-queue window cannot be negative";
  if (w.abandon_after_ms < 1000) return "abandonment needs at least 1 s of silence";
  return nullptr;
}

std::string PhasesProblem(const ConcertSpec& spec) {
  const std::vector<SalePhase>& phases = spec.phases;
  if (phases.empty()) return {};
  if (phases.size() > kMaxSalePhases)
    return "a sale has at most " + std::to_string(kMaxSalePhases) + " phases";
  if (spec.waiting_room.enabled)
    return "with sale phases, each phase has its own waiting room, not the concert";
  if (phases.front().opens_at != spec.sales_open_at || phases.back().closes_at != spec.sales_close_at)
    return "sales open with the first phase and close with the last";
  bool members_only = false;
  for (std::size_t i = 0; i < phases.size(); ++i) {
    const SalePhase& p = phases[i];
    const std::string which = "phase " + std::to_string(i + 1) + ": ";
    if (p.name.empty() || p.name.size() > kMaxPhaseNameBytes)
      return which + "a name of 1 to " + std::to_string(kMaxPhaseNameBytes) + " bytes is needed";
    if (p.closes_at <= p.opens_at) return which + "it must close after it opens";
    if (i > 0 && p.opens_at < phases[i - 1].closes_at)
      return which + "it opens before the phase before it closes";
    // Its room takes joins once the phase before has closed: its pre-queue must fit between.
    if (i > 0 && p.waiting_room.enabled &&
        p.opens_at - p.waiting_room.pre_queue_ms < phases[i - 1].closes_at)
      return which + "its waiting room's pre-queue begins before the phase before it closes; "
                     "open it later or shorten the pre-queue";
    if (p.max_seats_per_user == 0) return which + "the per-user seat limit must be at least 1";
    if (const char* bad = RoomProblem(p.waiting_room)) return which + bad;
    members_only |= p.members_only;
  }
  if (members_only && spec.member_key == SipKey{}) return "a members-only phase needs its key";
  return {};
}

}  // namespace

ResultCode ValidateConcert(const ConcertSpec& spec, const Venue& venue, std::string* why) {
  auto fail = [&](std::string reason) {
    *why = std::move(reason);
    return ResultCode::kInvalidConcert;
  };
  if (spec.title.empty()) return fail("concert title is empty");
  if (spec.sales_close_at <= spec.sales_open_at)
    return fail("sales must close after they open");
  if (spec.price_per_grade.size() != venue.grade_count())
    return fail("a price is needed for each of the venue's " +
                std::to_string(venue.grade_count()) + " grades");
  for (int64_t price : spec.price_per_grade)
    if (price < 0) return fail("prices cannot be negative");
  if (spec.hold_ttl_ms <= 0) return fail("the hold TTL must be positive");
  if (spec.max_seats_per_user == 0) return fail("the per-user seat limit must be at least 1");
  if (spec.rehold_cooldown_ms < 0 || spec.rehold_cooldown_ms > kMaxReholdCooldownMs)
    return fail("the re-hold cooldown must be between 0 and 24 hours");
  if (spec.doors_open_at > spec.starts_at) return fail("the doors must open before the show");
  if (spec.transfer_cutoff_ms < 0) return fail("the transfer cutoff cannot be negative");
  if (spec.refund.deadline_ms < 0) return fail("the refund deadline cannot be negative");
  if (spec.refund.fee_percent > 100) return fail("the refund fee is between 0 and 100 percent");
  if (spec.hold_extension_ms < 0) return fail("the hold extension cannot be negative");
  if (spec.return_window_ms < 0 || spec.return_window_ms > kMaxReturnWindowMs)
    return fail("the return window must be between 0 and 1 hour");
  if (spec.return_window_ms > 0 && spec.return_key == SipKey{})
    return fail("a return window needs its key");
  if (spec.max_hold_ms != 0 && spec.max_hold_ms < spec.hold_ttl_ms)
    return fail("the hold cap cannot be shorter than the hold TTL");
  if (spec.accessible.companions_per_space > kMaxCompanionsPerSpace)
    return fail("a wheelchair space has at most " + std::to_string(kMaxCompanionsPerSpace) +
                " companion seats");
  if (spec.accessible.release_at < 0) return fail("the accessible seats' release time is negative");
  // Companion seats that could never be sold to anyone but the box office.
  if (spec.accessible.companions_per_space == 0 && spec.accessible.release_at == 0 &&
      venue.accessible_seats > venue.wheelchair_spaces)
    return fail("with no companion seat per wheelchair space and no release time, the venue's "
                "companion seats could never be sold");
  const ProofOfWorkSettings& p = spec.proof_of_work;
  if (p.enabled()) {
    if (p.difficulty > kMaxPowDifficulty || p.max_difficulty > kMaxPowDifficulty)
      return fail("the proof-of-work difficulty is at most " + std::to_string(kMaxPowDifficulty));
    if (p.cost == 0 || p.cost > kMaxPowCost)
      return fail("the proof-of-work cost is between 1 and " + std::to_string(kMaxPowCost) +
                  " iterations");
    if (p.max_difficulty < p.difficulty)
      return fail("the proof-of-work difficulty cannot rise above a lower maximum");
    if (uint64_t{p.max_difficulty} * p.cost > kMaxPowWork)
      return fail("the highest difficulty times the cost is at most " +
                  std::to_string(kMaxPowWork) + " iterations (about 25 s on a phone)");
  } else if (p != ProofOfWorkSettings{}) {
    return fail("a proof of work without a difficulty has no other setting");
  }
  const BankTransferRules& bank = spec.bank_transfer;
  if (bank.enabled) {
    if (bank.days_after > kMaxDepositDays)
      return fail("a deposit is due at most " + std::to_string(kMaxDepositDays) + " days on");
    if (bank.utc_offset_minutes < -14 * 60 || bank.utc_offset_minutes > 14 * 60)
      return fail("the deposit deadline's zone is UTC-14:00 to UTC+14:00");
    if (bank.window_ms < 0 || bank.window_ms > kMaxDepositDays * 86'400'000LL)
      return fail("the deposit window is between 0 and 7 days");
    if (bank.before_show_ms < 0) return fail("the deposit cutoff before the show is negative");
  } else if (bank != BankTransferRules{}) {
    return fail("bank-transfer rules without bank transfers have no other setting");
  }
  if (const char* bad = RoomProblem(spec.waiting_room)) return fail(bad);
  if (std::string bad = PhasesProblem(spec); !bad.empty()) return fail(std::move(bad));
  return ResultCode::kOk;
}

ResultCode ValidateNewConcert(const ConcertSpec& spec, const Venue& venue, std::string* why) {
  if (const ResultCode code = ValidateConcert(spec, venue, why); code != ResultCode::kOk)
    return code;
  if (spec.sales_close_at > spec.starts_at) {
    *why = "sales must close no later than the show starts";
    return ResultCode::kInvalidConcert;
  }
  return ResultCode::kOk;
}

}  // namespace cm::engine
