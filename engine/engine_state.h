#pragma once
// Everything the sequencer owns: users, venues, concerts with their seat maps, reservations,
// hold timers and idempotency keys. The only way to change it is Apply(event), which is used
// both live (right after a decision) and by replay, so both build the same state.
// Thread-safety: none; the sequencer thread owns it. Not copyable (timers point into it).

#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/concert.h"
#include "engine/engine_config.h"
#include "engine/event.h"
#include "engine/hold_timers.h"
#include "engine/idempotency.h"
#include "engine/payment.h"
#include "engine/reservation.h"
#include "engine/status.h"
#include "engine/venue.h"

namespace cm::engine {

struct User {
  UserId id = 0;
  std::string email;
  std::string password_hash;
  Role role = Role::kUser;
  std::string name;
};

// A login session, identified to the client by its refresh token (of which only a digest is
// kept). Access tokens are stateless; the session is what logout revokes.
struct Session {
  SessionId id = 0;
  UserId user = 0;
  TokenDigest refresh_digest;
  TimeMs expires_at = 0;
  // Refresh tokens this session rotated away, newest last (at most kMaxRetiredDigests): one
  // of them coming back means two parties hold the session's tokens, so it is revoked
  // (RFC 9700, 4.14.2).
  std::vector<TokenDigest> retired;
};
inline constexpr std::size_t kMaxRetiredDigests = 8;

struct TokenDigestHash {
  std::size_t operator()(const TokenDigest& d) const { return d.hi ^ (d.lo * 0x9e3779b97f4a7c15ULL); }
};

class EngineState {
 public:
  explicit EngineState(EngineConfig config = {});
  EngineState(const EngineState&) = delete;
  EngineState& operator=(const EngineState&) = delete;

  // Applies a decided event. REQUIRES: e.seq == last_seq() + 1. Returns Corruption if the
  // event contradicts the state (a journal that disagrees with itself); the state is then
  // unspecified and must be discarded.
  Status Apply(const Event& e);

  Seq last_seq() const { return last_seq_; }
  TimeMs clock() const { return clock_; }
  const EngineConfig& config() const { return config_; }

  const User* FindUser(UserId id) const;
  const User* FindUserByEmail(const std::string& email) const;
  const Venue* FindVenue(VenueId id) const;
  const Concert* FindConcert(ConcertId id) const;
  const Reservation* FindReservation(ReservationId id) const;
  const Payment* FindPayment(PaymentId id) const;
  // A live session (not expired at `now`), or null.
  const Session* FindSession(const TokenDigest& refresh_digest, TimeMs now) const;
  // The session that rotated this refresh token away, or null.
  const Session* FindRetiredSession(const TokenDigest& refresh_digest) const;
  const HoldTimers& timers() const { return timers_; }
  const IdempotencyTable& idempotency() const { return idempotency_; }

  // Read access for the codec, the hash and the invariant checker.
  const std::unordered_map<UserId, User>& users() const { return users_; }
  const std::unordered_map<VenueId, std::unique_ptr<Venue>>& venues() const { return venues_; }
  const std::unordered_map<ConcertId, std::unique_ptr<Concert>>& concerts() const {
    return concerts_;
  }
  const std::unordered_map<ReservationId, Reservation>& reservations() const {
    return reservations_;
  }
  const std::deque<ReservationId>& ended() const { return ended_; }
  const std::unordered_map<PaymentId, Payment>& payments() const { return payments_; }
  const std::unordered_map<SessionId, Session>& sessions() const { return sessions_; }
  // Concerts with a waiting room, ascending.
  const std::vector<ConcertId>& rooms() const { return rooms_; }

 private:
  friend class StateRestorer;  // snapshot loading (state_codec.cc)

  Status ApplyBody(const Event& e);
  Status ApplyQueue(const Event& e);
  Status ApplyPayment(const Event& e);  // engine_state_payments.cc
  void AdvanceClock(TimeMs now);
  Status EndReservation(Reservation& r, ReservationStatus end, TimeMs at);
  // Its user gave the seats up (released, or let the hold expire): the re-hold cooldown.
  Status StartCooldown(const Reservation& r, TimeMs at);
  void ReturnSeats(Concert& c, const Reservation& r);
  void AddSession(const Session& s, TimeMs now);
  void RemoveSession(SessionId id);

  EngineConfig config_;
  Seq last_seq_ = 0;
  TimeMs clock_ = 0;
  std::unordered_map<UserId, User> users_;
  std::unordered_map<std::string, UserId> user_by_email_;
  std::unordered_map<VenueId, std::unique_ptr<Venue>> venues_;
  std::unordered_map<ConcertId, std::unique_ptr<Concert>> concerts_;
  std::vector<ConcertId> rooms_;
  std::unordered_map<ReservationId, Reservation> reservations_;
  HoldTimers timers_;
  IdempotencyTable idempotency_;
  // Ended reservations in the order they ended, dropped after config_.ended_retention_ms.
  std::deque<ReservationId> ended_;
  // Payments live as long as their reservation, and longer while the saga still needs the
  // worker (an unsettled refund).
  std::unordered_map<PaymentId, Payment> payments_;
  // Sessions, bounded per user: a login drops that user's expired sessions and, past
  // kMaxSessionsPerUser, the oldest one.
  std::unordered_map<SessionId, Session> sessions_;
  std::unordered_map<TokenDigest, SessionId, TokenDigestHash> session_by_digest_;
  std::unordered_map<TokenDigest, SessionId, TokenDigestHash> session_by_retired_digest_;
  std::unordered_map<UserId, std::vector<SessionId>> sessions_of_user_;  // oldest first
};

}  // namespace cm::engine
