#pragma once
// Commands: what the gateway asks the sequencer to decide. Plain structs, already parsed,
// authenticated and stamped with the time; the engine never sees JSON or HTTP.

#include <cstddef>
#include <iterator>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "engine/command_types.h"
#include "engine/concert_spec.h"
#include "engine/type_table.h"
#include "engine/types.h"
#include "engine/venue.h"

namespace cm::engine {

// Time passes: drives hold expiry and waiting-room admission. `entropy` comes from the clock
// thread's random source; a waiting room that opens on this tick shuffles its pre-queue with
// it (recorded in QueueOpened, so replay needs no randomness).
struct TickCmd {
  uint64_t entropy = 0;
};

struct RegisterUserCmd {
  std::string email;          // normalised by the caller
  std::string password_hash;  // argon2id, computed off the sequencer
  Role role = Role::kUser;
  std::string name;  // display name
};

// A login: the gateway checked the password; actor is the user.
struct StartSessionCmd {
  TokenDigest refresh_digest;
  TimeMs expires_at = 0;
};

// Refresh-token rotation: the old token stops working, the new one takes over the session.
struct RefreshSessionCmd {
  TokenDigest old_digest;
  TokenDigest new_digest;
  TimeMs expires_at = 0;
};

// Logout: the refresh token is revoked.
struct EndSessionCmd {
  TokenDigest refresh_digest;
};

struct CreateVenueCmd {
  std::shared_ptr<const VenueSpec> spec;
};

struct CreateConcertCmd {
  std::shared_ptr<const ConcertSpec> spec;
};

struct OpenSalesCmd {
  ConcertId concert = 0;
};

struct CloseSalesCmd {
  ConcertId concert = 0;
};

// Explicit seats, all or nothing.
struct HoldSeatsCmd {
  ConcertId concert = 0;
  SeatList seats;
  uint8_t requested = 0;  // how many the client asked for (may exceed SeatList capacity)
};

inline constexpr int32_t kAnyGrade = -1;
inline constexpr int32_t kAnySection = -1;

struct HoldBestAvailableCmd {
  ConcertId concert = 0;
  uint32_t count = 0;
  int32_t grade = kAnyGrade;      // venue grade index
  int32_t section = kAnySection;  // venue section index
  bool accessible = false;  // wheelchair spaces with their companion seats (best_available.h)
};

struct ReleaseHoldCmd {
  ReservationId reservation = 0;
};

struct ConfirmReservationCmd {
  ReservationId reservation = 0;
};

// An admin refunds a CONFIRMED reservation; the reason is journaled with it.
struct RefundReservationCmd {
  ReservationId reservation = 0;
  std::string reason = {};  // (so a refund without one reads RefundReservationCmd{id})
};

// The waiting room: the actor takes a place in line (or gets the place they already have) ...
struct JoinQueueCmd {
  ConcertId concert = 0;
};

// ... or gives it up (also an admission).
struct LeaveQueueCmd {
  ConcertId concert = 0;
};

// The gateway saw no poll and no socket from these waiting users for the concert's
// abandonment time (presence is the gateway's to observe; the decision is journaled here).
// System only; users who are no longer waiting are skipped.
struct AbandonQueueTicketsCmd {
  ConcertId concert = 0;
  std::vector<UserId> users;
};

// The owner pays for a HELD reservation (POST /api/payments). The saga starts here.
struct RequestPaymentCmd {
  ReservationId reservation = 0;
  PaymentMethod method = PaymentMethod::kCard;
  EasyPayProvider wallet = EasyPayProvider::kNone;  // EASY_PAY names one; the others none
};

// The payment worker reports what one call to the provider came to. System only.
struct ReportChargeCmd {
  PaymentId payment = 0;
  uint32_t attempt = 0;  // must be the payment's current attempt
  ChargeOutcome outcome = ChargeOutcome::kCaptured;
  std::string detail;  // the provider's reason, for the history
};

// The payment worker reports that the provider returned the money. System only.
struct ReportRefundCmd {
  PaymentId payment = 0;
  int64_t refunded = 0;  // what the provider says it returned (0 if nothing had been taken)
};

// An admin has the saga refund a charge the provider holds under `payment`, an id of a lost
// timeline that no payment here has (concertmania reconcile found it). ADMIN only.
struct AdoptOrphanChargeCmd {
  PaymentId payment = 0;
  int64_t amount = 0;  // what the provider captured under its key
};

// A ticket scanned at a door. The gateway checked the code's signature; these are the fields
// the code names, and where it was scanned. STAFF, ADMIN or system only.
struct CheckInCmd {
  TicketId ticket = 0;
  ConcertId concert = 0;  // as the code names them
  SeatIndex seat = 0;
  uint32_t version = 0;
  ConcertId at_concert = 0;  // the concert the gate is letting in
  std::string gate;
  // An offline scan uploaded later (POST /api/checkin/sync): the gate already let the holder
  // in at `scanned_at`, so the decision records it, or reports the conflict; never refuses it.
  bool offline = false;
  TimeMs scanned_at = 0;
  std::string device;  // the offline scanner's name, if given: part of what makes a scan one
};

// The holder offers a ticket to whoever has, or will have, the account with `to_email`. Nothing
// is looked up: the answer is the same whether or not the email is registered, so a transfer
// never tells anyone who has an account. The ticket moves when the recipient accepts.
struct TransferTicketCmd {
  TicketId ticket = 0;
  std::string to_email;  // normalised by the caller
};

// The user whose email a ticket is offered to takes it (the next version; the old code is
// revoked).
struct AcceptTransferCmd {
  TicketId ticket = 0;
};

// A pending offer ends without a transfer: its holder withdraws it, or its recipient declines.
struct EndTransferOfferCmd {
  TicketId ticket = 0;
};

// The buyer cancels a CONFIRMED reservation under the concert's refund policy.
struct CancelReservationCmd {
  ReservationId reservation = 0;
};

// The owner asks for more time on a HELD reservation, once.
struct ExtendHoldCmd {
  ReservationId reservation = 0;
};

// The server became the journal's writer (a promoted standby): start `term`, which must be
// above the state's. System only.
struct StartTermCmd {
  Term term = 0;
  std::string leader;
};

// An admin adds member entries (MemberEntry hashes, made by the gateway) to a concert's list;
// `replace` drops the old list and its claims first.
struct ListMembersCmd {
  ConcertId concert = 0;
  bool replace = false;
  std::vector<uint64_t> entries;
};

// A fan enters a member code (its MemberEntry hash) to join a concert's members-only phases.
struct ClaimMemberCodeCmd {
  ConcertId concert = 0;
  uint64_t entry = 0;
};

// The worker: the provider issued a BANK_TRANSFER payment's virtual account. System only.
struct ReportVirtualAccountCmd {
  PaymentId payment = 0;
  std::string bank;
  std::string account;
  std::string holder;
};

// The gateway: the provider's signed notice of a deposit into a payment's virtual account
// (api/deposit_webhook.h), checked before it came here. System only; the notice's deposit id is
// the command's idempotency key, so a notice delivered twice counts once.
struct ReportDepositCmd {
  PaymentId payment = 0;
  int64_t amount = 0;
  TimeMs deposited_at = 0;  // when the bank took it, as the provider signed it
};

// An admin revokes a valid ticket without refunding it; the reason is journaled. ADMIN only.
struct RevokeTicketCmd {
  TicketId ticket = 0;
  std::string reason;
};

// An admin disables an account (or enables it again). ADMIN only; never their own.
struct SetAccountStatusCmd {
  UserId user = 0;
  bool disabled = false;
  std::string reason;
};

// The table's columns, each as the code below needs it.
#define CM_COMMAND_BODY_TYPE(Name, number) , Name##Cmd
#define CM_COMMAND_ENUMERATOR(Name, number) k##Name = number,
#define CM_COMMAND_COLUMN_NUMBER(Name, number) number,

// Every command body, in number order (engine/command_types.h).
using CommandBody =
    type_table::VariantOfRest<void CM_COMMAND_TYPES(CM_COMMAND_BODY_TYPE)>::type;

struct Command {
  TimeMs now = 0;  // stamped by the gateway or the clock thread on arrival
  UserId actor = 0;
  Role actor_role = Role::kUser;
  bool has_idem = false;
  IdemKey idem;
  uint64_t request_token = 0;  // the caller's routing cookie; never journaled
  CommandBody body;
};

// Stable numbers for CommandRejected events and logs: the variant index, written down in the
// table so that reordering it cannot silently change the journal.
enum class CommandType : uint8_t {
  CM_COMMAND_TYPES(CM_COMMAND_ENUMERATOR)
  kLast = std::variant_size_v<CommandBody> - 1,
};

namespace command_types_detail {
inline constexpr uint8_t kNumbers[] = {CM_COMMAND_TYPES(CM_COMMAND_COLUMN_NUMBER)};
static_assert(type_table::NumberedInOrder(kNumbers),
              "command_types.h lists the numbers in order, from 0, without gaps");
}  // namespace command_types_detail
#undef CM_COMMAND_BODY_TYPE
#undef CM_COMMAND_ENUMERATOR
#undef CM_COMMAND_COLUMN_NUMBER

inline CommandType TypeOf(const Command& c) { return static_cast<CommandType>(c.body.index()); }
std::string_view ToString(CommandType t);

// A digest of what the command asks for (not who or when), stored with its idempotency key so
// that reusing a key for a different request is detected.
uint64_t Fingerprint(const Command& c);

}  // namespace cm::engine
