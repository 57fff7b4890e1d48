#include "engine/engine_state.h"

#include <algorithm>
#include <string>

namespace cm::engine {
namespace {

std::string At(const Event& e) {
  std::string s = "event seq ";
  s.append(std::to_string(e.seq)).append(": ");
  return s;
}

}  // namespace

EngineState::EngineState(EngineConfig config)
    : config_(config), idempotency_(config.idempotency_ttl_ms, config.idempotency_capacity) {}

const User* EngineState::FindUserByEmail(const std::string& email) const {
  const UserId id = user_by_email_.Find(
      email, [&](UserId u) -> const std::string& { return users_.Find(u)->email; });
  return id == 0 ? nullptr : FindUser(id);
}

const Venue* EngineState::FindVenue(VenueId id) const {
  auto it = venues_.find(id);
  return it == venues_.end() ? nullptr : it->second.get();
}

const Concert* EngineState::FindConcert(ConcertId id) const {
  auto it = concerts_.find(id);
  return it == concerts_.end() ? nullptr : it->second.get();
}

Concert* EngineState::CachedConcert(ConcertId id) {
  if (cached_concert_ != nullptr && id == cached_concert_id_) return cached_concert_;
  auto it = concerts_.find(id);
  if (it == concerts_.end()) return nullptr;
  cached_concert_id_ = id;
  cached_concert_ = it->second.get();
  return cached_concert_;
}

void EngineState::DropDecisionState() {
  config_.reads_only = true;
  timers_.Clear();  // every live reservation's timer_slot becomes kNoTimer
  timers_ = HoldTimers();
  returns_.Clear();
  idempotency_ = IdempotencyTable(config_.idempotency_ttl_ms, config_.idempotency_capacity);
  for (auto& [id, c] : concerts_) {
    c->seats_per_user = UserSeatCounts();
    c->seats.DropCooldowns();
  }
}

void EngineState::Prefetch(const Event& e) const {
  if (const auto* b = std::get_if<HoldPlaced>(&e.body)) {
    reservations_.Prefetch(b->reservation);
    // The last concert found only: a lookup here would cost the miss it is meant to hide.
    if (b->concert == cached_concert_id_ && cached_concert_ != nullptr)
      for (SeatIndex s : b->seats) cached_concert_->seats.Prefetch(s);
    return;
  }
  std::visit(
      [this](const auto& b) {
        if constexpr (requires { b.reservation; }) reservations_.Prefetch(b.reservation);
      },
      e.body);
}

Status EngineState::Apply(const Event& e) {
  if (e.seq != last_seq_ + 1)
    return Status::Corruption(At(e) + "expected seq " + std::to_string(last_seq_ + 1));
  // Every event but a TermStarted carries the current term: checked inline, as every event asks.
  if (e.term != term_ || TypeOf(e) == EventType::kTermStarted) {
    if (Status s = CheckTerm(e); !s.ok()) return s;
  }
  // The sequencer chose a hold's slot on the state before this event, before AdvanceClock drops
  // the reservations whose retention is over (which frees slots, never takes one).
  if (TypeOf(e) == EventType::kHoldPlaced) decided_hold_id_ = NextReservationId();
  AdvanceClock(e.ts);
  Status s = ApplyBody(e);
  if (!s.ok()) return s;
  RecordSales(e);
  last_seq_ = e.seq;
  if (e.idem && !config_.reads_only) {
    idempotency_.Insert(e.idem->user, e.idem->key,
                        IdemEntry{e.idem->fingerprint, e.seq, OutcomeOf(e), e.ts});
  }
  return Status::OK();
}

Status EngineState::CheckTerm(const Event& e) {
  if (TypeOf(e) != EventType::kTermStarted) {
    if (e.term == term_) return Status::OK();
    return Status::Corruption(At(e) + "an event of term " + std::to_string(e.term) +
                              " in term " + std::to_string(term_));
  }
  const Term next = std::get<TermStarted>(e.body).term;
  if (next <= term_ || e.term != next)
    return Status::Corruption(At(e) + "term " + std::to_string(next) +
                              " cannot start after term " + std::to_string(term_));
  return Status::OK();
}

void EngineState::AdvanceClock(TimeMs now) {
  if (now > clock_) clock_ = now;
  idempotency_.Evict(clock_);
  // Every event moves the clock; a reservation is due for dropping far less often.
  if (!ended_.empty() && ended_.front().at + config_.ended_retention_ms <= clock_)
    DropRetained();
}

void EngineState::DropRetained() {
  while (!ended_.empty()) {
    if (ended_.front().at + config_.ended_retention_ms > clock_) break;
    const ReservationId id = ended_.front().id;
    Reservation* r = reservations_.Find(id);
    if (r != nullptr) {
      const Payment* p = payments_.Find(r->payment);
      if (p != nullptr && !p->NeedsWorker()) payments_.Erase(r->payment);
      seat_pool_.Free(&r->seats);
      first_ticket_of_.Erase(id);
      reservations_.Erase(id);
    }
    ended_.pop_front();
  }
}

void EngineState::ReturnSeats(Concert& c, const Reservation& r, TimeMs at) {
  for (SeatIndex s : r.seats) {
    const TimeMs returns_at = c.spec->ReturnsAt(r.id, s, at);
    if (returns_at <= at) {
      c.seats.Free(s);
      continue;
    }
    c.seats.Withhold(s, returns_at);
    if (!config_.reads_only) returns_.Push({returns_at, c.id, s});
  }
  if (config_.reads_only) return;
  if (const uint32_t slot = UserSlotCached(r.user); slot != kNoUserSlot)
    c.seats_per_user.Subtract(slot, static_cast<uint32_t>(r.seats.size()));
}

Status EngineState::EndReservation(Reservation& r, ReservationStatus end, TimeMs at) {
  Concert* c = CachedConcert(r.concert);
  if (c == nullptr) return Status::Corruption("reservation of an unknown concert");
  if (r.timer_slot != Reservation::kNoTimer) timers_.Remove(&r);
  ReturnSeats(*c, r, at);
  if (c->room && IsLive(r.status)) c->room->OnHoldEnded(r.user, false, at);
  r.status = end;
  r.ended_at = at;
  ended_.push_back(Ended{r.id, at});
  return Status::OK();
}

bool EngineState::IsReturningAt(const ReturnTimers::Entry& e) const {
  const Concert* c = FindConcert(e.concert);
  return c != nullptr && e.seat < c->seats.size() &&
         c->seats.status(e.seat) == SeatStatus::kReturning && c->seats.returns_at(e.seat) == e.at;
}

Status EngineState::ApplySeatsReturned(const Event& e) {
  const auto& b = std::get<SeatsReturned>(e.body);
  Concert* c = CachedConcert(b.concert);
  if (c == nullptr) return Status::Corruption(At(e) + "seats returned to an unknown concert");
  // Every seat is checked before any is freed: a refused record changes nothing.
  for (std::size_t i = 0; i < b.seats.size(); ++i) {
    const SeatIndex s = b.seats[i];
    if (s >= c->seats.size() || c->seats.status(s) != SeatStatus::kReturning ||
        c->seats.returns_at(s) > e.ts ||
        std::find(b.seats.begin(), b.seats.begin() + i, s) != b.seats.begin() + i)
      return Status::Corruption(At(e) + "seat " + std::to_string(s) +
                                " is not due to return");
  }
  for (SeatIndex s : b.seats) c->seats.Free(s);
  // The returned seats' entries, and any others gone stale, leave the top of the heap.
  while (!returns_.empty() && !IsReturningAt(*returns_.Top())) returns_.Pop();
  return Status::OK();
}

Status EngineState::StartCooldown(const Reservation& r, TimeMs at) {
  Concert* found = CachedConcert(r.concert);
  if (found == nullptr) return Status::Corruption("reservation of an unknown concert");
  Concert& c = *found;
  if (c.spec->rehold_cooldown_ms <= 0 || config_.reads_only) return Status::OK();
  const TimeMs until = at + c.spec->rehold_cooldown_ms;
  for (SeatIndex s : r.seats) c.seats.StartCooldown(s, r.user, until);
  return Status::OK();
}

const Payment* EngineState::FindPayment(PaymentId id) const { return payments_.Find(id); }

const Session* EngineState::FindSession(const TokenDigest& refresh_digest, TimeMs now) const {
  const SessionId* id = session_by_digest_.Find(refresh_digest);
  if (id == nullptr) return nullptr;
  const Session& s = sessions_.at(*id);
  return s.expires_at > now ? &s : nullptr;
}

const Session* EngineState::FindRetiredSession(const TokenDigest& refresh_digest) const {
  const SessionId* id = session_by_retired_digest_.Find(refresh_digest);
  return id == nullptr ? nullptr : &sessions_.at(*id);
}

void EngineState::AddSession(const Session& s, TimeMs now) {
  // A copy: RemoveSession changes the table the list lives in.
  if (const auto* mine = sessions_of_user_.Find(s.user)) {
    const InlineList<SessionId, kMaxSessionsPerUser> before = *mine;
    for (SessionId id : before)
      if (sessions_.at(id).expires_at <= now) RemoveSession(id);
  }
  if (const auto* live = sessions_of_user_.Find(s.user);
      live != nullptr && live->size() >= kMaxSessionsPerUser)
    RemoveSession(live->front());
  *sessions_.Emplace(s.id).first = s;
  session_by_digest_.Insert(s.refresh_digest, s.id);
  sessions_of_user_[s.user].push_back(s.id);
}

void EngineState::RemoveSession(SessionId id) {
  const Session* s = sessions_.Find(id);
  if (s == nullptr) return;
  session_by_digest_.Erase(s->refresh_digest);
  for (const TokenDigest& d : s->retired) session_by_retired_digest_.Erase(d);
  if (auto* mine = sessions_of_user_.Find(s->user)) {
    mine->erase(id);
    if (mine->empty()) sessions_of_user_.Erase(s->user);
  }
  sessions_.Erase(id);
}

// Accounts and sessions.
Status EngineState::ApplyAccount(const Event& e) {
  switch (TypeOf(e)) {
    case EventType::kUserRegistered: {
      const auto& b = std::get<UserRegistered>(e.body);
      if (b.user == 0 || users_.contains(b.user) || FindUserByEmail(b.email) != nullptr)
        return Status::Corruption(At(e) + "user already exists");
      *users_.Emplace(b.user).first = User{b.user, b.email, b.password_hash, b.role, b.name};
      user_by_email_.Insert(b.email, b.user);
      return Status::OK();
    }
    case EventType::kSessionStarted: {
      const auto& b = std::get<SessionStarted>(e.body);
      if (!users_.contains(b.user) || sessions_.contains(b.session) ||
          session_by_digest_.Contains(b.refresh_digest))
        return Status::Corruption(At(e) + "session cannot be started");
      AddSession(Session{b.session, b.user, b.refresh_digest, b.expires_at, {}}, e.ts);
      return Status::OK();
    }
    case EventType::kSessionRefreshed: {
      const auto& b = std::get<SessionRefreshed>(e.body);
      Session* s = sessions_.Find(b.session);
      if (s == nullptr || s->user != b.user || session_by_digest_.Contains(b.refresh_digest))
        return Status::Corruption(At(e) + "session cannot be refreshed");
      session_by_digest_.Erase(s->refresh_digest);
      if (s->retired.size() >= kMaxRetiredDigests) {
        session_by_retired_digest_.Erase(s->retired.front());
        s->retired.erase_at(0);
      }
      s->retired.push_back(s->refresh_digest);
      session_by_retired_digest_[s->refresh_digest] = s->id;
      s->refresh_digest = b.refresh_digest;
      s->expires_at = b.expires_at;
      session_by_digest_.Insert(b.refresh_digest, b.session);
      return Status::OK();
    }
    case EventType::kSessionEnded: {
      const auto& b = std::get<SessionEnded>(e.body);
      const Session* s = sessions_.Find(b.session);
      if (s == nullptr || s->user != b.user)
        return Status::Corruption(At(e) + "unknown session ended");
      RemoveSession(b.session);
      return Status::OK();
    }
    case EventType::kAccountStatusChanged: {
      const auto& b = std::get<AccountStatusChanged>(e.body);
      User* u = users_.Find(b.user);
      if (u == nullptr || u->disabled == b.disabled)
        return Status::Corruption(At(e) + "account status cannot change");
      u->disabled = b.disabled;
      // A disabled account's sessions end, so its tokens stop at once and stay stopped if it
      // is enabled again (a new login then).
      if (b.disabled) {
        if (const auto* mine = sessions_of_user_.Find(b.user)) {
          const std::vector<SessionId> ids(mine->begin(), mine->end());
          for (SessionId id : ids) RemoveSession(id);
        }
      }
      return Status::OK();
    }
    default:
      return Status::Corruption(At(e) + "not an event of this area");
  }
}

// Venues, concerts and their sales.
Status EngineState::ApplyCatalog(const Event& e) {
  switch (TypeOf(e)) {
    case EventType::kVenueCreated: {
      const auto& b = std::get<VenueCreated>(e.body);
      std::string why;
      if (!b.spec || venues_.contains(b.venue) || ValidateVenue(*b.spec, &why) != ResultCode::kOk)
        return Status::Corruption(At(e) + "venue cannot be created " + why);
      venues_.emplace(b.venue, Venue::Build(b.venue, b.spec));
      return Status::OK();
    }
    case EventType::kConcertCreated: {
      const auto& b = std::get<ConcertCreated>(e.body);
      const Venue* venue = b.spec ? FindVenue(b.spec->venue) : nullptr;
      if (venue == nullptr || concerts_.contains(b.concert))
        return Status::Corruption(At(e) + "concert cannot be created");
      auto c = std::make_unique<Concert>(b.concert, b.spec, *venue);
      // Room for a ticket per seat, so selling the house out does not grow the table.
      tickets_.Reserve(tickets_.size() + venue->seats.size());
      IndexConcert(*c);
      concerts_.emplace(b.concert, std::move(c));
      PlanNextPhase();
      return Status::OK();
    }
    case EventType::kSalesOpened:
    case EventType::kSalesClosed: {
      const bool open = TypeOf(e) == EventType::kSalesOpened;
      const ConcertId id =
          open ? std::get<SalesOpened>(e.body).concert : std::get<SalesClosed>(e.body).concert;
      auto it = concerts_.find(id);
      if (it == concerts_.end()) return Status::Corruption(At(e) + "unknown concert");
      it->second->sales = open ? SalesState::kOpen : SalesState::kClosed;
      return Status::OK();
    }
    default:
      return ApplySalePhases(e);
  }
}

// Holds and what ends them.
Status EngineState::ApplyReservation(const Event& e) {
  auto live_reservation = [&](ReservationId id, Reservation** out) -> Status {
    Reservation* r = reservations_.Find(id);
    if (r == nullptr || !IsLive(r->status))
      return Status::Corruption(At(e) + "reservation " + std::to_string(id) + " is not live");
    *out = r;
    return Status::OK();
  };
  switch (TypeOf(e)) {
    case EventType::kHoldPlaced: {
      const auto& b = std::get<HoldPlaced>(e.body);
      Concert* found = CachedConcert(b.concert);
      const uint32_t user_slot = UserSlotCached(b.user);
      if (found == nullptr || b.seats.empty() || user_slot == kNoUserSlot)
        return Status::Corruption(At(e) + "hold cannot be placed");
      Concert& c = *found;
      for (SeatIndex s : b.seats)
        if (s >= c.seats.size() || !c.seats.IsAvailable(s))
          return Status::Corruption(At(e) + "seat " + std::to_string(s) + " is not available");
      // A slot id: the one the sequencer takes (the lowest free slot), in this timeline. An
      // id made by seq: only as the journals of format 13 and older made it.
      const bool slot_id = SlotTable<Reservation>::IsSlotId(b.reservation);
      Reservation* placed =
          (slot_id ? b.reservation == decided_hold_id_ : b.reservation == IdOf(e.seq))
              ? reservations_.Insert(b.reservation)
              : nullptr;
      if (placed == nullptr)
        return Status::Corruption(At(e) + "hold cannot be placed: its id " +
                                  std::to_string(b.reservation) + " is not the next one");
      Reservation& r = *placed;
      // Every live reservation has one timer: the heap grows with the slab, never on its own.
      if (!config_.reads_only)
        timers_.Reserve(reservations_.slot_capacity() + reservations_.legacy_size());
      // A fresh record (the id was checked above): the fields not set keep their defaults.
      r.id = b.reservation;
      r.user = b.user;
      r.concert = b.concert;
      r.amount = b.amount;
      r.created_at = e.ts;
      r.expires_at = b.expires_at;
      r.seats = seat_pool_.Store(b.seats);
      for (SeatIndex s : b.seats) c.seats.Hold(s, b.reservation);
      if (!config_.reads_only) {
        c.seats_per_user.Add(user_slot, b.seats.count);
        timers_.Push(&r);
      }
      if (c.room) c.room->OnHoldPlaced(b.user);
      return Status::OK();
    }
    case EventType::kHoldReleased: {
      Reservation* r;
      if (Status s = live_reservation(std::get<HoldReleased>(e.body).reservation, &r); !s.ok())
        return s;
      if (Status s = StartCooldown(*r, e.ts); !s.ok()) return s;
      return EndReservation(*r, ReservationStatus::kCancelled, e.ts);
    }
    case EventType::kHoldExpired: {
      Reservation* r;
      if (Status s = live_reservation(std::get<HoldExpired>(e.body).reservation, &r); !s.ok())
        return s;
      if (Status s = StartCooldown(*r, e.ts); !s.ok()) return s;
      return EndReservation(*r, ReservationStatus::kExpired, e.ts);
    }
    case EventType::kReservationConfirmed: {
      Reservation* r;
      if (Status s = live_reservation(std::get<ReservationConfirmed>(e.body).reservation, &r);
          !s.ok())
        return s;
      Concert& c = *concerts_.at(r->concert);
      if (r->timer_slot != Reservation::kNoTimer) timers_.Remove(r);
      for (SeatIndex s : r->seats) c.seats.Sell(s, r->id);
      r->status = ReservationStatus::kConfirmed;
      if (c.room) {
        // A purchase completes the admission it was made in. With phases, a hold carried over
        // from an earlier phase's room was not: paying it leaves this phase's admission open.
        const QueueTicket* t = c.spec->phase_count() > 1 ? c.room->Find(r->user) : nullptr;
        const bool made_here = c.spec->phase_count() == 1 ||
                               (t != nullptr && t->admitted_at != 0 && r->created_at >= t->admitted_at);
        c.room->OnHoldEnded(r->user, made_here, e.ts);
      }
      return Status::OK();
    }
    case EventType::kReservationRefunded: {
      const auto& b = std::get<ReservationRefunded>(e.body);
      Reservation* r = reservations_.Find(b.reservation);
      if (r == nullptr || r->status != ReservationStatus::kConfirmed)
        return Status::Corruption(At(e) + "refund of a reservation that is not confirmed");
      RevokeTickets(*r);
      return EndReservation(*r, ReservationStatus::kRefunded, e.ts);
    }
    case EventType::kReservationCancelled: {
      const auto& b = std::get<ReservationCancelled>(e.body);
      Reservation* r = reservations_.Find(b.reservation);
      if (r == nullptr || r->status != ReservationStatus::kConfirmed || b.refund < 0 ||
          b.fee < 0 || b.refund + b.fee > r->amount)
        return Status::Corruption(At(e) + "cancellation of a reservation that is not confirmed");
      RevokeTickets(*r);
      return EndReservation(*r, ReservationStatus::kRefunded, e.ts);
    }
    case EventType::kSeatsReturned:
      return ApplySeatsReturned(e);
    case EventType::kHoldExtended: {
      const auto& b = std::get<HoldExtended>(e.body);
      Reservation* r = reservations_.Find(b.reservation);
      if (r == nullptr || r->status != ReservationStatus::kHeld || r->extended ||
          b.expires_at <= r->expires_at)
        return Status::Corruption(At(e) + "extension of a hold that cannot be extended");
      if (r->timer_slot != Reservation::kNoTimer) timers_.Remove(r);
      r->expires_at = b.expires_at;
      r->extended = true;
      if (!config_.reads_only) timers_.Push(r);
      return Status::OK();
    }
    default:
      return Status::Corruption(At(e) + "not an event of this area");
  }
}

// One function per area of the state (event_types.h); the waiting room, the payment saga and
// the tickets have their own files.
Status EngineState::ApplyBody(const Event& e) {
  switch (AreaOf(TypeOf(e))) {
    case EventArea::kAccount:
      return ApplyAccount(e);
    case EventArea::kCatalog:
      return ApplyCatalog(e);
    case EventArea::kReservation:
      return ApplyReservation(e);
    case EventArea::kTicket:
      return ApplyTicket(e);
    case EventArea::kQueue:
      return ApplyQueue(e);
    case EventArea::kPayment:
      return ApplyPayment(e);
    case EventArea::kAnswer:
      return Status::OK();  // refusals and repeats change nothing
    case EventArea::kLog:
      return ApplyLog(e);
  }
  return Status::Corruption(At(e) + "unknown event type");
}

// The log's own bookkeeping: terms, timelines, digests and snapshot marks.
Status EngineState::ApplyLog(const Event& e) {
  switch (TypeOf(e)) {
    case EventType::kTermStarted:
      term_ = e.term;  // CheckTerm has made sure it is higher
      return Status::OK();
    case EventType::kTimelineStarted: {
      const auto& b = std::get<TimelineStarted>(e.body);
      // Ids only ever grow, and a base is a whole stride: slot ids of two timelines never meet.
      if (b.timeline <= timeline() || b.timeline > kMaxTimeline ||
          b.id_base != TimelineIdBase(b.timeline) || b.id_base < IdOf(last_seq_))
        return Status::Corruption(At(e) + "timeline " + std::to_string(b.timeline) +
                                  " (ids from " + std::to_string(b.id_base) +
                                  ") cannot follow timeline " + std::to_string(timeline()));
      timelines_.push_back(TimelineStart{b.timeline, e.seq, b.id_base});
      return Status::OK();
    }
    case EventType::kStateHashed: {
      // Changes nothing; checkers compare the digest before applying it (state_hash_checker.h).
      const Seq of = std::get<StateHashed>(e.body).state_seq;
      if (of == 0 || of > last_seq_)
        return Status::Corruption(At(e) + "a state hash of seq " + std::to_string(of) +
                                  ", which this state has not reached");
      return Status::OK();
    }
    case EventType::kSnapshotMarked:
      if (std::get<SnapshotMarked>(e.body).format == 0)
        return Status::Corruption(At(e) + "a snapshot mark without a state format");
      return Status::OK();
    default:
      return Status::Corruption(At(e) + "not an event of this area");
  }
}

Status EngineState::ApplyQueue(const Event& e) {
  const ConcertId id = std::visit(
      [](const auto& b) -> ConcertId {
        if constexpr (requires { b.concert; }) return b.concert;
        return 0;
      },
      e.body);
  auto it = concerts_.find(id);
  if (it == concerts_.end() || !it->second->room)
    return Status::Corruption(At(e) + "concert " + std::to_string(id) + " has no waiting room");
  WaitingRoom& room = *it->second->room;
  bool ok = false;
  switch (TypeOf(e)) {
    case EventType::kQueueJoined:
      ok = room.Join(IdOf(e.seq), std::get<QueueJoined>(e.body).user, e.ts);
      break;
    case EventType::kQueueOpened: {
      const auto& b = std::get<QueueOpened>(e.body);
      // A committed room reveals the seed it committed to, no other.
      ok = (b.order != OpenOrder::kRanked ||
            (room.draw() != nullptr && b.revealed == room.draw()->seed)) &&
           room.Open(b.seed, b.order, e.ts, e.seq);
      break;
    }
    case EventType::kQueueDrawn:
      ok = room.Draw(std::get<QueueDrawn>(e.body).count);
      break;
    case EventType::kQueueAdmitted: {
      const auto& b = std::get<QueueAdmitted>(e.body);
      ok = room.Admit(b.users, e.ts, b.expires_at);
      break;
    }
    case EventType::kQueueTicketsEnded: {
      const auto& b = std::get<QueueTicketsEnded>(e.body);
      ok = true;
      for (UserId u : b.users) ok = ok && room.End(u, b.why, e.ts);
      break;
    }
    default:
      break;
  }
  if (!ok)
    return Status::Corruption(At(e) + std::string(ToString(TypeOf(e))) +
                              " contradicts the waiting room of concert " + std::to_string(id));
  return Status::OK();
}

}  // namespace cm::engine
