#pragma once
// Events: the sequencer's decisions. They are journaled before anyone hears of them, and
// applying them in order rebuilds the state exactly. Each event gets the next global sequence
// number; things an event creates take that number as their id.

#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "engine/command.h"
#include "engine/event_types.h"
#include "engine/sha256.h"
#include "engine/type_table.h"
#include "engine/concert_spec.h"
#include "engine/payment.h"
#include "engine/result_code.h"
#include "engine/types.h"
#include "engine/venue.h"
#include "engine/waiting_room.h"

namespace cm::engine {

struct UserRegistered {
  UserId user = 0;
  std::string email;
  std::string password_hash;
  Role role = Role::kUser;
  std::string name;
};

struct VenueCreated {
  VenueId venue = 0;
  std::shared_ptr<const VenueSpec> spec;
};

struct ConcertCreated {
  ConcertId concert = 0;
  std::shared_ptr<const ConcertSpec> spec;
};

struct SalesOpened {
  ConcertId concert = 0;
};

struct SalesClosed {
  ConcertId concert = 0;
};

struct HoldPlaced {
  // The lowest free slot, at its generation (SlotTable::NextId); written by state format 13
  // and older, the event's own seq.
  ReservationId reservation = 0;
  ConcertId concert = 0;
  UserId user = 0;
  int64_t amount = 0;  // KRW
  TimeMs expires_at = 0;
  SeatList seats;
};

// The reservation events name their concert and user too (format 3), so an outbox reader of
// the journal can key and route them without the state.
struct HoldReleased {  // the user (or an admin) cancelled
  ReservationId reservation = 0;
  ConcertId concert = 0;
  UserId user = 0;
  UserId by = 0;  // who released it: the owner or an admin (format 19 on; before: unknown, 0)
};

struct HoldExpired {
  ReservationId reservation = 0;
  ConcertId concert = 0;
  UserId user = 0;
};

struct ReservationConfirmed {
  ReservationId reservation = 0;
  ConcertId concert = 0;
  UserId user = 0;
  UserId by = 0;  // the admin who confirmed it by hand; 0: its payment did (format 19 on)
};

// An admin refunded a confirmed reservation: its seats go back on sale, its tickets are revoked.
struct ReservationRefunded {
  ReservationId reservation = 0;
  int64_t amount = 0;
  ConcertId concert = 0;
  UserId user = 0;
  UserId by = 0;       // the admin (format 19 on; before: unknown, 0)
  std::string reason;  // theirs, for support and the seat's history (format 19 on)
};

// The payment saga. The payment's id is the seq of its PaymentRequested.
// The reservation becomes PAYMENT_PENDING and its hold waits until `hold_expires_at` (the
// original expiry plus a bounded grace, see EngineConfig::payment_grace_ms).
struct PaymentRequested {
  PaymentId payment = 0;
  ReservationId reservation = 0;
  ConcertId concert = 0;
  UserId user = 0;
  int64_t amount = 0;
  PaymentMethod method = PaymentMethod::kCard;
  IdemKey client_key;
  TimeMs hold_expires_at = 0;
  EasyPayProvider wallet = EasyPayProvider::kNone;  // not before record version 12: none
  // 무통장입금: when the deposit is due (the hold lasts a grace past it, for the bank's notice
  // to arrive). 0: not a deposit (every payment before record version 17, whose BANK_TRANSFER
  // was charged like a card).
  TimeMs deposit_due = 0;
};

// How a bank transfer's PaymentFailed says why it ended (its detail): the deadline passed, or
// the deposit was of another amount (the detail goes on to say which).
inline constexpr std::string_view kDepositDeadlinePassed = "DEPOSIT_DEADLINE_PASSED";
inline constexpr std::string_view kDepositWrongAmount = "WRONG_AMOUNT";

// The provider issued the virtual account a BANK_TRANSFER payment is to be deposited into; the
// reservation awaits the deposit until its hold ends (the deposit deadline).
struct VirtualAccountIssued {
  PaymentId payment = 0;
  ReservationId reservation = 0;
  ConcertId concert = 0;
  UserId user = 0;
  std::string bank;
  std::string account;
  std::string holder;
};

struct PaymentSucceeded {
  PaymentId payment = 0;
  ReservationId reservation = 0;
  ConcertId concert = 0;
  UserId user = 0;
  uint32_t attempt = 0;
  int64_t amount = 0;
};

// An attempt failed. Not final: the worker tries again at `retry_at`. Final: the saga
// compensates (SeatsReleased, and RefundIssued when money may have been taken).
struct PaymentFailed {
  PaymentId payment = 0;
  ReservationId reservation = 0;
  ConcertId concert = 0;
  UserId user = 0;
  uint32_t attempt = 0;
  ChargeOutcome outcome = ChargeOutcome::kDeclined;
  bool final = false;
  TimeMs retry_at = 0;
  std::string detail;
};

enum class RefundReason : uint8_t {
  kLateSuccess = 0,          // the money came after the hold had ended
  kUnknownOutcome = 1,       // the saga gave up after calls that never answered
  kReservationRefunded = 2,  // an admin refunded a confirmed reservation
  kBuyerCancelled = 3,       // the buyer cancelled under the refund policy (less its fee)
  // A charge the provider holds under a payment id of a lost timeline (made after the backup a
  // restore started from): no reservation, no buyer here, so all of it goes back. RefundIssued
  // with this reason creates its payment, kept for good (concertmania reconcile,
  // AdoptOrphanChargeCmd).
  kOrphanCharge = 4,
  kWrongAmount = 5,   // a deposit of another amount than the payment's: all of it goes back
  kLateDeposit = 6,   // a deposit after the payment ended (its deadline passed): it goes back
};
std::string_view ToString(RefundReason r);

// The decision to return a payment's money; the worker carries it out (RefundSettled).
struct RefundIssued {
  PaymentId payment = 0;
  ReservationId reservation = 0;
  ConcertId concert = 0;
  UserId user = 0;
  int64_t amount = 0;  // at most this much; what was really taken comes back
  RefundReason why = RefundReason::kLateSuccess;
};

// The compensation: a reservation whose payment failed gives its seats back (CANCELLED).
struct SeatsReleased {
  ReservationId reservation = 0;
  ConcertId concert = 0;
  UserId user = 0;
  PaymentId payment = 0;
};

struct RefundSettled {
  PaymentId payment = 0;
  ReservationId reservation = 0;
  ConcertId concert = 0;
  UserId user = 0;
  int64_t amount = 0;  // what the provider returned
};

struct SessionStarted {
  SessionId session = 0;
  UserId user = 0;
  TokenDigest refresh_digest;
  TimeMs expires_at = 0;
};

struct SessionRefreshed {  // the old digest stops working
  SessionId session = 0;
  UserId user = 0;
  TokenDigest refresh_digest;
  TimeMs expires_at = 0;
};

struct SessionEnded {  // logout
  SessionId session = 0;
  UserId user = 0;
};

// A place in a concert's waiting room; the ticket id is this event's seq.
struct QueueJoined {
  ConcertId concert = 0;
  UserId user = 0;
};

// Sales opened behind a waiting room: its pre-queue is drawn into the line (QueueDrawn), then
// FIFO. A committed room (kRanked) reveals here the seed it committed to (`revealed`; `seed` is
// 0); an older journal's drew at random from `seed` (kDrawn), or before version 5 shuffled it
// all here (kShuffledAtOnce).
struct QueueOpened {
  ConcertId concert = 0;
  uint64_t seed = 0;
  OpenOrder order = OpenOrder::kDrawn;
  Sha256Digest revealed{};
};

// The next `count` of the pre-queue, each drawn at random from those still in it, join the
// line in that order. Who they are follows from the state, so the record stays small.
struct QueueDrawn {
  ConcertId concert = 0;
  uint32_t count = 0;
};

// The next in line may shop until `expires_at` (longer while they hold seats).
struct QueueAdmitted {
  ConcertId concert = 0;
  TimeMs expires_at = 0;
  std::vector<UserId> users;  // in line order
};

// Places given up: left (one user, on request), abandoned (waiting users the gateway no longer
// saw) or lapsed (admitted users whose time ran out).
struct QueueTicketsEnded {
  ConcertId concert = 0;
  TicketEnd why = TicketEnd::kLeft;
  std::vector<UserId> users;
};

// One ticket per seat of a reservation just confirmed, right after its ReservationConfirmed
// (the tickets of a reservation have consecutive ids, in its seat order). Version 1.
struct TicketIssued {
  TicketId ticket = 0;
  ReservationId reservation = 0;
  ConcertId concert = 0;
  UserId holder = 0;
  SeatIndex seat = 0;
};

// ADMITTED: the ticket's first and only check-in.
struct TicketCheckedIn {
  TicketId ticket = 0;
  ConcertId concert = 0;
  UserId holder = 0;
  uint32_t version = 0;
  std::string gate;
  TimeMs scanned_at = 0;  // the decision's time, or the gate's for an offline scan
  bool offline = false;
};

// The holder offered the ticket to the account with `to_email` (registered or not); an offer
// made before replaces it. It ends with TicketTransferred, TicketOfferEnded, or when the ticket
// is used or revoked.
struct TicketOffered {
  TicketId ticket = 0;
  ConcertId concert = 0;
  UserId from = 0;
  std::string to_email;
};

// An admin revoked a ticket without refunding it (a fraud, a seat that cannot be used): its
// codes stop admitting, its seat stays sold. Version 19.
struct TicketRevoked {
  TicketId ticket = 0;
  ConcertId concert = 0;
  UserId holder = 0;
  UserId by = 0;
  std::string reason;
};

// A pending offer ended without a transfer: withdrawn by its holder or declined by `by`.
struct TicketOfferEnded {
  TicketId ticket = 0;
  ConcertId concert = 0;
  UserId from = 0;  // the holder
  UserId by = 0;    // the holder (withdrawn) or the recipient (declined)
};

// The ticket has a new holder and a new version; codes of the old version are revoked. Since
// record format 11 it follows an offer the recipient accepted.
struct TicketTransferred {
  TicketId ticket = 0;
  ConcertId concert = 0;
  UserId from = 0;
  UserId to = 0;
  uint32_t version = 0;  // the new one
};

// An offline gate let someone in on a ticket that was already used (or revoked) by the time
// its scans were uploaded. Recorded for people to resolve; the state does not change.
struct CheckInConflict {
  TicketId ticket = 0;
  ConcertId concert = 0;
  std::string gate;
  TimeMs scanned_at = 0;
  ResultCode why = ResultCode::kAlreadyUsed;  // kAlreadyUsed or kTicketRevoked
  std::string first_gate;                     // the check-in it collides with, if any
  TimeMs first_at = 0;
  std::string device;  // the scanner that uploaded it, if it named itself (format 10 on)
  bool operator==(const CheckInConflict&) const = default;
};

// The buyer cancelled a CONFIRMED reservation: its seats return to sale, its tickets are
// revoked, and `refund` (the amount less the policy's fee) goes back through the saga.
struct ReservationCancelled {
  ReservationId reservation = 0;
  ConcertId concert = 0;
  UserId user = 0;
  int64_t refund = 0;
  int64_t fee = 0;
};

// A new leader took over the journal (replication): from this event on, every event carries
// `term`, and replicas ignore batches of an older term (a fenced-off former leader's).
// `leader` is where the new leader takes writes (a URL), for replicas to send writers to.
struct TermStarted {
  Term term = 0;
  std::string leader;
};

// The leader's digest of its state at seq `state_seq` (EncodedStateDigest). A leader writes
// one with every snapshot it takes; followers and `replay --verify` compute their own there and
// stop on a difference, so a replica that diverged is caught at the next one, not when a buyer
// notices. Up to record version 12 `state_seq` is this event's seq - 1: the sequencer encoded
// its own state in place. From version 13 it is the seq a SnapshotMarked named, earlier in the
// log: the snapshot is encoded off the sequencer thread and its digest comes back later.
struct StateHashed {
  Seq state_seq = 0;
  uint64_t digest = 0;
  // The state format the digest is of (engine/codec/state_codec.h): a checker encodes the
  // state in that format, so hashes an older writer recorded still check. Records before
  // format 10 do not carry it: theirs is their own version (8 or 9).
  uint8_t format = 0;
};

// The leader snapshots the state just before this event (at seq - 1), off the sequencer
// thread (runtime/snapshot_taker.h); a StateHashed of that seq follows later in the log.
// Checkers encode their own state here, in `format`, and compare when the digest comes.
struct SnapshotMarked {
  uint8_t format = 0;  // the state format the digest will be of
};

// A new timeline begins here (written by `concertmania restore`, never decided by the
// sequencer): the events after the previous one were lost, and the world may have seen the ids
// they made. From this event on, every new id is `id_base` + its seq, so none can name what a
// lost timeline's id named (engine/types.h, TimelineIdBase), and ticket versions carry the
// timeline (NextTicketVersion). `timeline` is higher than every timeline before it.
struct TimelineStarted {
  Timeline timeline = 0;
  uint64_t id_base = 0;
};

// Seats given up in a concert with a return window are back on sale (ConcertSpec::ReturnsAt):
// decided when time reaches their moment, like a hold's expiry. Up to kMaxSeatsPerHold seats of
// one concert; more go in more events.
struct SeatsReturned {
  ConcertId concert = 0;
  SeatList seats;
};

// The turn of a concert's sale passes to phase `phase` (ConcertSpec::PhaseAt): the phase
// before it closed. Decided when time reaches that closing, like a hold's expiry. The phase's
// own waiting room takes joins from now on, empty (Concert::EnterPhase).
struct SalePhaseBegan {
  ConcertId concert = 0;
  uint32_t phase = 0;
};

// An admin added to a concert's member list (engine/member_list.h), or with `replace` set,
// replaced it: the old entries and their claims are gone.
struct MembersListed {
  ConcertId concert = 0;
  bool replace = false;
  std::vector<uint64_t> entries;  // MemberEntry hashes, at most kMaxMembersPerUpload
};

// `user` entered member code `entry` of a concert's list: a member from now on, and the code
// is theirs alone.
struct MemberCodeClaimed {
  ConcertId concert = 0;
  UserId user = 0;
  uint64_t entry = 0;
};

// Phase `phase` of a concert fixes its waiting room's opening draw before anyone joins it
// (engine/opening_draw.h): the seed and the pseudonym key stay secret until the opening and
// the sale's end; `commitment` is public from now on. Version 18.
struct QueueCommitted {
  ConcertId concert = 0;
  uint32_t phase = 0;
  Sha256Digest seed{};
  Sha256Digest key{};
  Sha256Digest commitment{};
};

// An admin disabled an account (it can no longer log in, refresh, or be authorised) or enabled
// it again. Version 19.
struct AccountStatusChanged {
  UserId user = 0;
  bool disabled = false;
  UserId by = 0;
  std::string reason;
};

// A HELD reservation's hold now ends at `expires_at` (it was extended, once).
struct HoldExtended {
  ReservationId reservation = 0;
  ConcertId concert = 0;
  UserId user = 0;
  TimeMs expires_at = 0;
};

struct CommandRejected {
  CommandType command = CommandType::kTick;
  ResultCode code = ResultCode::kOk;
  uint64_t detail = 0;  // code-specific: the seat, the id, the remaining allowance
  SeatList seats;       // kSeatNotAvailable: every requested seat that was taken
  std::string reason;   // for people; empty on the hot rejections so they never allocate
};

// A retried command with a known idempotency key: the first answer, repeated.
struct DuplicateCommand {
  Seq original_seq = 0;
  ResultCode code = ResultCode::kOk;
  uint64_t ref = 0;  // the id the first command created or acted on
  uint64_t detail = 0;
};

// The table's columns, each as the code below needs it.
#define CM_EVENT_BODY_TYPE(Type, tag, since, area, topic) , Type
#define CM_EVENT_ENUMERATOR(Type, tag, since, area, topic) k##Type = tag,
#define CM_EVENT_COLUMN_TAG(Type, tag, since, area, topic) tag,
#define CM_EVENT_COLUMN_SINCE(Type, tag, since, area, topic) since,
#define CM_EVENT_COLUMN_AREA(Type, tag, since, area, topic) EventArea::area,
#define CM_EVENT_COLUMN_TOPIC(Type, tag, since, area, topic) EventTopic::topic,

// Every event body, in tag order (engine/event_types.h).
using EventBody = type_table::VariantOfRest<void CM_EVENT_TYPES(CM_EVENT_BODY_TYPE)>::type;

// Stable type tags of the journal format (see event_codec.h); never renumber.
enum class EventType : uint8_t { CM_EVENT_TYPES(CM_EVENT_ENUMERATOR) };

// The part of the state an event belongs to: what applies it (engine_state.cc) and decodes it
// (event_codec.cc). kAnswer: a command's answer that changes nothing; kLog: the log's own
// bookkeeping (terms, timelines, digests, snapshot marks).
enum class EventArea : uint8_t {
  kAccount,
  kCatalog,
  kReservation,
  kTicket,
  kQueue,
  kPayment,
  kAnswer,
  kLog,
};

// The outbox topic an event is published to (outbox/outbox_publisher.h); kNone: kept inside.
enum class EventTopic : uint8_t { kNone, kReservations, kTickets, kPayments };

namespace event_types_detail {
inline constexpr uint8_t kTags[] = {CM_EVENT_TYPES(CM_EVENT_COLUMN_TAG)};
inline constexpr uint8_t kSince[] = {CM_EVENT_TYPES(CM_EVENT_COLUMN_SINCE)};
inline constexpr EventArea kAreas[] = {CM_EVENT_TYPES(CM_EVENT_COLUMN_AREA)};
inline constexpr EventTopic kTopics[] = {CM_EVENT_TYPES(CM_EVENT_COLUMN_TOPIC)};
static_assert(type_table::NumberedInOrder(kTags),
              "event_types.h lists the tags in order, from 0, without gaps");
static_assert(std::size(kTags) == std::variant_size_v<EventBody>);
}  // namespace event_types_detail
#undef CM_EVENT_BODY_TYPE
#undef CM_EVENT_ENUMERATOR
#undef CM_EVENT_COLUMN_TAG
#undef CM_EVENT_COLUMN_SINCE
#undef CM_EVENT_COLUMN_AREA
#undef CM_EVENT_COLUMN_TOPIC

inline constexpr std::size_t kEventTypeCount = std::variant_size_v<EventBody>;
// The first event format version that may carry an event of this type.
constexpr uint8_t FirstFormatOf(EventType t) {
  return event_types_detail::kSince[static_cast<uint8_t>(t)];
}
constexpr EventArea AreaOf(EventType t) {
  return event_types_detail::kAreas[static_cast<uint8_t>(t)];
}
constexpr EventTopic TopicOf(EventType t) {
  return event_types_detail::kTopics[static_cast<uint8_t>(t)];
}

// Recorded on the event that answers a command sent with an idempotency key, so the key's
// first answer survives restarts.
struct IdemRecord {
  UserId user = 0;
  IdemKey key;
  uint64_t fingerprint = 0;
};

struct Event {
  Seq seq = 0;
  TimeMs ts = 0;  // the sequencer's clock when it decided
  Term term = 0;  // the deciding leader's term (TermStarted: the term it starts)
  std::optional<IdemRecord> idem;
  EventBody body;
};

inline EventType TypeOf(const Event& e) { return static_cast<EventType>(e.body.index()); }
std::string_view ToString(EventType t);

// The outcome an event gives the command that caused it (for idempotency and replies).
struct Outcome {
  ResultCode code = ResultCode::kOk;
  uint64_t ref = 0;
  uint64_t detail = 0;
};
Outcome OutcomeOf(const Event& e);

// What the output ring carries: the event plus the routing cookie of the command that caused
// it. A command's first event answers it; `ends_command` marks its last (a command may have
// consequences, e.g. PaymentSucceeded then ReservationConfirmed). Expiry events caused by the
// clock come first and carry token 0.
struct EventSlot {
  Event event;
  uint64_t request_token = 0;
  bool ends_command = false;
  // Steady-clock times (ns) the event passed each stage; set only when the pipeline is asked
  // to stamp them (benchmarks), else 0.
  struct StageTimes {
    int64_t decided = 0;  // the sequencer put it in the output ring
    int64_t written = 0;  // its batch was written to the journal
    int64_t synced = 0;   // its batch was fsynced
  } stages;
};

}  // namespace cm::engine
