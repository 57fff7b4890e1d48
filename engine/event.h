#pragma once
// Events: the sequencer's decisions. They are journaled before anyone hears of them, and
// applying them in order rebuilds the state exactly. Each event gets the next global sequence
// number; things an event creates take that number as their id.

#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "engine/command.h"
#include "engine/concert_spec.h"
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
  ReservationId reservation = 0;
  ConcertId concert = 0;
  UserId user = 0;
  int64_t amount = 0;  // KRW
  TimeMs expires_at = 0;
  SeatList seats;
};

struct HoldReleased {  // the user (or an admin) cancelled
  ReservationId reservation = 0;
};

struct HoldExpired {
  ReservationId reservation = 0;
};

struct ReservationConfirmed {
  ReservationId reservation = 0;
};

struct ReservationRefunded {  // seats go back on sale
  ReservationId reservation = 0;
  int64_t amount = 0;
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

// Sales opened behind a waiting room: its pre-queue is shuffled with `seed`, then FIFO.
struct QueueOpened {
  ConcertId concert = 0;
  uint64_t seed = 0;
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

using EventBody = std::variant<UserRegistered, VenueCreated, ConcertCreated, SalesOpened,
                               SalesClosed, HoldPlaced, HoldReleased, HoldExpired,
                               ReservationConfirmed, ReservationRefunded, CommandRejected,
                               DuplicateCommand, SessionStarted, SessionRefreshed, SessionEnded,
                               QueueJoined, QueueOpened, QueueAdmitted, QueueTicketsEnded>;

// Stable type tags of the journal format (see event_codec.h); never renumber.
enum class EventType : uint8_t {
  kUserRegistered = 0,
  kVenueCreated = 1,
  kConcertCreated = 2,
  kSalesOpened = 3,
  kSalesClosed = 4,
  kHoldPlaced = 5,
  kHoldReleased = 6,
  kHoldExpired = 7,
  kReservationConfirmed = 8,
  kReservationRefunded = 9,
  kCommandRejected = 10,
  kDuplicateCommand = 11,
  kSessionStarted = 12,
  kSessionRefreshed = 13,
  kSessionEnded = 14,
  kQueueJoined = 15,
  kQueueOpened = 16,
  kQueueAdmitted = 17,
  kQueueTicketsEnded = 18,
};

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
// it. `ends_command` marks the last event of a command (expiry events caused by the clock come
// first and carry token 0).
struct EventSlot {
  Event event;
  uint64_t request_token = 0;
  bool ends_command = false;
};

}  // namespace cm::engine
