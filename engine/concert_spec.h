#pragma once
// What an admin sends to create a concert.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/result_code.h"
#include "engine/siphash.h"
#include "engine/types.h"

namespace cm::engine {

struct Venue;

// The waiting room in front of a concert's sales (see waiting_room.h).
struct WaitingRoomSettings {
  bool enabled = false;
  uint32_t max_active = 100;           // admitted shoppers at once
  uint32_t admit_per_second = 50;      // admissions in any one-second window
  TimeMs admission_ttl_ms = 600'000;   // shopping time once admitted; a hard end
  TimeMs pre_queue_ms = 3'600'000;     // joining opens this long before sales open
  TimeMs abandon_after_ms = 60'000;    // a waiting place with no poll and no socket this long
  bool operator==(const WaitingRoomSettings&) const = default;
};

// A proof of work asked of each arrival (auth/pow_challenge.h): to join the waiting room, or to
// hold in a concert without one. The gateway issues and checks it; the engine only keeps the
// settings, so they are journaled and every gateway reads the same ones (format 16).
struct ProofOfWorkSettings {
  uint32_t difficulty = 0;       // derivations a solution takes on average; 0: no gate
  uint32_t cost = 0;             // PBKDF2-SHA-256 iterations in one derivation
  uint32_t max_difficulty = 0;   // the rise with the arrival rate stops here
  uint32_t rise_per_second = 0;  // each this many arrivals a second add `difficulty`; 0: fixed
  bool enabled() const { return difficulty > 0; }
  // The difficulty while `arrivals_per_second` arrive.
  uint32_t DifficultyAt(double arrivals_per_second) const;
  bool operator==(const ProofOfWorkSettings&) const = default;
};
inline constexpr uint32_t kMaxPowDifficulty = 1u << 24;

// Wheelchair spaces and companion seats (engine/venue.h SeatAttribute): until `release_at`
// they are held back for those who need them. Best-available hands them out only when asked
// for accessible seats, and a companion seat is sold only in the same hold as a wheelchair
// space of its section, at most `companions_per_space` of them per space (Ticketmaster's ADA
// rule). From `release_at` on (0: never) they are ordinary seats, decided by the sequencer at
// each hold against the command's time, so nothing needs to be journaled when it comes.
struct AccessibleSeatRules {
  uint32_t companions_per_space = 1;
  TimeMs release_at = 0;
  bool operator==(const AccessibleSeatRules&) const = default;
};
inline constexpr uint32_t kMaxCompanionsPerSpace = 3;
inline constexpr uint32_t kMaxPowCost = 10'000;  // a check costs the gateway ~2.5 ms at most
// The most work a solution may take at the highest difficulty: PBKDF2 iterations in all. A phone
// (bench/pow_phone.sh: 2,000 x 1,000 in 1.3 s, throttled 4x) does this many in about 25 s, well
// inside the widget's 90 s; more would shut phones out just when the crowd is largest.
inline constexpr uint64_t kMaxPowWork = 40'000'000;

// One phase of a concert's sale (선예매, 일반예매, ...). Phases are ordered and do not overlap;
// each has its own window, its own waiting room and its own per-user limit, and may be open to
// the members of the concert's list only (engine/member_list.h). The limit counts every seat
// the user holds or bought in the concert, whatever the phase: a member who bought 2 in the
// presale may buy 2 more in a general sale of 4 (format 17).
struct SalePhase {
  std::string name;  // shown to fans
  TimeMs opens_at = 0;
  TimeMs closes_at = 0;
  uint32_t max_seats_per_user = 4;
  bool members_only = false;
  WaitingRoomSettings waiting_room;
  bool operator==(const SalePhase&) const = default;
};
inline constexpr std::size_t kMaxSalePhases = 8;
inline constexpr std::size_t kMaxPhaseNameBytes = 120;

// What one phase asks, whether the concert has phases or only its own window (one phase).
struct PhaseRules {
  TimeMs opens_at = 0;
  TimeMs closes_at = 0;
  uint32_t max_seats_per_user = 0;
  bool members_only = false;
  const WaitingRoomSettings* waiting_room = nullptr;
};

// 무통장입금: payment by a deposit into a virtual account the provider issues. The deposit is due
// by the end of the day `days_after` days after the request, in the concert's zone (23:59 KST
// the next day by default), or within `window_ms` of it when that is set; never later than
// sales close, nor than `before_show_ms` before the show. The seats stay held until then; a
// missed deadline ends the payment and releases them (format 17).
struct BankTransferRules {
  bool enabled = false;
  uint32_t days_after = 1;
  int32_t utc_offset_minutes = 9 * 60;  // KST
  TimeMs window_ms = 0;                 // 0: the end-of-day rule
  TimeMs before_show_ms = 24 * 3'600'000;
  bool operator==(const BankTransferRules&) const = default;
};
inline constexpr uint32_t kMaxDepositDays = 7;
// A deadline closer than this to the request (capped by sales close or the show) leaves no time
// to go to a bank: refused. A concert whose own window is shorter asks only that window.
inline constexpr TimeMs kMinDepositWindowMs = 10 * 60'000;

inline constexpr TimeMs kDefaultTransferCutoffMs = 3'600'000;
inline constexpr TimeMs kDefaultRefundDeadlineMs = 24 * 3'600'000;
inline constexpr uint32_t kDefaultRefundFeePercent = 10;
inline constexpr TimeMs kDefaultHoldExtensionMs = 300'000;

// A confirmed reservation may be cancelled until `deadline_ms` before the show; the buyer gets
// the amount back less `fee_percent` of it.
struct RefundPolicy {
  TimeMs deadline_ms = kDefaultRefundDeadlineMs;
  uint32_t fee_percent = kDefaultRefundFeePercent;
  int64_t FeeOn(int64_t amount) const { return amount * fee_percent / 100; }
  bool operator==(const RefundPolicy&) const = default;
};

struct ConcertSpec {
  VenueId venue = 0;
  std::string title;
  TimeMs starts_at = 0;
  TimeMs sales_open_at = 0;   // holds are refused before this time ...
  TimeMs sales_close_at = 0;  // ... and from this time on
  std::vector<int64_t> price_per_grade;  // KRW, indexed like the venue's grades
  TimeMs hold_ttl_ms = kDefaultHoldTtlMs;
  uint32_t max_seats_per_user = 4;
  WaitingRoomSettings waiting_room;
  // A seat its user released or let expire cannot be held by that user again for this long
  // (SEAT_COOLDOWN); it goes back to the crowd instead of a fresh hold for its last holder.
  // Only the seat's last releaser waits (engine/seat_map.h).
  TimeMs rehold_cooldown_ms = kDefaultReholdCooldownMs;
  // After the sale (format 6). Check-ins before doors_open_at are NOT_OPEN_YET (0: the doors
  // are always open).
  TimeMs doors_open_at = 0;
  TimeMs transfer_cutoff_ms = kDefaultTransferCutoffMs;  // transfers close this long before
  RefundPolicy refund;
  TimeMs hold_extension_ms = kDefaultHoldExtensionMs;  // one extension per hold; 0: none
  TimeMs max_hold_ms = 0;  // a hold never lasts past this from its start (0: TTL + extension)
  // Seats given up (released, expired, refunded, cancelled) go back on sale at a moment drawn
  // in [0, return_window_ms] after, per seat (0: at once). Until then nobody can hold them and
  // they show as held, so one account cannot hand a seat to another by releasing it, and a
  // macro cannot watch for it. The draw is SipHash under `return_key` (drawn by the gateway
  // when the concert is created, never shown) of the reservation, the seat and the time: the
  // journal replays it exactly, and no one outside can compute it (format 15).
  TimeMs return_window_ms = 0;
  SipKey return_key;
  ProofOfWorkSettings proof_of_work;
  AccessibleSeatRules accessible;  // (record format 16, state format 17)
  // Empty: one phase, the concert's own window, limit and waiting room, open to everyone. Else
  // the sale is these phases (sales_open_at is the first's opening, sales_close_at the last's
  // closing) and the concert's own limit and room are not used (record format 17).
  std::vector<SalePhase> phases;
  // Keys the member list's entries (MemberEntry): drawn by the gateway, never shown.
  SipKey member_key;
  BankTransferRules bank_transfer;  // (record format 17)

  std::size_t phase_count() const { return phases.empty() ? 1 : phases.size(); }
  PhaseRules Phase(std::size_t i) const {
    if (phases.empty())
      return {sales_open_at, sales_close_at, max_seats_per_user, false, &waiting_room};
    const SalePhase& p = phases[i];
    return {p.opens_at, p.closes_at, p.max_seats_per_user, p.members_only, &p.waiting_room};
  }
  // The phase whose turn it is at `now`: the first that has not closed (the last once all
  // have). A phase's room takes joins only from the moment its turn comes.
  std::size_t PhaseAt(TimeMs now) const {
    std::size_t i = 0;
    while (i + 1 < phases.size() && now >= phases[i].closes_at) ++i;
    return i;
  }
  bool HasWaitingRoom() const {
    for (std::size_t i = 0; i < phase_count(); ++i)
      if (Phase(i).waiting_room->enabled) return true;
    return false;
  }

  // The latest a hold placed at `created_at` may last until.
  TimeMs HoldCapFrom(TimeMs created_at) const {
    return created_at + (max_hold_ms > 0 ? max_hold_ms : hold_ttl_ms + hold_extension_ms);
  }
  // Whether wheelchair spaces and companion seats are still held back at `now`.
  bool WithholdsAccessible(TimeMs now) const {
    return accessible.release_at == 0 || now < accessible.release_at;
  }
  // When a deposit asked for at `now` is due (BankTransferRules).
  TimeMs DepositDeadline(TimeMs now) const;
  // When seat `s` of reservation `r`, given up at `at`, goes back on sale.
  TimeMs ReturnsAt(ReservationId r, SeatIndex s, TimeMs at) const;
  bool operator==(const ConcertSpec&) const = default;
};

// Checks a spec against its venue; returns kOk or kInvalidConcert with a reason in *why.
ResultCode ValidateConcert(const ConcertSpec& spec, const Venue& venue, std::string* why);
// ValidateConcert, and the rules new concerts meet (recorded ones still load without them):
// sales close no later than the show starts.
ResultCode ValidateNewConcert(const ConcertSpec& spec, const Venue& venue, std::string* why);

}  // namespace cm::engine
