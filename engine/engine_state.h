#pragma once
// Everything the sequencer owns: users, venues, concerts with their seat maps, reservations,
// hold timers and idempotency keys. The only way to change it is Apply(event), which is used
// both live (right after a decision) and by replay, so both build the same state.
// Thread-safety: none; the sequencer thread owns it. Not copyable (timers point into it).
//
// Layout: reservations by slot (their ids name it: SlotTable); other ids are event seqs, so
// they are sparse, and each kind of record lives in a DenseTable (records in fixed blocks, ids
// in an open-addressing table). The indexes beside them are
// open-addressing tables and reusable FIFOs. Nothing here allocates per command once the
// tables have grown to their working size.

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "engine/concert.h"
#include "engine/dense_table.h"
#include "engine/email_index.h"
#include "engine/engine_config.h"
#include "engine/event.h"
#include "engine/fifo.h"
#include "engine/sharded_flat_map.h"
#include "engine/slot_table.h"
#include "engine/hold_timers.h"
#include "engine/return_timers.h"
#include "engine/idempotency.h"
#include "engine/payment.h"
#include "engine/reservation.h"
#include "engine/seat_pool.h"
#include "engine/status.h"
#include "engine/ticket.h"
#include "engine/venue.h"

namespace cm::engine {

struct User {
  UserId id = 0;
  std::string email;
  std::string password_hash;
  Role role = Role::kUser;
  std::string name;
  bool disabled = false;  // an admin disabled it (AccountStatusChanged)
};

// A login session, identified to the client by its refresh token (of which only a digest is
// kept). Access tokens are stateless; the session is what logout revokes.
inline constexpr std::size_t kMaxRetiredDigests = 8;

// At most N values kept in place, oldest first; pushing onto a full list drops the oldest.
template <class T, std::size_t N>
struct InlineList {
  std::array<T, N> items{};
  uint8_t count = 0;

  std::size_t size() const { return count; }
  bool empty() const { return count == 0; }
  const T* begin() const { return items.data(); }
  const T* end() const { return items.data() + count; }
  const T& front() const { return items[0]; }
  void push_back(const T& v) {
    if (count == N) erase_at(0);
    items[count++] = v;
  }
  void erase_at(std::size_t i) {
    for (std::size_t k = i + 1; k < count; ++k) items[k - 1] = items[k];
    --count;
  }
  // Removes the first element equal to `v`, if any.
  void erase(const T& v) {
    for (std::size_t i = 0; i < count; ++i)
      if (items[i] == v) return erase_at(i);
  }
};

struct Session {
  SessionId id = 0;
  UserId user = 0;
  TokenDigest refresh_digest;
  TimeMs expires_at = 0;
  // Refresh tokens this session rotated away, newest last (at most kMaxRetiredDigests): one
  // of them coming back means two parties hold the session's tokens, so it is revoked
  // (RFC 9700, 4.14.2).
  InlineList<TokenDigest, kMaxRetiredDigests> retired;
};

struct TokenDigestHash {
  std::size_t operator()(const TokenDigest& d) const {
    return Mix64(d.hi ^ (d.lo * 0x9e3779b97f4a7c15ULL));
  }
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
  // Asks the cache for what applying `e` will write first (its reservation's record, the seats
  // a hold takes), so that a replay that has decoded events ahead (journal/recovery.cc) waits
  // for memory less. Changes nothing; any event may be passed.
  void Prefetch(const Event& e) const;

  // Makes this a read model's state (EngineConfig::reads_only): frees the hold timers, the
  // idempotency keys, the per-user seat counts and the cooldown cells, and keeps them empty
  // from now on. Every read (FindReservation, seat maps, payments, tickets, ledgers) answers
  // as before.
  void DropDecisionState();

  Seq last_seq() const { return last_seq_; }
  // The current writer's term (0 until the first TermStarted).
  Term term() const { return term_; }
  // The current timeline (0 until a restore starts one; TimelineStarted), and the id that the
  // event at `seq` of this timeline makes: ids made by seq are IdOf(the seq of the event making
  // them); a reservation's is id_base() plus its slot id (NextReservationId).
  Timeline timeline() const { return timelines_.empty() ? 0 : timelines_.back().timeline; }
  uint64_t id_base() const { return timelines_.empty() ? 0 : timelines_.back().id_base; }
  uint64_t IdOf(Seq seq) const { return id_base() + seq; }
  // Every timeline this state went through after the first, oldest first.
  const std::vector<TimelineStart>& timelines() const { return timelines_; }
  // Whether `id` could only have been made in a timeline this state left behind: from where a
  // restore forked off the one before it, up to the new timeline's base.
  bool IsLostId(uint64_t id) const;
  TimeMs clock() const { return clock_; }
  const EngineConfig& config() const { return config_; }

  const User* FindUser(UserId id) const { return users_.Find(id); }
  // Whether the user exists, without touching their record.
  bool HasUser(UserId id) const { return users_.contains(id); }
  // The user's slot in the user table: dense from 0 (users are never removed), this state's
  // own (a restored state numbers them its own way), kNoUserSlot for an unknown user.
  static constexpr uint32_t kNoUserSlot = DenseTable<UserId, User>::kNoSlot;
  uint32_t UserSlot(UserId id) const { return users_.SlotOf(id); }
  // The same, keeping the last user found: for the applying thread only (FindConcertCached).
  uint32_t UserSlotCached(UserId id) { return users_.SlotOfHot(id); }
  // The user a slot belongs to. REQUIRES: UserSlot gave `slot`.
  UserId UserAtSlot(uint32_t slot) const { return users_.AtSlot(slot).id; }
  // Seats `user` holds or bought in `c`, for the per-user limit.
  uint32_t SeatsOf(const Concert& c, UserId user) const {
    const uint32_t slot = UserSlot(user);
    return slot == kNoUserSlot ? 0 : c.seats_per_user.Get(slot);
  }
  // The same by the user's slot, remembering the count's page for the hold's apply: for the
  // applying thread only, as FindConcertCached.
  uint32_t SeatsOfCached(ConcertId concert, uint32_t user_slot) {
    Concert* c = CachedConcert(concert);
    return c == nullptr ? 0 : c->seats_per_user.GetCached(user_slot);
  }
  const User* FindUserByEmail(const std::string& email) const;
  const Venue* FindVenue(VenueId id) const;
  const Concert* FindConcert(ConcertId id) const;
  // The same, keeping the last concert found: consecutive commands mostly name one concert.
  // It writes that cache, so it is for the thread that applies (the sequencer's), never for
  // readers sharing a state (the read model's GETs use FindConcert).
  const Concert* FindConcertCached(ConcertId id) { return CachedConcert(id); }
  // One array index and a compare: reservation ids name their slot (SlotTable).
  const Reservation* FindReservation(ReservationId id) const { return reservations_.Find(id); }
  // The id the next hold takes (its slot, in this timeline), or 0 when the table is full.
  ReservationId NextReservationId() const {
    return reservations_.NextId(id_base()).value_or(0);
  }
  const Payment* FindPayment(PaymentId id) const;
  // A live session (not expired at `now`), or null.
  const Session* FindSession(const TokenDigest& refresh_digest, TimeMs now) const;
  // The session that rotated this refresh token away, or null.
  const Session* FindRetiredSession(const TokenDigest& refresh_digest) const;
  const Ticket* FindTicket(TicketId id) const { return tickets_.Find(id); }
  // The first of a reservation's tickets (the rest follow it, one id each, in seat order), or 0.
  TicketId FirstTicketOf(ReservationId id) const;
  const HoldTimers& timers() const { return timers_; }
  // The seats waiting to go back on sale (empty in a read model's state).
  const ReturnTimers& return_timers() const { return returns_; }
  // The entry is live: its seat is still returning at that moment.
  bool IsReturningAt(const ReturnTimers::Entry& e) const;
  const IdempotencyTable& idempotency() const { return idempotency_; }

  // Read access for the codec, the hash and the invariant checker.
  const DenseTable<UserId, User>& users() const { return users_; }
  const std::unordered_map<VenueId, std::unique_ptr<Venue>>& venues() const { return venues_; }
  const std::unordered_map<ConcertId, std::unique_ptr<Concert>>& concerts() const {
    return concerts_;
  }
  const SlotTable<Reservation>& reservations() const { return reservations_; }
  const SeatPool& seat_pool() const { return seat_pool_; }
  // An ended reservation in the retention FIFO, with the time it ended.
  struct Ended {
    ReservationId id = 0;
    TimeMs at = 0;
  };
  const Fifo<Ended>& ended() const { return ended_; }
  const DenseTable<PaymentId, Payment>& payments() const { return payments_; }
  const DenseTable<SessionId, Session>& sessions() const { return sessions_; }
  const DenseTable<TicketId, Ticket>& tickets() const { return tickets_; }
  // Offline scans that collided, oldest first: kept for people to resolve, never dropped.
  struct Conflict {
    Seq seq = 0;
    TimeMs recorded_at = 0;
    CheckInConflict what;
    bool operator==(const Conflict&) const = default;
  };
  const std::vector<Conflict>& conflicts() const { return conflicts_; }
  // Where in conflicts() one concert's conflicts are, oldest first.
  std::span<const uint32_t> ConflictsOf(ConcertId concert) const;
  // The tickets offered to `email` now (TicketOffered, not yet accepted or ended), by id.
  std::span<const TicketId> OffersTo(std::string_view email) const;
  std::size_t OfferCount() const;  // every pending offer (the invariants check the index)
  // Whether this very scan (ticket, gate, device and time) is a recorded conflict already.
  bool HasConflict(const CheckInConflict& scan) const;
  // Concerts with a waiting room in any phase, ascending (a phase may have none: its `room`
  // is null).
  const std::vector<ConcertId>& rooms() const { return rooms_; }
  // The first moment a concert's sale passes to its next phase (SalePhaseBegan); kNever when
  // none will.
  static constexpr TimeMs kNever = INT64_MAX;
  TimeMs next_phase_at() const { return next_phase_at_; }
  // Concerts whose sale has more than one phase, ascending.
  const std::vector<ConcertId>& phased() const { return phased_; }
  // Whether `user` may buy in `c`'s members-only phases (engine/member_list.h).
  bool IsMember(const Concert& c, UserId user) const;

 private:
  friend class StateRestorer;  // snapshot loading (state_codec.cc)

  Status ApplyBody(const Event& e);
  Concert* CachedConcert(ConcertId id);
  Status ApplyAccount(const Event& e);
  Status ApplyCatalog(const Event& e);
  Status ApplySalePhases(const Event& e);  // engine_state_phases.cc
  // Adds a new or restored concert to rooms_ and phased_.
  void IndexConcert(const Concert& c);
  void PlanNextPhase();
  Status ApplyReservation(const Event& e);
  Status ApplyQueue(const Event& e);
  Status ApplyLog(const Event& e);
  Status ApplyPayment(const Event& e);  // engine_state_payments.cc
  Status ApplyPaymentStep(const Event& e);
  Status AdoptOrphan(const Event& e, const RefundIssued& b);
  Status ApplyTicket(const Event& e);  // engine_state_tickets.cc
  // Every event belongs to the current term; TermStarted starts a higher one.
  Status CheckTerm(const Event& e);
  // The concert's sales ledger, after the event applied (engine_state_sales.cc).
  void RecordSales(const Event& e);
  // Every ticket of the reservation stops admitting (it was cancelled or refunded).
  void RevokeTickets(const Reservation& r);
  // A used, revoked or given ticket is offered no more.
  void EndOffer(Ticket& t);
  void AddOffer(Ticket& t, const std::string& to_email, TimeMs at);
  void AdvanceClock(TimeMs now);
  // Erases the ended reservations whose retention is over at clock_ (AdvanceClock).
  void DropRetained();
  Status EndReservation(Reservation& r, ReservationStatus end, TimeMs at);
  // Its user gave the seats up (released, or let the hold expire): the re-hold cooldown.
  Status StartCooldown(const Reservation& r, TimeMs at);
  // The reservation's seats go back on sale: at once, or at the moments the concert's return
  // window draws for them (ConcertSpec::ReturnsAt).
  void ReturnSeats(Concert& c, const Reservation& r, TimeMs at);
  Status ApplySeatsReturned(const Event& e);
  void AddSession(const Session& s, TimeMs now);
  void AddConflict(Conflict c);
  void RemoveSession(SessionId id);

  EngineConfig config_;
  Seq last_seq_ = 0;
  Term term_ = 0;
  std::vector<TimelineStart> timelines_;  // empty: timeline 0, ids = seqs
  TimeMs clock_ = 0;
  DenseTable<UserId, User> users_;
  EmailIndex user_by_email_;
  std::unordered_map<VenueId, std::unique_ptr<Venue>> venues_;
  std::unordered_map<ConcertId, std::unique_ptr<Concert>> concerts_;
  // CachedConcert's last find (concerts are never erased, so it stays valid).
  ConcertId cached_concert_id_ = 0;
  Concert* cached_concert_ = nullptr;
  std::vector<ConcertId> rooms_;
  std::vector<ConcertId> phased_;
  TimeMs next_phase_at_ = kNever;  // derived from phased_ (PlanNextPhase)
  SlotTable<Reservation> reservations_;
  // The id the sequencer gave the HoldPlaced being applied: NextReservationId() before its
  // clock moved (Apply), the only id its apply takes.
  ReservationId decided_hold_id_ = 0;
  // Every reservation's seats, live or ended; freed when the reservation is dropped.
  SeatPool seat_pool_;
  HoldTimers timers_;
  ReturnTimers returns_;
  IdempotencyTable idempotency_;
  // Ended reservations in the order they ended, dropped after config_.ended_retention_ms.
  // Each carries its end time, so the check on every event probes no table.
  Fifo<Ended> ended_;
  // Payments live as long as their reservation, and longer while the saga still needs the
  // worker (an unsettled refund).
  DenseTable<PaymentId, Payment> payments_;
  // Tickets are kept for good (a revoked one must still answer REVOKED at the door), and
  // outlive their reservation's record.
  DenseTable<TicketId, Ticket> tickets_;
  ShardedFlatMap<ReservationId, TicketId> first_ticket_of_;
  std::vector<Conflict> conflicts_;
  // Derived from conflicts_ (not in snapshots): each concert's, and the scans they record.
  std::unordered_map<ConcertId, std::vector<uint32_t>> conflicts_of_;
  // (std::less<> so that a scan is looked up by reference, without copying its strings.)
  std::set<std::tuple<TicketId, TimeMs, std::string, std::string>, std::less<>> conflict_scans_;
  // Derived from the tickets' pending offers (not in snapshots); an email with none has no key.
  std::map<std::string, std::vector<TicketId>, std::less<>> offers_to_;
  // Sessions, bounded per user: a login drops that user's expired sessions and, past
  // kMaxSessionsPerUser, the oldest one.
  DenseTable<SessionId, Session> sessions_;
  ShardedFlatMap<TokenDigest, SessionId, TokenDigestHash> session_by_digest_;
  ShardedFlatMap<TokenDigest, SessionId, TokenDigestHash> session_by_retired_digest_;
  // Each user's sessions, oldest first.
  ShardedFlatMap<UserId, InlineList<SessionId, kMaxSessionsPerUser>> sessions_of_user_;
};

}  // namespace cm::engine
