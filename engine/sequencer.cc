#include "engine/sequencer.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "engine/best_available.h"
#include "engine/codec/state_codec.h"
#include "engine/hash.h"
#include "engine/reject.h"

namespace cm::engine {
// Authority comes from the engine's own user records, never from what the command claims:
// only the system role (the server's own threads; the gateway sets it only on a payment
// provider's deposit notice whose signature it checked, api/deposit_webhook.h) is taken as
// given. An admin is a user whose record says ADMIN.
bool Sequencer::IsAdmin(const Command& cmd) const {
  if (cmd.actor_role == Role::kSystem) return true;
  const User* u = state_.FindUser(cmd.actor);
  return u != nullptr && u->role == Role::kAdmin && !u->disabled;
}

// Door staff: STAFF, and admins too.
bool Sequencer::IsDoorStaff(const Command& cmd) const {
  if (IsAdmin(cmd)) return true;
  const User* u = state_.FindUser(cmd.actor);
  return u != nullptr && u->role == Role::kStaff && !u->disabled;
}

void Sequencer::Execute(const Command& cmd, EventSink& sink) {
  if (state_.clock() > now_) now_ = state_.clock();  // after a restart
  if (cmd.now > now_) now_ = cmd.now;
  if (const Reservation* first = state_.timers().Top(); first && first->expires_at <= now_)
    ExpireDueHolds(now_, sink);
  if (const ReturnTimers::Entry* next = state_.return_timers().Top(); next && next->at <= now_)
    ReturnDueSeats(now_, sink);
  if (state_.next_phase_at() <= now_) BeginDuePhases(sink);
  if (TypeOf(cmd) == CommandType::kTick) {
    StirEntropy(std::get<TickCmd>(cmd.body).entropy);
    CommitPendingDraws(sink);
    RunWaitingRooms(std::get<TickCmd>(cmd.body).entropy, sink);
    return;
  }

  if (cmd.has_idem) {
    const uint64_t fingerprint = Fingerprint(cmd);
    if (const IdemEntry* first = state_.idempotency().Find(cmd.actor, cmd.idem, now_)) {
      if (first->fingerprint != fingerprint) {
        Answer(Reject(cmd, ResultCode::kIdempotencyKeyReused, first->seq,
                      "the idempotency key was used for a different request"),
               cmd, nullptr, sink);
      } else {
        Answer(DuplicateCommand{first->seq, first->outcome.code, first->outcome.ref,
                                first->outcome.detail},
               cmd, nullptr, sink);
      }
      return;
    }
    const IdemRecord record{cmd.actor, cmd.idem, fingerprint};
    Answer(cmd, &record, sink);
    return;
  }
  Answer(cmd, nullptr, sink);
}

Seq Sequencer::MarkSnapshot(EventSink& sink) {
  const Seq marked = state_.last_seq();
  Emit(SnapshotMarked{kStateFormatVersion}, nullptr, nullptr, false, sink);
  return marked;
}

void Sequencer::RecordStateHash(Seq state_seq, uint64_t digest, uint8_t format,
                                EventSink& sink) {
  Emit(StateHashed{state_seq, digest, format}, nullptr, nullptr, false, sink);
}

void Sequencer::Answer(const Command& cmd, const IdemRecord* idem, EventSink& sink) {
  Event& e = sink.NextEvent();
  Decide(cmd, e.body);
  Seal(e, &cmd, idem, follow_ups_.empty(), sink);
  EmitFollowUps(cmd, sink);
}

void Sequencer::Answer(EventBody body, const Command& cmd, const IdemRecord* idem,
                       EventSink& sink) {
  Emit(std::move(body), &cmd, idem, follow_ups_.empty(), sink);
  EmitFollowUps(cmd, sink);
}

void Sequencer::EmitFollowUps(const Command& cmd, EventSink& sink) {
  for (std::size_t i = 0; i < follow_ups_.size(); ++i)
    Emit(std::move(follow_ups_[i]), &cmd, nullptr, i + 1 == follow_ups_.size(), sink);
  follow_ups_.clear();
}

void Sequencer::ExpireDueHolds(TimeMs now, EventSink& sink) {
  for (const Reservation* r = state_.timers().Top(); r != nullptr && r->expires_at <= now;
       r = state_.timers().Top()) {
    if (r->status == ReservationStatus::kPaymentPending) {
      const Payment* p = state_.FindPayment(r->payment);
      if (p != nullptr && p->IsDeposit() && p->status == PaymentStatus::kPending) {
        MissDepositDeadline(*r, *p, sink);
        continue;
      }
    }
    Event& e = sink.NextEvent();
    e.body.emplace<HoldExpired>(HoldExpired{r->id, r->concert, r->user});
    Seal(e, nullptr, nullptr, false, sink);
  }
}

void Sequencer::ReturnDueSeats(TimeMs now, EventSink& sink) {
  due_returns_.clear();
  state_.return_timers().ForEachDue(now, [&](const ReturnTimers::Entry& e) {
    if (state_.IsReturningAt(e)) due_returns_.push_back(e);
  });
  std::sort(due_returns_.begin(), due_returns_.end(), [](const auto& a, const auto& b) {
    return a.concert != b.concert ? a.concert < b.concert : a.seat < b.seat;
  });
  for (std::size_t i = 0; i < due_returns_.size();) {
    SeatsReturned returned{due_returns_[i].concert, {}};
    for (; i < due_returns_.size() && due_returns_[i].concert == returned.concert &&
           returned.seats.size() < kMaxSeatsPerHold;
         ++i)
      returned.seats.push_back(due_returns_[i].seat);
    Event& e = sink.NextEvent();
    e.body.emplace<SeatsReturned>(returned);
    Seal(e, nullptr, nullptr, false, sink);
  }
}

void Sequencer::RunWaitingRooms(uint64_t entropy, EventSink& sink) {
  for (ConcertId id : state_.rooms()) {
    const Concert& c = *state_.FindConcert(id);
    if (!c.room) continue;  // this phase has none
    const WaitingRoom& room = *c.room;
    if (c.sales != SalesState::kOpen || now_ >= c.spec->sales_close_at) continue;
    if (!room.opened()) {
      if (now_ < c.Phase().opens_at) continue;
      // Not without its committed draw (until the pool has its entropy after a start).
      if (room.awaits_draw()) continue;
      // A committed room reveals its seed; an older journal's draws from this tick's entropy.
      Emit(room.ranked() ? QueueOpened{id, 0, OpenOrder::kRanked, room.draw()->seed}
                         : QueueOpened{id, Mix64(entropy ^ id), OpenOrder::kDrawn, {}},
           nullptr, nullptr, false, sink);
    }
    // The pre-queue joins the line a batch per tick, so no tick stops the world.
    if (const uint64_t undrawn = room.undrawn(); undrawn > 0) {
      const uint64_t per_tick = std::max<uint32_t>(1, state_.config().queue_draws_per_tick);
      const uint64_t n = std::min(undrawn, per_tick);
      Emit(QueueDrawn{id, static_cast<uint32_t>(n)}, nullptr, nullptr, false, sink);
    }
    scratch_.clear();
    room.DueLapses(now_, &scratch_);
    if (!scratch_.empty())
      Emit(QueueTicketsEnded{id, TicketEnd::kLapsed, scratch_}, nullptr, nullptr, false, sink);
    if (const uint32_t n = room.AdmissionsAllowed(now_); n > 0) {
      scratch_.clear();
      room.NextInLine(n, &scratch_);
      if (!scratch_.empty())
        Emit(QueueAdmitted{id, now_ + room.settings().admission_ttl_ms, scratch_}, nullptr,
             nullptr, false, sink);
    }
  }
}

void Sequencer::Emit(EventBody body, const Command* cause, const IdemRecord* idem,
                     bool ends_command, EventSink& sink) {
  Event& e = sink.NextEvent();
  e.body = std::move(body);
  Seal(e, cause, idem, ends_command, sink);
}

void Sequencer::Seal(Event& e, const Command* cause, const IdemRecord* idem, bool ends_command,
                     EventSink& sink) {
  // `e` is reused: every field besides the body is set here.
  e.seq = state_.last_seq() + 1;
  e.ts = now_;
  const auto* started = std::get_if<TermStarted>(&e.body);
  e.term = started != nullptr ? started->term : state_.term();
  if (idem != nullptr) {
    e.idem = *idem;
  } else {
    e.idem.reset();
  }
  if (Status s = state_.Apply(e); !s.ok())
    throw std::logic_error("sequencer decided an event it cannot apply: " + s.ToString());
  sink.OnEvent(e, cause ? cause->request_token : 0, ends_command);
}

void Sequencer::Decide(const Command& cmd, EventBody& out) {
  switch (TypeOf(cmd)) {
    case CommandType::kHoldSeats:
      return DecideHoldSeats(cmd, std::get<HoldSeatsCmd>(cmd.body), out);
    case CommandType::kHoldBestAvailable:
      return DecideHoldBest(cmd, std::get<HoldBestAvailableCmd>(cmd.body), out);
    case CommandType::kReleaseHold:
      return DecideRelease(cmd, std::get<ReleaseHoldCmd>(cmd.body), out);
    default:
      out = DecideCold(cmd);
  }
}

EventBody Sequencer::DecideCold(const Command& cmd) {
  switch (TypeOf(cmd)) {
    case CommandType::kTick:
    case CommandType::kHoldSeats:  // decided in place (Decide)
    case CommandType::kHoldBestAvailable:
    case CommandType::kReleaseHold:
      break;
    case CommandType::kRegisterUser:
      return DecideRegisterUser(cmd, std::get<RegisterUserCmd>(cmd.body));
    case CommandType::kCreateVenue:
      return DecideCreateVenue(cmd, std::get<CreateVenueCmd>(cmd.body));
    case CommandType::kCreateConcert:
      return DecideCreateConcert(cmd, std::get<CreateConcertCmd>(cmd.body));
    case CommandType::kOpenSales:
      return DecideSales(cmd, std::get<OpenSalesCmd>(cmd.body).concert, true);
    case CommandType::kCloseSales:
      return DecideSales(cmd, std::get<CloseSalesCmd>(cmd.body).concert, false);
    case CommandType::kConfirmReservation:
      return DecideConfirm(cmd, std::get<ConfirmReservationCmd>(cmd.body));
    case CommandType::kRefundReservation:
      return DecideRefund(cmd, std::get<RefundReservationCmd>(cmd.body));
    case CommandType::kStartSession:
      return DecideStartSession(cmd, std::get<StartSessionCmd>(cmd.body));
    case CommandType::kRefreshSession:
      return DecideRefreshSession(cmd, std::get<RefreshSessionCmd>(cmd.body));
    case CommandType::kEndSession:
      return DecideEndSession(cmd, std::get<EndSessionCmd>(cmd.body));
    case CommandType::kJoinQueue:
      return DecideJoinQueue(cmd, std::get<JoinQueueCmd>(cmd.body));
    case CommandType::kLeaveQueue:
      return DecideLeaveQueue(cmd, std::get<LeaveQueueCmd>(cmd.body));
    case CommandType::kAbandonQueueTickets:
      return DecideAbandon(cmd, std::get<AbandonQueueTicketsCmd>(cmd.body));
    case CommandType::kRequestPayment:
      return DecideRequestPayment(cmd, std::get<RequestPaymentCmd>(cmd.body));
    case CommandType::kReportCharge:
      return DecideReportCharge(cmd, std::get<ReportChargeCmd>(cmd.body));
    case CommandType::kReportRefund:
      return DecideReportRefund(cmd, std::get<ReportRefundCmd>(cmd.body));
    case CommandType::kCheckIn:
      return DecideCheckIn(cmd, std::get<CheckInCmd>(cmd.body));
    case CommandType::kTransferTicket:
      return DecideTransfer(cmd, std::get<TransferTicketCmd>(cmd.body));
    case CommandType::kCancelReservation:
      return DecideCancel(cmd, std::get<CancelReservationCmd>(cmd.body));
    case CommandType::kExtendHold:
      return DecideExtend(cmd, std::get<ExtendHoldCmd>(cmd.body));
    case CommandType::kStartTerm:
      return DecideStartTerm(cmd, std::get<StartTermCmd>(cmd.body));
    case CommandType::kAdoptOrphanCharge:
      return DecideAdoptOrphan(cmd, std::get<AdoptOrphanChargeCmd>(cmd.body));
    case CommandType::kAcceptTransfer:
      return DecideAcceptTransfer(cmd, std::get<AcceptTransferCmd>(cmd.body));
    case CommandType::kEndTransferOffer:
      return DecideEndOffer(cmd, std::get<EndTransferOfferCmd>(cmd.body));
    case CommandType::kListMembers:
      return DecideListMembers(cmd, std::get<ListMembersCmd>(cmd.body));
    case CommandType::kClaimMemberCode:
      return DecideClaimMemberCode(cmd, std::get<ClaimMemberCodeCmd>(cmd.body));
    case CommandType::kReportVirtualAccount:
      return DecideVirtualAccount(cmd, std::get<ReportVirtualAccountCmd>(cmd.body));
    case CommandType::kReportDeposit:
      return DecideDeposit(cmd, std::get<ReportDepositCmd>(cmd.body));
    case CommandType::kRevokeTicket:
      return DecideRevokeTicket(cmd, std::get<RevokeTicketCmd>(cmd.body));
    case CommandType::kSetAccountStatus:
      return DecideAccountStatus(cmd, std::get<SetAccountStatusCmd>(cmd.body));
  }
  return Reject(cmd, ResultCode::kInvalidArgument, 0, "unknown command");
}

EventBody Sequencer::DecideRegisterUser(const Command& cmd, const RegisterUserCmd& c) {
  if (c.role != Role::kUser && !IsAdmin(cmd))
    return Reject(cmd, ResultCode::kForbidden, 0, "only an admin may create staff accounts");
  if (c.role == Role::kSystem || static_cast<uint8_t>(c.role) > kLastRole)
    return Reject(cmd, ResultCode::kInvalidArgument, 0, "accounts are USER, STAFF or ADMIN");
  if (c.email.empty() || c.password_hash.empty())
    return Reject(cmd, ResultCode::kInvalidArgument, 0, "email and password hash are required");
  if (const User* u = state_.FindUserByEmail(c.email))
    return Reject(cmd, ResultCode::kEmailTaken, u->id);
  return UserRegistered{state_.IdOf(state_.last_seq() + 1), c.email, c.password_hash, c.role,
                        c.name};
}

EventBody Sequencer::DecideStartTerm(const Command& cmd, const StartTermCmd& c) {
  if (cmd.actor_role != Role::kSystem)
    return Reject(cmd, ResultCode::kForbidden, 0, "only the server starts a term");
  if (c.term <= state_.term())
    return Reject(cmd, ResultCode::kInvalidArgument, state_.term(),
                  "a new term must be above the current one");
  return TermStarted{c.term, c.leader};
}

EventBody Sequencer::DecideStartSession(const Command& cmd, const StartSessionCmd& c) {
  const User* user = state_.FindUser(cmd.actor);
  if (user == nullptr) return Reject(cmd, ResultCode::kUnknownUser, cmd.actor);
  if (user->disabled) return Reject(cmd, ResultCode::kAccountDisabled, cmd.actor);
  if (c.expires_at <= now_)
    return Reject(cmd, ResultCode::kInvalidArgument, 0, "session would already be expired");
  if (state_.FindSession(c.refresh_digest, TimeMs{0}) != nullptr)
    return Reject(cmd, ResultCode::kInvalidArgument, 0, "refresh token already in use");
  return SessionStarted{state_.IdOf(state_.last_seq() + 1), cmd.actor, c.refresh_digest,
                        c.expires_at};
}

EventBody Sequencer::DecideRefreshSession(const Command& cmd, const RefreshSessionCmd& c) {
  const Session* s = state_.FindSession(c.old_digest, TimeMs{0});
  if (s == nullptr) {
    // A token this session already rotated away: someone else has (had) the session's
    // tokens. End the whole session, so the newer token stops working too.
    if (const Session* reused = state_.FindRetiredSession(c.old_digest))
      return SessionEnded{reused->id, reused->user};
    return Reject(cmd, ResultCode::kUnknownSession);
  }
  if (s->expires_at <= now_) return Reject(cmd, ResultCode::kSessionExpired, s->id);
  if (const User* u = state_.FindUser(s->user); u != nullptr && u->disabled)
    return Reject(cmd, ResultCode::kAccountDisabled, s->user);
  if (c.expires_at <= now_ || state_.FindSession(c.new_digest, TimeMs{0}) != nullptr)
    return Reject(cmd, ResultCode::kInvalidArgument, 0, "bad replacement token");
  return SessionRefreshed{s->id, s->user, c.new_digest, c.expires_at};
}

EventBody Sequencer::DecideEndSession(const Command& cmd, const EndSessionCmd& c) {
  const Session* s = state_.FindSession(c.refresh_digest, TimeMs{0});
  if (s == nullptr) return Reject(cmd, ResultCode::kUnknownSession);
  return SessionEnded{s->id, s->user};
}

EventBody Sequencer::DecideCreateVenue(const Command& cmd, const CreateVenueCmd& c) {
  if (!IsAdmin(cmd)) return Reject(cmd, ResultCode::kForbidden, 0, "admin only");
  if (!c.spec) return Reject(cmd, ResultCode::kInvalidArgument, 0, "no venue given");
  std::string why;
  if (ValidateNewVenue(*c.spec, &why) != ResultCode::kOk)
    return Reject(cmd, ResultCode::kInvalidVenue, 0, std::move(why));
  std::size_t seats = 0;
  for (const SectionSpec& section : c.spec->sections)
    for (const RowSpec& row : section.rows) seats += row.seats.size();
  if (seats > state_.config().max_venue_seats)
    return Reject(cmd, ResultCode::kInvalidVenue, seats,
                  "a venue holds at most " + std::to_string(state_.config().max_venue_seats) +
                      " seats");
  return VenueCreated{state_.IdOf(state_.last_seq() + 1), c.spec};
}

EventBody Sequencer::DecideCreateConcert(const Command& cmd, const CreateConcertCmd& c) {
  if (!IsAdmin(cmd)) return Reject(cmd, ResultCode::kForbidden, 0, "admin only");
  if (!c.spec) return Reject(cmd, ResultCode::kInvalidArgument, 0, "no concert given");
  const Venue* venue = state_.FindVenue(c.spec->venue);
  if (venue == nullptr) return Reject(cmd, ResultCode::kUnknownVenue, c.spec->venue);
  std::string why;
  if (ValidateNewConcert(*c.spec, *venue, &why) != ResultCode::kOk)
    return Reject(cmd, ResultCode::kInvalidConcert, 0, std::move(why));
  const ConcertId id = state_.IdOf(state_.last_seq() + 1);
  // Each waiting room's draw is fixed now, before anyone can join it; without entropy yet
  // (the first ticks since a start), on the first tick that has it, and joins wait for it.
  if (HasEntropy())
    for (uint32_t p = 0; p < c.spec->phase_count(); ++p)
      if (c.spec->Phase(p).waiting_room->enabled) follow_ups_.push_back(CommitDraw(id, p));
  return ConcertCreated{id, c.spec};
}

EventBody Sequencer::DecideSales(const Command& cmd, ConcertId id, bool open) {
  if (!IsAdmin(cmd)) return Reject(cmd, ResultCode::kForbidden, 0, "admin only");
  if (state_.FindConcert(id) == nullptr) return Reject(cmd, ResultCode::kUnknownConcert, id);
  if (open) return SalesOpened{id};
  return SalesClosed{id};
}

const Concert* Sequencer::CheckCanHold(const Command& cmd, ConcertId id, uint32_t count,
                                        EventBody& out) {
  const uint32_t user_slot = state_.UserSlotCached(cmd.actor);
  if (user_slot == EngineState::kNoUserSlot) {
    RejectInto(out, cmd, ResultCode::kUnknownUser, cmd.actor);
    return nullptr;
  }
  const Concert* c = state_.FindConcertCached(id);
  const PhaseRules phase = c != nullptr ? c->Phase() : PhaseRules{};
  ResultCode refused = ResultCode::kOk;
  uint64_t detail = id;
  if (c == nullptr) {
    refused = ResultCode::kUnknownConcert;
  } else if (c->sales == SalesState::kClosed || now_ >= c->spec->sales_close_at) {
    refused = ResultCode::kSalesClosed;
  } else if (c->sales != SalesState::kOpen) {
    refused = ResultCode::kSalesNotOpen;
    detail = 0;  // not opened by an admin: no time to tell
  } else if (now_ < phase.opens_at) {
    refused = ResultCode::kSalesNotOpen;  // before the sale, or between two phases
    detail = static_cast<uint64_t>(phase.opens_at);
  } else if (phase.members_only && !IsAdmin(cmd) && !state_.IsMember(*c, cmd.actor)) {
    refused = ResultCode::kNotAMember;
  } else if (c->room && !c->room->IsAdmitted(cmd.actor) && !IsAdmin(cmd)) {
    // The engine's admitted set is the proof of admission: it cannot be forged or replayed,
    // and it stops working the moment the admission lapses.
    refused = ResultCode::kQueueAdmissionRequired;
  } else if (count == 0) {
    RejectInto(out, cmd, ResultCode::kInvalidArgument, 0, "no seats asked for");
    return nullptr;
  } else if (count > kMaxSeatsPerHold) {
    refused = ResultCode::kTooManySeats;
    detail = kMaxSeatsPerHold;
  } else if (const uint32_t taken = state_.SeatsOfCached(id, user_slot),
             limit = phase.max_seats_per_user;
             taken + count > limit) {
    refused = ResultCode::kSeatLimitExceeded;
    detail = taken >= limit ? 0 : limit - taken;
  }
  if (refused == ResultCode::kOk) return c;
  RejectInto(out, cmd, refused, detail);
  return nullptr;
}

bool Sequencer::RefuseCooling(const Command& cmd, const Concert& c, const SeatList& seats,
                              EventBody& out) {
  TimeMs latest = 0;
  for (SeatIndex s : seats) latest = std::max(latest, c.seats.CoolingUntil(s, cmd.actor, now_));
  if (latest == 0) return false;
  CommandRejected& cooling =
      RejectInto(out, cmd, ResultCode::kSeatCooldown, static_cast<uint64_t>(latest));
  for (SeatIndex s : seats)  // in the order asked
    if (c.seats.CoolingUntil(s, cmd.actor, now_) != 0) cooling.seats.push_back(s);
  return true;
}

void Sequencer::MakeHold(const Command& cmd, const Concert& c, const SeatList& seats,
                         EventBody& out) {
  const ReservationId id = state_.NextReservationId();
  if (id == 0) return void(RejectInto(out, cmd, ResultCode::kReservationsFull));
  HoldPlaced& h = out.emplace<HoldPlaced>();
  h.reservation = id;
  h.concert = c.id;
  h.user = cmd.actor;
  for (SeatIndex s : seats) h.amount += c.PriceOf(s);
  h.expires_at = now_ + c.spec->hold_ttl_ms;
  h.seats = seats;
}

void Sequencer::DecideHoldSeats(const Command& cmd, const HoldSeatsCmd& c, EventBody& out) {
  const uint32_t count = c.requested > c.seats.count ? c.requested : c.seats.count;
  const Concert* concert = CheckCanHold(cmd, c.concert, count, out);
  if (concert == nullptr) return;
  bool any_taken = false;
  for (std::size_t i = 0; i < c.seats.size(); ++i) {
    const SeatIndex s = c.seats[i];
    if (s >= concert->seats.size()) {
      RejectInto(out, cmd, ResultCode::kUnknownSeat, s);
      return;
    }
    for (std::size_t j = 0; j < i; ++j)
      if (c.seats[j] == s) {
        RejectInto(out, cmd, ResultCode::kDuplicateSeat, s);
        return;
      }
    any_taken |= !concert->seats.IsAvailable(s);
  }
  if (any_taken) {  // every requested seat that was taken, in the order asked
    CommandRejected& taken = RejectInto(out, cmd, ResultCode::kSeatNotAvailable);
    for (SeatIndex s : c.seats)
      if (!concert->seats.IsAvailable(s)) taken.seats.push_back(s);
    taken.detail = taken.seats[0];
    return;
  }
  if (RefuseCooling(cmd, *concert, c.seats, out)) return;
  if (RefuseCompanions(cmd, *concert, c.seats, out)) return;
  MakeHold(cmd, *concert, c.seats, out);
}

bool Sequencer::RefuseCompanions(const Command& cmd, const Concert& c, const SeatList& seats,
                                 EventBody& out) {
  const Venue& v = *c.venue;
  if (v.accessible_seats == 0 || IsAdmin(cmd) || !c.spec->WithholdsAccessible(now_))
    return false;
  // Per section of the hold's seats: its wheelchair spaces and companion seats (16 at most).
  for (SeatIndex s : seats) {
    if ((v.seats[s].attributes & kSeatCompanion) == 0) continue;
    const uint32_t section = v.rows[v.seats[s].row].section;
    uint32_t spaces = 0, companions = 0;
    for (SeatIndex t : seats) {
      if (v.rows[v.seats[t].row].section != section) continue;
      spaces += (v.seats[t].attributes & kSeatWheelchair) != 0;
      companions += (v.seats[t].attributes & kSeatCompanion) != 0;
    }
    if (companions > spaces * c.spec->accessible.companions_per_space) {
      RejectInto(out, cmd, ResultCode::kCompanionNeedsWheelchair, s);
      return true;
    }
  }
  return false;
}

void Sequencer::DecideHoldBest(const Command& cmd, const HoldBestAvailableCmd& c,
                               EventBody& out) {
  const Concert* concert = CheckCanHold(cmd, c.concert, c.count, out);
  if (concert == nullptr) return;
  if (c.grade != kAnyGrade &&
      (c.grade < 0 || static_cast<std::size_t>(c.grade) >= concert->venue->grade_count()))
    return void(RejectInto(out, cmd, ResultCode::kUnknownGrade, static_cast<uint64_t>(c.grade)));
  if (c.section != kAnySection &&
      (c.section < 0 || static_cast<std::size_t>(c.section) >= concert->venue->section_count()))
    return void(
        RejectInto(out, cmd, ResultCode::kUnknownSection, static_cast<uint64_t>(c.section)));
  SeatList seats;
  // The seats this user just gave up are not theirs to have again yet: best-available passes
  // over them (no way around the cooldown) and picks the next best.
  const BestAvailableCaller caller{cmd.actor, now_};
  BestAvailableRequest req{c.count, c.grade, c.section};
  // Wheelchair spaces and companion seats go to those who ask for them, until their release.
  const bool withheld = concert->venue->accessible_seats > 0 &&
                        concert->spec->WithholdsAccessible(now_);
  if (withheld && !c.accessible) req.exclude = kAccessibleSeat;
  const bool found =
      c.accessible ? FindAccessibleSeats(*concert->venue, concert->seats, req,
                                         concert->spec->accessible.companions_per_space, &seats,
                                         &caller)
                   : FindBestAvailable(*concert->venue, concert->seats, req, &seats, &caller);
  if (!found) return void(RejectInto(out, cmd, ResultCode::kNoAdjacentSeats, c.count));
  MakeHold(cmd, *concert, seats, out);
}

void Sequencer::DecideRelease(const Command& cmd, const ReleaseHoldCmd& c, EventBody& out) {
  const Reservation* r = state_.FindReservation(c.reservation);
  if (r == nullptr) return void(RejectInto(out, cmd, ResultCode::kUnknownReservation, c.reservation));
  if (r->user != cmd.actor && !IsAdmin(cmd))
    return void(RejectInto(out, cmd, ResultCode::kNotReservationOwner, c.reservation));
  if (r->status == ReservationStatus::kExpired)
    return void(RejectInto(out, cmd, ResultCode::kHoldExpired, c.reservation));
  if (r->status != ReservationStatus::kHeld)
    return void(RejectInto(out, cmd, ResultCode::kReservationNotHeld,
                           static_cast<uint64_t>(r->status)));
  out.emplace<HoldReleased>(HoldReleased{c.reservation, r->concert, r->user, cmd.actor});
}

EventBody Sequencer::DecideConfirm(const Command& cmd, const ConfirmReservationCmd& c) {
  if (!IsAdmin(cmd)) return Reject(cmd, ResultCode::kForbidden, 0, "payments confirm holds");
  const Reservation* r = state_.FindReservation(c.reservation);
  if (r == nullptr) return Reject(cmd, ResultCode::kUnknownReservation, c.reservation);
  if (r->status == ReservationStatus::kExpired)
    return Reject(cmd, ResultCode::kHoldExpired, c.reservation);
  // A reservation being paid for is the payment's to confirm.
  if (r->status != ReservationStatus::kHeld)
    return Reject(cmd, ResultCode::kReservationNotHeld, static_cast<uint64_t>(r->status));
  IssueTickets(*r);
  return ReservationConfirmed{c.reservation, r->concert, r->user, cmd.actor};
}

EventBody Sequencer::DecideRefund(const Command& cmd, const RefundReservationCmd& c) {
  if (!IsAdmin(cmd)) return Reject(cmd, ResultCode::kForbidden, 0, "admin only");
  if (c.reason.size() > kMaxSupportReason)
    return Reject(cmd, ResultCode::kInvalidArgument, 0, "a reason is at most 500 bytes");
  const Reservation* r = state_.FindReservation(c.reservation);
  if (r == nullptr) return Reject(cmd, ResultCode::kUnknownReservation, c.reservation);
  if (r->status != ReservationStatus::kConfirmed)
    return Reject(cmd, ResultCode::kReservationNotConfirmed, static_cast<uint64_t>(r->status));
  // A paid reservation's money goes back through the saga's worker.
  if (const Payment* p = state_.FindPayment(r->payment);
      p != nullptr && p->status == PaymentStatus::kSucceeded && !p->refund_requested)
    follow_ups_.push_back(RefundIssued{p->id, r->id, r->concert, r->user, p->amount,
                                       RefundReason::kReservationRefunded});
  return ReservationRefunded{c.reservation, r->amount, r->concert, r->user, cmd.actor, c.reason};
}

EventBody Sequencer::DecideJoinQueue(const Command& cmd, const JoinQueueCmd& c) {
  if (!state_.HasUser(cmd.actor))
    return Reject(cmd, ResultCode::kUnknownUser, cmd.actor);
  const Concert* concert = state_.FindConcert(c.concert);
  if (concert == nullptr) return Reject(cmd, ResultCode::kUnknownConcert, c.concert);
  if (!concert->room) return Reject(cmd, ResultCode::kQueueNotEnabled, c.concert);
  if (concert->sales == SalesState::kClosed || now_ >= concert->spec->sales_close_at)
    return Reject(cmd, ResultCode::kSalesClosed, c.concert);
  // A phase's room takes joins from its pre-queue window, once the phase before has closed.
  const TimeMs opens_at = concert->Phase().opens_at - concert->room->settings().pre_queue_ms;
  if (now_ < opens_at)
    return Reject(cmd, ResultCode::kQueueNotOpenYet, static_cast<uint64_t>(opens_at));
  if (concert->Phase().members_only && !state_.IsMember(*concert, cmd.actor))
    return Reject(cmd, ResultCode::kNotAMember, c.concert);
  // The room's draw is not committed yet (only in the first ticks after a start).
  if (concert->room->awaits_draw())
    return Reject(cmd, ResultCode::kQueueDrawNotCommitted, c.concert);
  if (const QueueTicket* t = concert->room->Find(cmd.actor);
      t != nullptr && (t->status == TicketStatus::kWaiting || t->status == TicketStatus::kAdmitted))
    return Reject(cmd, ResultCode::kAlreadyInQueue, t->id);
  return QueueJoined{c.concert, cmd.actor};
}

EventBody Sequencer::DecideLeaveQueue(const Command& cmd, const LeaveQueueCmd& c) {
  const Concert* concert = state_.FindConcert(c.concert);
  if (concert == nullptr) return Reject(cmd, ResultCode::kUnknownConcert, c.concert);
  if (!concert->room) return Reject(cmd, ResultCode::kQueueNotEnabled, c.concert);
  const QueueTicket* t = concert->room->Find(cmd.actor);
  if (t == nullptr ||
      (t->status != TicketStatus::kWaiting && t->status != TicketStatus::kAdmitted))
    return Reject(cmd, ResultCode::kNotInQueue, c.concert);
  return QueueTicketsEnded{c.concert, TicketEnd::kLeft, {cmd.actor}};
}

EventBody Sequencer::DecideAbandon(const Command& cmd, const AbandonQueueTicketsCmd& c) {
  if (cmd.actor_role != Role::kSystem)
    return Reject(cmd, ResultCode::kForbidden, 0, "presence is the gateway's to report");
  const Concert* concert = state_.FindConcert(c.concert);
  if (concert == nullptr) return Reject(cmd, ResultCode::kUnknownConcert, c.concert);
  if (!concert->room) return Reject(cmd, ResultCode::kQueueNotEnabled, c.concert);
  QueueTicketsEnded ended{c.concert, TicketEnd::kAbandoned, c.users};
  std::sort(ended.users.begin(), ended.users.end());
  ended.users.erase(std::unique(ended.users.begin(), ended.users.end()), ended.users.end());
  std::erase_if(ended.users, [&](UserId u) {
    const QueueTicket* t = concert->room->Find(u);
    return t == nullptr || t->status != TicketStatus::kWaiting;
  });
  return ended;
}

}  // namespace cm::engine
