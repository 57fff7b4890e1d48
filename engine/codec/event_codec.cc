#include "engine/codec/event_codec.h"

#include <algorithm>

#include "engine/codec/coding.h"
#include "engine/member_list.h"
#include "engine/codec/crc32c.h"
#include "engine/codec/spec_codec.h"

namespace cm::engine {
namespace {

constexpr uint8_t kHasIdem = 1;

void PutSeats(std::string* dst, const SeatList& seats) {
  PutFixed8(dst, seats.count);
  for (SeatIndex s : seats) PutFixed32(dst, s);
}

bool GetSeats(std::string_view* in, SeatList* seats) {
  uint8_t n;
  if (!GetFixed8(in, &n) || n > kMaxSeatsPerHold) return false;
  seats->count = 0;
  for (uint8_t i = 0; i < n; ++i) {
    uint32_t s;
    if (!GetFixed32(in, &s)) return false;
    seats->push_back(s);
  }
  return true;
}

void PutUsers(std::string* dst, const std::vector<UserId>& users) {
  PutVarint32(dst, static_cast<uint32_t>(users.size()));
  for (UserId u : users) PutFixed64(dst, u);
}

bool GetUsers(std::string_view* in, std::vector<UserId>* users) {
  uint32_t n;
  if (!GetVarint32(in, &n) || n > in->size() / 8) return false;
  users->resize(n);
  for (UserId& u : *users)
    if (!GetFixed64(in, &u)) return false;
  return true;
}

struct BodyEncoder {
  std::string* d;
  void operator()(const UserRegistered& b) {
    PutFixed64(d, b.user);
    PutLengthPrefixed(d, b.email);
    PutLengthPrefixed(d, b.password_hash);
    PutFixed8(d, static_cast<uint8_t>(b.role));
    PutLengthPrefixed(d, b.name);
  }
  void PutSession(SessionId session, UserId user, const TokenDigest& digest, TimeMs expires) {
    PutFixed64(d, session);
    PutFixed64(d, user);
    PutFixed64(d, digest.hi);
    PutFixed64(d, digest.lo);
    PutFixed64(d, static_cast<uint64_t>(expires));
  }
  void operator()(const SessionStarted& b) {
    PutSession(b.session, b.user, b.refresh_digest, b.expires_at);
  }
  void operator()(const SessionRefreshed& b) {
    PutSession(b.session, b.user, b.refresh_digest, b.expires_at);
  }
  void operator()(const SessionEnded& b) {
    PutFixed64(d, b.session);
    PutFixed64(d, b.user);
  }
  void operator()(const VenueCreated& b) {
    PutFixed64(d, b.venue);
    EncodeVenueSpec(*b.spec, d);
  }
  void operator()(const ConcertCreated& b) {
    PutFixed64(d, b.concert);
    EncodeConcertSpec(*b.spec, d);
  }
  void operator()(const SalesOpened& b) { PutFixed64(d, b.concert); }
  void operator()(const SalesClosed& b) { PutFixed64(d, b.concert); }
  void operator()(const HoldPlaced& b) {
    PutFixed64(d, b.reservation);
    PutFixed64(d, b.concert);
    PutFixed64(d, b.user);
    PutFixed64(d, static_cast<uint64_t>(b.amount));
    PutFixed64(d, static_cast<uint64_t>(b.expires_at));
    PutSeats(d, b.seats);
  }
  void PutIds(ReservationId reservation, ConcertId concert, UserId user) {
    PutFixed64(d, reservation);
    PutFixed64(d, concert);
    PutFixed64(d, user);
  }
  void operator()(const HoldReleased& b) {
    PutIds(b.reservation, b.concert, b.user);
    PutFixed64(d, b.by);
  }
  void operator()(const HoldExpired& b) { PutIds(b.reservation, b.concert, b.user); }
  void operator()(const ReservationConfirmed& b) {
    PutIds(b.reservation, b.concert, b.user);
    PutFixed64(d, b.by);
  }
  void operator()(const ReservationRefunded& b) {
    PutFixed64(d, b.reservation);
    PutFixed64(d, static_cast<uint64_t>(b.amount));
    PutFixed64(d, b.concert);
    PutFixed64(d, b.user);
    PutFixed64(d, b.by);
    PutLengthPrefixed(d, b.reason);
  }
  void operator()(const TicketRevoked& b) {
    PutFixed64(d, b.ticket);
    PutFixed64(d, b.concert);
    PutFixed64(d, b.holder);
    PutFixed64(d, b.by);
    PutLengthPrefixed(d, b.reason);
  }
  void operator()(const AccountStatusChanged& b) {
    PutFixed64(d, b.user);
    PutFixed8(d, b.disabled ? 1 : 0);
    PutFixed64(d, b.by);
    PutLengthPrefixed(d, b.reason);
  }
  void PutPaymentIds(PaymentId payment, ReservationId reservation, ConcertId concert, UserId user) {
    PutFixed64(d, payment);
    PutIds(reservation, concert, user);
  }
  void operator()(const PaymentRequested& b) {
    PutPaymentIds(b.payment, b.reservation, b.concert, b.user);
    PutFixed64(d, static_cast<uint64_t>(b.amount));
    PutFixed8(d, static_cast<uint8_t>(b.method));
    PutFixed64(d, b.client_key.hi);
    PutFixed64(d, b.client_key.lo);
    PutFixed64(d, static_cast<uint64_t>(b.hold_expires_at));
    PutFixed8(d, static_cast<uint8_t>(b.wallet));
    PutFixed64(d, static_cast<uint64_t>(b.deposit_due));
  }
  void operator()(const VirtualAccountIssued& b) {
    PutPaymentIds(b.payment, b.reservation, b.concert, b.user);
    PutLengthPrefixed(d, b.bank);
    PutLengthPrefixed(d, b.account);
    PutLengthPrefixed(d, b.holder);
  }
  void operator()(const PaymentSucceeded& b) {
    PutPaymentIds(b.payment, b.reservation, b.concert, b.user);
    PutVarint32(d, b.attempt);
    PutFixed64(d, static_cast<uint64_t>(b.amount));
  }
  void operator()(const PaymentFailed& b) {
    PutPaymentIds(b.payment, b.reservation, b.concert, b.user);
    PutVarint32(d, b.attempt);
    PutFixed8(d, static_cast<uint8_t>(b.outcome));
    PutFixed8(d, b.final ? 1 : 0);
    PutFixed64(d, static_cast<uint64_t>(b.retry_at));
    PutLengthPrefixed(d, b.detail);
  }
  void operator()(const RefundIssued& b) {
    PutPaymentIds(b.payment, b.reservation, b.concert, b.user);
    PutFixed64(d, static_cast<uint64_t>(b.amount));
    PutFixed8(d, static_cast<uint8_t>(b.why));
  }
  void operator()(const SeatsReleased& b) { PutPaymentIds(b.payment, b.reservation, b.concert, b.user); }
  void operator()(const RefundSettled& b) {
    PutPaymentIds(b.payment, b.reservation, b.concert, b.user);
    PutFixed64(d, static_cast<uint64_t>(b.amount));
  }
  void operator()(const CommandRejected& b) {
    PutFixed8(d, static_cast<uint8_t>(b.command));
    PutVarint32(d, static_cast<uint32_t>(b.code));
    PutFixed64(d, b.detail);
    PutSeats(d, b.seats);
    PutLengthPrefixed(d, b.reason);
  }
  void operator()(const QueueJoined& b) {
    PutFixed64(d, b.concert);
    PutFixed64(d, b.user);
  }
  void operator()(const QueueOpened& b) {
    PutFixed64(d, b.concert);
    PutFixed64(d, b.seed);
    PutFixed8(d, static_cast<uint8_t>(b.order));
    if (b.order == OpenOrder::kRanked)
      d->append(reinterpret_cast<const char*>(b.revealed.data()), b.revealed.size());
  }
  void operator()(const QueueDrawn& b) {
    PutFixed64(d, b.concert);
    PutVarint32(d, b.count);
  }
  void operator()(const QueueAdmitted& b) {
    PutFixed64(d, b.concert);
    PutFixed64(d, static_cast<uint64_t>(b.expires_at));
    PutUsers(d, b.users);
  }
  void operator()(const QueueTicketsEnded& b) {
    PutFixed64(d, b.concert);
    PutFixed8(d, static_cast<uint8_t>(b.why));
    PutUsers(d, b.users);
  }
  void operator()(const TicketIssued& b) {
    PutFixed64(d, b.ticket);
    PutIds(b.reservation, b.concert, b.holder);
    PutFixed32(d, b.seat);
  }
  void operator()(const TicketCheckedIn& b) {
    PutFixed64(d, b.ticket);
    PutFixed64(d, b.concert);
    PutFixed64(d, b.holder);
    PutVarint32(d, b.version);
    PutLengthPrefixed(d, b.gate);
    PutFixed64(d, static_cast<uint64_t>(b.scanned_at));
    PutFixed8(d, b.offline ? 1 : 0);
  }
  void operator()(const TicketOffered& b) {
    PutFixed64(d, b.ticket);
    PutFixed64(d, b.concert);
    PutFixed64(d, b.from);
    PutLengthPrefixed(d, b.to_email);
  }
  void operator()(const TicketOfferEnded& b) {
    PutFixed64(d, b.ticket);
    PutFixed64(d, b.concert);
    PutFixed64(d, b.from);
    PutFixed64(d, b.by);
  }
  void operator()(const TicketTransferred& b) {
    PutFixed64(d, b.ticket);
    PutFixed64(d, b.concert);
    PutFixed64(d, b.from);
    PutFixed64(d, b.to);
    PutVarint32(d, b.version);
  }
  void operator()(const CheckInConflict& b) {
    PutFixed64(d, b.ticket);
    PutFixed64(d, b.concert);
    PutLengthPrefixed(d, b.gate);
    PutFixed64(d, static_cast<uint64_t>(b.scanned_at));
    PutVarint32(d, static_cast<uint32_t>(b.why));
    PutLengthPrefixed(d, b.first_gate);
    PutFixed64(d, static_cast<uint64_t>(b.first_at));
    PutLengthPrefixed(d, b.device);
  }
  void operator()(const ReservationCancelled& b) {
    PutIds(b.reservation, b.concert, b.user);
    PutFixed64(d, static_cast<uint64_t>(b.refund));
    PutFixed64(d, static_cast<uint64_t>(b.fee));
  }
  void operator()(const HoldExtended& b) {
    PutIds(b.reservation, b.concert, b.user);
    PutFixed64(d, static_cast<uint64_t>(b.expires_at));
  }
  void operator()(const SeatsReturned& b) {
    PutFixed64(d, b.concert);
    PutSeats(d, b.seats);
  }
  void operator()(const SalePhaseBegan& b) {
    PutFixed64(d, b.concert);
    PutVarint32(d, b.phase);
  }
  void operator()(const MembersListed& b) {
    PutFixed64(d, b.concert);
    PutFixed8(d, b.replace ? 1 : 0);
    PutUsers(d, b.entries);  // the same shape: a count and fixed64s
  }
  void operator()(const MemberCodeClaimed& b) {
    PutFixed64(d, b.concert);
    PutFixed64(d, b.user);
    PutFixed64(d, b.entry);
  }
  void operator()(const QueueCommitted& b) {
    PutFixed64(d, b.concert);
    PutVarint32(d, b.phase);
    for (const Sha256Digest* digest : {&b.seed, &b.key, &b.commitment})
      d->append(reinterpret_cast<const char*>(digest->data()), digest->size());
  }
  void operator()(const TermStarted& b) {
    PutFixed64(d, b.term);
    PutLengthPrefixed(d, b.leader);
  }
  void operator()(const StateHashed& b) {
    PutFixed64(d, b.state_seq);
    PutFixed64(d, b.digest);
    PutFixed8(d, b.format);
  }
  void operator()(const SnapshotMarked& b) { PutFixed8(d, b.format); }
  void operator()(const TimelineStarted& b) {
    PutVarint32(d, b.timeline);
    PutFixed64(d, b.id_base);
  }
  void operator()(const DuplicateCommand& b) {
    PutFixed64(d, b.original_seq);
    PutVarint32(d, static_cast<uint32_t>(b.code));
    PutFixed64(d, b.ref);
    PutFixed64(d, b.detail);
  }
};

bool GetCode(std::string_view* in, ResultCode* code) {
  uint32_t v;
  if (!GetVarint32(in, &v) || v > UINT16_MAX) return false;
  *code = static_cast<ResultCode>(v);
  return true;
}

template <class SessionEvent>
bool GetSession(std::string_view* in, EventBody* body) {
  SessionEvent b;
  if (!GetFixed64(in, &b.session) || !GetFixed64(in, &b.user) ||
      !GetFixed64(in, &b.refresh_digest.hi) || !GetFixed64(in, &b.refresh_digest.lo) ||
      !GetSigned64(in, &b.expires_at))
    return false;
  *body = b;
  return true;
}

// HoldReleased, HoldExpired, ReservationConfirmed: the reservation, and from format 3 on its
// concert and user; HoldReleased and ReservationConfirmed from format 19 on who acted.
template <class ReservationEvent>
bool GetReservationIds(std::string_view* in, uint8_t version, EventBody* body) {
  ReservationEvent b;
  if (!GetFixed64(in, &b.reservation)) return false;
  if (version >= 3 && (!GetFixed64(in, &b.concert) || !GetFixed64(in, &b.user))) return false;
  if constexpr (requires { b.by; })
    if (version >= 19 && !GetFixed64(in, &b.by)) return false;
  *body = b;
  return true;
}

template <class PaymentEvent>
bool GetPaymentIds(std::string_view* in, PaymentEvent* b) {
  return GetFixed64(in, &b->payment) && GetFixed64(in, &b->reservation) &&
         GetFixed64(in, &b->concert) && GetFixed64(in, &b->user);
}

// The waiting room.
bool DecodeQueueBody(EventType type, uint8_t version, std::string_view* in, EventBody* body) {
  switch (type) {
    case EventType::kQueueJoined: {
      QueueJoined b;
      if (!GetFixed64(in, &b.concert) || !GetFixed64(in, &b.user)) return false;
      *body = b;
      return true;
    }
    case EventType::kQueueOpened: {
      QueueOpened b;
      if (!GetFixed64(in, &b.concert) || !GetFixed64(in, &b.seed)) return false;
      uint8_t order = static_cast<uint8_t>(OpenOrder::kShuffledAtOnce);  // before version 5
      // A committed draw's opening (kRanked) from version 18.
      const auto last = version >= 18 ? OpenOrder::kRanked : OpenOrder::kShuffledAtOnce;
      if (version >= 5 && (!GetFixed8(in, &order) || order > static_cast<uint8_t>(last)))
        return false;
      b.order = static_cast<OpenOrder>(order);
      if (b.order == OpenOrder::kRanked) {
        if (in->size() < b.revealed.size()) return false;
        std::copy_n(in->data(), b.revealed.size(), b.revealed.begin());
        in->remove_prefix(b.revealed.size());
      }
      *body = b;
      return true;
    }
    case EventType::kQueueDrawn: {
      QueueDrawn b;
      if (!GetFixed64(in, &b.concert) || !GetVarint32(in, &b.count)) return false;
      *body = b;
      return true;
    }
    case EventType::kQueueAdmitted: {
      QueueAdmitted b;
      if (!GetFixed64(in, &b.concert) || !GetSigned64(in, &b.expires_at) ||
          !GetUsers(in, &b.users))
        return false;
      *body = std::move(b);
      return true;
    }
    case EventType::kQueueTicketsEnded: {
      QueueTicketsEnded b;
      uint8_t why;
      if (!GetFixed64(in, &b.concert) || !GetFixed8(in, &why) || why > 2 ||
          !GetUsers(in, &b.users))
        return false;
      b.why = static_cast<TicketEnd>(why);
      *body = std::move(b);
      return true;
    }
    default:
      return false;
  }
}

// Accounts and sessions.
bool DecodeAccountBody(EventType type, uint8_t version, std::string_view* in,
                       EventBody* body) {
  switch (type) {
    case EventType::kUserRegistered: {
      UserRegistered b;
      uint8_t role;
      if (!GetFixed64(in, &b.user) || !GetString(in, &b.email) ||
          !GetString(in, &b.password_hash) || !GetFixed8(in, &role) || role > kLastRole ||
          (version < 6 && role == static_cast<uint8_t>(Role::kStaff)) ||
          !GetString(in, &b.name))
        return false;
      b.role = static_cast<Role>(role);
      *body = std::move(b);
      return true;
    }
    case EventType::kSessionStarted:
      return GetSession<SessionStarted>(in, body);
    case EventType::kSessionRefreshed:
      return GetSession<SessionRefreshed>(in, body);
    case EventType::kSessionEnded: {
      SessionEnded b;
      if (!GetFixed64(in, &b.session) || !GetFixed64(in, &b.user)) return false;
      *body = b;
      return true;
    }
    case EventType::kAccountStatusChanged: {
      AccountStatusChanged b;
      uint8_t disabled;
      if (!GetFixed64(in, &b.user) || !GetFixed8(in, &disabled) || disabled > 1 ||
          !GetFixed64(in, &b.by) || !GetString(in, &b.reason))
        return false;
      b.disabled = disabled == 1;
      *body = std::move(b);
      return true;
    }
    default:
      return false;
  }
}

// Venues, concerts and their sales.
bool DecodeCatalogBody(EventType type, uint8_t version, std::string_view* in,
                       EventBody* body) {
  switch (type) {
    case EventType::kVenueCreated: {
      VenueCreated b;
      auto spec = std::make_shared<VenueSpec>();
      if (!GetFixed64(in, &b.venue) || !DecodeVenueSpec(in, spec.get(), version)) return false;
      b.spec = std::move(spec);
      *body = std::move(b);
      return true;
    }
    case EventType::kConcertCreated: {
      ConcertCreated b;
      auto spec = std::make_shared<ConcertSpec>();
      if (!GetFixed64(in, &b.concert) || !DecodeConcertSpec(in, spec.get(), version)) return false;
      b.spec = std::move(spec);
      *body = std::move(b);
      return true;
    }
    case EventType::kSalesOpened: {
      SalesOpened b;
      if (!GetFixed64(in, &b.concert)) return false;
      *body = b;
      return true;
    }
    case EventType::kSalesClosed: {
      SalesClosed b;
      if (!GetFixed64(in, &b.concert)) return false;
      *body = b;
      return true;
    }
    case EventType::kSalePhaseBegan: {
      SalePhaseBegan b;
      if (!GetFixed64(in, &b.concert) || !GetVarint32(in, &b.phase) || b.phase == 0 ||
          b.phase >= kMaxSalePhases)
        return false;
      *body = b;
      return true;
    }
    case EventType::kMembersListed: {
      MembersListed b;
      uint8_t replace;
      if (!GetFixed64(in, &b.concert) || !GetFixed8(in, &replace) || replace > 1 ||
          !GetUsers(in, &b.entries) || b.entries.size() > kMaxMembersPerUpload ||
          std::find(b.entries.begin(), b.entries.end(), 0) != b.entries.end())
        return false;
      b.replace = replace == 1;
      *body = std::move(b);
      return true;
    }
    case EventType::kMemberCodeClaimed: {
      MemberCodeClaimed b;
      if (!GetFixed64(in, &b.concert) || !GetFixed64(in, &b.user) || !GetFixed64(in, &b.entry))
        return false;
      *body = b;
      return true;
    }
    case EventType::kQueueCommitted: {
      QueueCommitted b;
      if (!GetFixed64(in, &b.concert) || !GetVarint32(in, &b.phase) ||
          b.phase >= kMaxSalePhases || in->size() < 3 * sizeof b.seed)
        return false;
      for (Sha256Digest* digest : {&b.seed, &b.key, &b.commitment}) {
        std::copy_n(in->data(), digest->size(), digest->begin());
        in->remove_prefix(digest->size());
      }
      *body = b;
      return true;
    }
    default:
      return false;
  }
}

// Holds and what ends them.
bool DecodeReservationBody(EventType type, uint8_t version, std::string_view* in,
                           EventBody* body) {
  switch (type) {
    case EventType::kHoldPlaced: {
      HoldPlaced b;
      if (!GetFixed64(in, &b.reservation) || !GetFixed64(in, &b.concert) ||
          !GetFixed64(in, &b.user) || !GetSigned64(in, &b.amount) ||
          !GetSigned64(in, &b.expires_at) || !GetSeats(in, &b.seats))
        return false;
      *body = b;
      return true;
    }
    case EventType::kHoldReleased:
      return GetReservationIds<HoldReleased>(in, version, body);
    case EventType::kHoldExpired:
      return GetReservationIds<HoldExpired>(in, version, body);
    case EventType::kReservationConfirmed:
      return GetReservationIds<ReservationConfirmed>(in, version, body);
    case EventType::kReservationRefunded: {
      ReservationRefunded b;
      if (!GetFixed64(in, &b.reservation) || !GetSigned64(in, &b.amount)) return false;
      if (version >= 3 && (!GetFixed64(in, &b.concert) || !GetFixed64(in, &b.user))) return false;
      if (version >= 19 && (!GetFixed64(in, &b.by) || !GetString(in, &b.reason))) return false;
      *body = std::move(b);
      return true;
    }
    case EventType::kReservationCancelled: {
      ReservationCancelled b;
      if (!GetFixed64(in, &b.reservation) || !GetFixed64(in, &b.concert) ||
          !GetFixed64(in, &b.user) || !GetSigned64(in, &b.refund) || !GetSigned64(in, &b.fee))
        return false;
      *body = b;
      return true;
    }
    case EventType::kHoldExtended: {
      HoldExtended b;
      if (!GetFixed64(in, &b.reservation) || !GetFixed64(in, &b.concert) ||
          !GetFixed64(in, &b.user) || !GetSigned64(in, &b.expires_at))
        return false;
      *body = b;
      return true;
    }
    case EventType::kSeatsReturned: {
      SeatsReturned b;
      if (!GetFixed64(in, &b.concert) || !GetSeats(in, &b.seats) || b.seats.empty()) return false;
      *body = b;
      return true;
    }
    default:
      return false;
  }
}

// The payment saga.
bool DecodePaymentBody(EventType type, uint8_t version, std::string_view* in,
                       EventBody* body) {
  switch (type) {
    case EventType::kPaymentRequested: {
      PaymentRequested b;
      uint8_t method, wallet = 0;  // before version 12: no wallet
      if (!GetPaymentIds(in, &b) || !GetSigned64(in, &b.amount) || !GetFixed8(in, &method) ||
          method > static_cast<uint8_t>(PaymentMethod::kEasyPay) ||
          !GetFixed64(in, &b.client_key.hi) || !GetFixed64(in, &b.client_key.lo) ||
          !GetSigned64(in, &b.hold_expires_at) ||
          (version >= 12 && (!GetFixed8(in, &wallet) || wallet > kLastEasyPayProvider)) ||
          (version >= 17 && !GetSigned64(in, &b.deposit_due)))
        return false;
      b.method = static_cast<PaymentMethod>(method);
      b.wallet = static_cast<EasyPayProvider>(wallet);
      *body = b;
      return true;
    }
    case EventType::kPaymentSucceeded: {
      PaymentSucceeded b;
      if (!GetPaymentIds(in, &b) || !GetVarint32(in, &b.attempt) || !GetSigned64(in, &b.amount))
        return false;
      *body = b;
      return true;
    }
    case EventType::kPaymentFailed: {
      PaymentFailed b;
      uint8_t outcome, final;
      if (!GetPaymentIds(in, &b) || !GetVarint32(in, &b.attempt) || !GetFixed8(in, &outcome) ||
          outcome > static_cast<uint8_t>(ChargeOutcome::kError) || !GetFixed8(in, &final) ||
          final > 1 || !GetSigned64(in, &b.retry_at) || !GetString(in, &b.detail))
        return false;
      b.outcome = static_cast<ChargeOutcome>(outcome);
      b.final = final == 1;
      *body = std::move(b);
      return true;
    }
    case EventType::kRefundIssued: {
      RefundIssued b;
      uint8_t why;
      const auto last = version >= 17 ? RefundReason::kLateDeposit : RefundReason::kOrphanCharge;
      if (!GetPaymentIds(in, &b) || !GetSigned64(in, &b.amount) || !GetFixed8(in, &why) ||
          why > static_cast<uint8_t>(last))
        return false;
      b.why = static_cast<RefundReason>(why);
      *body = b;
      return true;
    }
    case EventType::kVirtualAccountIssued: {
      VirtualAccountIssued b;
      if (!GetPaymentIds(in, &b) || !GetString(in, &b.bank) || !GetString(in, &b.account) ||
          !GetString(in, &b.holder))
        return false;
      *body = std::move(b);
      return true;
    }
    case EventType::kSeatsReleased: {
      SeatsReleased b;
      if (!GetPaymentIds(in, &b)) return false;
      *body = b;
      return true;
    }
    case EventType::kRefundSettled: {
      RefundSettled b;
      if (!GetPaymentIds(in, &b) || !GetSigned64(in, &b.amount)) return false;
      *body = b;
      return true;
    }
    default:
      return false;
  }
}

// Tickets and the door (format 6 on).
bool DecodeTicketBody(EventType type, uint8_t version, std::string_view* in, EventBody* body) {
  switch (type) {
    case EventType::kTicketIssued: {
      TicketIssued b;
      if (!GetFixed64(in, &b.ticket) || !GetFixed64(in, &b.reservation) ||
          !GetFixed64(in, &b.concert) || !GetFixed64(in, &b.holder) || !GetFixed32(in, &b.seat))
        return false;
      *body = b;
      return true;
    }
    case EventType::kTicketCheckedIn: {
      TicketCheckedIn b;
      uint8_t offline;
      if (!GetFixed64(in, &b.ticket) || !GetFixed64(in, &b.concert) ||
          !GetFixed64(in, &b.holder) || !GetVarint32(in, &b.version) || !GetString(in, &b.gate) ||
          !GetSigned64(in, &b.scanned_at) || !GetFixed8(in, &offline) || offline > 1)
        return false;
      b.offline = offline == 1;
      *body = std::move(b);
      return true;
    }
    case EventType::kTicketTransferred: {
      TicketTransferred b;
      if (!GetFixed64(in, &b.ticket) || !GetFixed64(in, &b.concert) || !GetFixed64(in, &b.from) ||
          !GetFixed64(in, &b.to) || !GetVarint32(in, &b.version))
        return false;
      *body = b;
      return true;
    }
    case EventType::kTicketOffered: {
      TicketOffered b;
      if (!GetFixed64(in, &b.ticket) || !GetFixed64(in, &b.concert) || !GetFixed64(in, &b.from) ||
          !GetString(in, &b.to_email) || b.to_email.empty())
        return false;
      *body = std::move(b);
      return true;
    }
    case EventType::kTicketRevoked: {
      TicketRevoked b;
      if (!GetFixed64(in, &b.ticket) || !GetFixed64(in, &b.concert) ||
          !GetFixed64(in, &b.holder) || !GetFixed64(in, &b.by) || !GetString(in, &b.reason))
        return false;
      *body = std::move(b);
      return true;
    }
    case EventType::kTicketOfferEnded: {
      TicketOfferEnded b;
      if (!GetFixed64(in, &b.ticket) || !GetFixed64(in, &b.concert) || !GetFixed64(in, &b.from) ||
          !GetFixed64(in, &b.by))
        return false;
      *body = b;
      return true;
    }
    case EventType::kCheckInConflict: {
      CheckInConflict b;
      if (!GetFixed64(in, &b.ticket) || !GetFixed64(in, &b.concert) || !GetString(in, &b.gate) ||
          !GetSigned64(in, &b.scanned_at) || !GetCode(in, &b.why) ||
          !GetString(in, &b.first_gate) || !GetSigned64(in, &b.first_at) ||
          (version >= 10 && !GetString(in, &b.device)))
        return false;
      *body = std::move(b);
      return true;
    }
    default:
      return false;
  }
}

bool DecodeTermStarted(std::string_view* in, EventBody* body) {
  TermStarted b;
  if (!GetFixed64(in, &b.term) || !GetString(in, &b.leader)) return false;
  *body = std::move(b);
  return true;
}

bool DecodeStateHashed(std::string_view* in, uint8_t version, EventBody* body) {
  StateHashed b;
  if (!GetFixed64(in, &b.state_seq) || !GetFixed64(in, &b.digest)) return false;
  b.format = version;  // a writer of version 8 or 9 hashed its own state format
  if (version >= 10 && !GetFixed8(in, &b.format)) return false;
  *body = b;
  return true;
}

bool DecodeSnapshotMarked(std::string_view* in, EventBody* body) {
  SnapshotMarked b;
  if (!GetFixed8(in, &b.format)) return false;
  *body = b;
  return true;
}

bool DecodeTimelineStarted(std::string_view* in, EventBody* body) {
  TimelineStarted b;
  if (!GetVarint32(in, &b.timeline) || !GetFixed64(in, &b.id_base)) return false;
  *body = b;
  return true;
}

// Answers that change nothing: refusals and repeats.
bool DecodeAnswerBody(EventType type, uint8_t /*version*/, std::string_view* in,
                      EventBody* body) {
  switch (type) {
    case EventType::kCommandRejected: {
      CommandRejected b;
      uint8_t command;
      if (!GetFixed8(in, &command) || command > static_cast<uint8_t>(CommandType::kLast) ||
          !GetCode(in, &b.code) || !GetFixed64(in, &b.detail) || !GetSeats(in, &b.seats) ||
          !GetString(in, &b.reason))
        return false;
      b.command = static_cast<CommandType>(command);
      *body = std::move(b);
      return true;
    }
    case EventType::kDuplicateCommand: {
      DuplicateCommand b;
      if (!GetFixed64(in, &b.original_seq) || !GetCode(in, &b.code) || !GetFixed64(in, &b.ref) ||
          !GetFixed64(in, &b.detail))
        return false;
      *body = b;
      return true;
    }
    default:
      return false;
  }
}

// The log's own bookkeeping.
bool DecodeLogBody(EventType type, uint8_t version, std::string_view* in, EventBody* body) {
  switch (type) {
    case EventType::kTermStarted:
      return DecodeTermStarted(in, body);
    case EventType::kStateHashed:
      return DecodeStateHashed(in, version, body);
    case EventType::kTimelineStarted:
      return DecodeTimelineStarted(in, body);
    case EventType::kSnapshotMarked:
      return DecodeSnapshotMarked(in, body);
    default:
      return false;
  }
}

// One decoder per area, as the state applies them (engine_state.cc).
bool DecodeBody(EventType type, uint8_t version, std::string_view* in, EventBody* body) {
  switch (AreaOf(type)) {
    case EventArea::kAccount:
      return DecodeAccountBody(type, version, in, body);
    case EventArea::kCatalog:
      return DecodeCatalogBody(type, version, in, body);
    case EventArea::kReservation:
      return DecodeReservationBody(type, version, in, body);
    case EventArea::kTicket:
      return DecodeTicketBody(type, version, in, body);
    case EventArea::kQueue:
      return DecodeQueueBody(type, version, in, body);
    case EventArea::kPayment:
      return DecodePaymentBody(type, version, in, body);
    case EventArea::kAnswer:
      return DecodeAnswerBody(type, version, in, body);
    case EventArea::kLog:
      return DecodeLogBody(type, version, in, body);
  }
  return false;
}

Status Bad(std::string_view what, uint64_t seq, bool seq_known) {
  std::string msg(what);
  if (seq_known) msg = "event seq " + std::to_string(seq) + ": " + msg;
  return Status::Corruption(msg);
}

}  // namespace

void EncodeEvent(const Event& e, std::string* dst) {
  const std::size_t start = dst->size();
  PutFixed32(dst, 0);  // length, filled in below
  PutFixed8(dst, kEventFormatVersion);
  PutFixed8(dst, static_cast<uint8_t>(TypeOf(e)));
  PutFixed64(dst, e.seq);
  PutFixed64(dst, static_cast<uint64_t>(e.ts));
  PutFixed8(dst, e.idem ? kHasIdem : 0);
  PutVarint64(dst, e.term);
  if (e.idem) {
    PutFixed64(dst, e.idem->user);
    PutFixed64(dst, e.idem->key.hi);
    PutFixed64(dst, e.idem->key.lo);
    PutFixed64(dst, e.idem->fingerprint);
  }
  std::visit(BodyEncoder{dst}, e.body);
  const std::size_t payload = dst->size() - start - 4;
  const uint32_t len = static_cast<uint32_t>(payload);
  std::memcpy(dst->data() + start, &len, 4);
  PutFixed32(dst, crc32c::Extend(0, dst->data() + start + 4, payload));
}

Status DecodeEvent(std::string_view* in, Event* out) {
  uint32_t len;
  std::string_view rest = *in;
  if (!GetFixed32(&rest, &len) || rest.size() < std::size_t{len} + 4)
    return Bad("truncated record", 0, false);
  std::string_view payload = rest.substr(0, len);
  const uint32_t stored_crc = DecodeFixed32(rest.data() + len);
  // The seq is read before the checksum is checked only to name the record in the error.
  const bool seq_known = payload.size() >= 10;
  const uint64_t seq = seq_known ? DecodeFixed64(payload.data() + 2) : 0;
  if (crc32c::Value(payload) != stored_crc) return Bad("checksum mismatch", seq, seq_known);

  uint8_t version, type, flags;
  Event e;
  if (!GetFixed8(&payload, &version) || !GetFixed8(&payload, &type) ||
      !GetFixed64(&payload, &e.seq) || !GetSigned64(&payload, &e.ts) ||
      !GetFixed8(&payload, &flags))
    return Bad("truncated header", seq, seq_known);
  if (version < kOldestEventFormatVersion || version > kEventFormatVersion)
    return Bad("unknown format version " + std::to_string(version), seq, true);
  if (type >= std::variant_size_v<EventBody>)
    return Bad("unknown event type " + std::to_string(type), seq, true);
  if ((flags & ~kHasIdem) != 0) return Bad("unknown flags", seq, true);
  if (version >= 7 && !GetVarint64(&payload, &e.term)) return Bad("truncated term", seq, true);
  if (flags & kHasIdem) {
    IdemRecord idem;
    if (!GetFixed64(&payload, &idem.user) || !GetFixed64(&payload, &idem.key.hi) ||
        !GetFixed64(&payload, &idem.key.lo) || !GetFixed64(&payload, &idem.fingerprint))
      return Bad("truncated idempotency record", seq, true);
    e.idem = idem;
  }
  if (version < FirstFormatOf(static_cast<EventType>(type)))
    return Bad("event type " + std::to_string(type) + " in a version " +
                   std::to_string(version) + " record",
               seq, true);
  if (!DecodeBody(static_cast<EventType>(type), version, &payload, &e.body) || !payload.empty())
    return Bad("malformed " + std::string(ToString(static_cast<EventType>(type))) + " body",
               seq, true);
  // Before snapshots were marked, a digest was always of the state just before it.
  if (const auto* hashed = std::get_if<StateHashed>(&e.body);
      hashed != nullptr && version < 13 && hashed->state_seq + 1 != e.seq)
    return Bad("a version " + std::to_string(version) + " StateHashed of another seq than the "
               "one before it", seq, true);
  *out = std::move(e);
  in->remove_prefix(4 + std::size_t{len} + 4);
  return Status::OK();
}

}  // namespace cm::engine
