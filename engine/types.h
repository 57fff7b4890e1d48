#pragma once
// Identifiers, time and small enums shared by every part of the engine.
// Ids are deterministic, so replay reproduces them: most are the sequence number of the event
// that created the thing; a reservation's names its slot (engine/slot_table.h), chosen from
// the state alone.

#include <array>
#include <cstdint>
#include <string_view>

namespace cm::engine {

using Seq = uint64_t;     // global event sequence number; the first event is 1
using TimeMs = int64_t;   // milliseconds since the Unix epoch, always supplied as data
using UserId = uint64_t;  // 0 = anonymous / system
using VenueId = uint64_t;
using ConcertId = uint64_t;
using ReservationId = uint64_t;  // a slot and its generation; a seq before state format 14
using SessionId = uint64_t;   // a login session (its refresh token)
using PaymentId = uint64_t;
using SeatIndex = uint32_t;  // a seat's position in its venue's flat seat table
using TicketId = uint64_t;   // an admission ticket: the seq of its TicketIssued event
// A writer's term (replication): every leader starts a higher one with TermStarted, and every
// event carries the term of the leader that decided it. 0 = before any term started.
using Term = uint64_t;
// A timeline (journal/timeline.h): 0 from the first event; a restore starts a higher one, so
// nothing made after it reuses an id, a provider key or a ticket code the lost events made.
using Timeline = uint32_t;
// Ids made in timeline t >= 1 are TimelineIdBase(t) + seq: apart from every other timeline's
// as long as no timeline reaches 2^40 events, and below 2^53 (exact in JavaScript) for every
// timeline up to kMaxTimeline.
inline constexpr uint64_t kTimelineIdStride = uint64_t{1} << 40;
inline constexpr Timeline kMaxTimeline = 4095;
constexpr uint64_t TimelineIdBase(Timeline t) { return t * kTimelineIdStride; }
// Where a timeline began: its TimelineStarted event's seq, and its ids' base.
struct TimelineStart {
  Timeline timeline = 0;
  Seq first_seq = 0;
  uint64_t id_base = 0;
  bool operator==(const TimelineStart&) const = default;
};
// The timeline in force at `seq`, given where each began (oldest first).
template <class Starts>
Timeline TimelineAt(const Starts& starts, Seq seq) {
  Timeline t = 0;
  for (const TimelineStart& s : starts)
    if (s.first_seq <= seq) t = s.timeline;
  return t;
}
// A ticket's version after a transfer in timeline t: the count in the low 20 bits, the
// timeline above them, so a version minted after a restore never equals one a lost timeline
// minted for the same ticket (whose signed code would otherwise verify again).
constexpr uint32_t NextTicketVersion(uint32_t version, Timeline t) {
  return (t << 20) | ((version & 0xFFFFFu) + 1);
}

inline constexpr std::size_t kMaxSeatsPerHold = 16;
inline constexpr TimeMs kDefaultHoldTtlMs = 600'000;
inline constexpr TimeMs kDefaultReholdCooldownMs = 120'000;
inline constexpr TimeMs kMaxReholdCooldownMs = 24 * 3600 * 1000;
inline constexpr TimeMs kMaxReturnWindowMs = 3600 * 1000;

// STAFF: door staff, who check tickets in and do nothing else an ordinary user cannot.
enum class Role : uint8_t { kUser = 0, kAdmin = 1, kSystem = 2, kStaff = 3 };
inline constexpr uint8_t kLastRole = 3;

// RETURNING: given up (released, expired, refunded or cancelled) in a concert with a return
// window, and not on sale again until the moment the engine drew for it (format 15).
enum class SeatStatus : uint8_t { kAvailable = 0, kHeld = 1, kSold = 2, kReturning = 3 };

enum class ReservationStatus : uint8_t {
  kHeld = 0,
  kPaymentPending = 1,
  kConfirmed = 2,
  kExpired = 3,
  kCancelled = 4,
  kRefunded = 5,
};

// A payment's status as its owner sees it. REFUNDED: the money was (or is being) returned.
enum class PaymentStatus : uint8_t {
  kPending = 0,
  kSucceeded = 1,
  kFailed = 2,
  kRefunded = 3,
};

// How the customer pays; the provider adapter passes it on.
enum class PaymentMethod : uint8_t { kCard = 0, kBankTransfer = 1, kEasyPay = 2 };

// The wallet an EASY_PAY payment goes through (간편결제); kNone for the other methods.
enum class EasyPayProvider : uint8_t { kNone = 0, kKakaoPay = 1, kNaverPay = 2, kTossPay = 3 };
inline constexpr uint8_t kLastEasyPayProvider = 3;

// What one call to the payment provider came to.
enum class ChargeOutcome : uint8_t {
  kCaptured = 0,  // the money was taken
  kDeclined = 1,  // the provider refused; nothing was taken
  kError = 2,     // timeout, 5xx or unreachable: the money may or may not have been taken
};

// An admission ticket's life: VALID until it is scanned at a door (CHECKED_IN) or its
// reservation is cancelled or refunded (REVOKED). A transfer keeps it VALID under a new
// version; codes of older versions are revoked.
enum class TicketState : uint8_t { kValid = 0, kCheckedIn = 1, kRevoked = 2 };

inline bool IsLive(ReservationStatus s) {
  return s == ReservationStatus::kHeld || s == ReservationStatus::kPaymentPending;
}

std::string_view ToString(Role r);
std::string_view ToString(SeatStatus s);
std::string_view ToString(ReservationStatus s);
std::string_view ToString(PaymentStatus s);
std::string_view ToString(PaymentMethod m);
std::string_view ToString(ChargeOutcome o);
std::string_view ToString(TicketState s);
// The inverse of ToString(PaymentMethod); false for an unknown name.
bool ParsePaymentMethod(std::string_view name, PaymentMethod* out);
std::string_view ToString(EasyPayProvider p);
// KAKAOPAY, NAVERPAY or TOSSPAY; false for any other name (NONE included).
bool ParseEasyPayProvider(std::string_view name, EasyPayProvider* out);

// A fixed-capacity list of seats: commands and events carry it inline, so the hot path never
// allocates for a hold.
struct SeatList {
  std::array<SeatIndex, kMaxSeatsPerHold> seats{};
  uint8_t count = 0;

  const SeatIndex* begin() const { return seats.data(); }
  const SeatIndex* end() const { return seats.data() + count; }
  const SeatIndex* data() const { return seats.data(); }
  std::size_t size() const { return count; }
  bool empty() const { return count == 0; }
  SeatIndex operator[](std::size_t i) const { return seats[i]; }
  // REQUIRES: size() < kMaxSeatsPerHold.
  void push_back(SeatIndex s) { seats[count++] = s; }
  bool operator==(const SeatList& o) const;
};

// A client's idempotency key, reduced by the gateway to 128 bits (see IdemKeyFromString).
struct IdemKey {
  uint64_t hi = 0;
  uint64_t lo = 0;
  bool operator==(const IdemKey&) const = default;
};

IdemKey IdemKeyFromString(std::string_view client_key);

// 128 bits of a SHA-256 of a refresh token: the engine never sees the token itself, so a
// journal or snapshot leak does not leak usable tokens.
using TokenDigest = IdemKey;

inline constexpr std::size_t kMaxSessionsPerUser = 8;

}  // namespace cm::engine
