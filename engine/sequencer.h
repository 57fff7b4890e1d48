#pragma once
// The sequencer: decides each command against the current state, emits the resulting events
// with the next global sequence numbers, applies them, and hands them to a sink. It is pure:
// no I/O, no clock reads, no randomness. Time arrives in commands; a command's `now` first
// expires every hold that is due at that time (so expiry happens exactly at the TTL), then the
// command is decided.
// A Tick also runs the waiting rooms: opening, drawing the pool into the line, lapsing
// admissions that ran out, and admitting the next in line as far as the cap and the rate
// allow. Its cost is O(rooms + drawn, admitted and lapsed in this tick), never O(waiting).
// Each tick's entropy is stirred into a pool (sequencer_draws.cc) from which the secrets of
// the rooms' committed draws are taken when a concert is created (engine/opening_draw.h).
// Thread-safety: none; exactly one thread drives a Sequencer.

#include <cassert>
#include <cstdint>
#include <optional>

#include "engine/command.h"
#include "engine/engine_state.h"
#include "engine/event.h"

namespace cm::engine {

// Receives every event right after it has been applied.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // Where the sequencer builds its next event: an event of the sink's own by default. A sink
  // that keeps events (an output ring) hands out the place it keeps the next one in, so the
  // event is built there and never copied. OnEvent then receives that same event.
  virtual Event& NextEvent() { return next_; }
  // `request_token` is the token of the command that caused the event (0 for expiries);
  // `ends_command` is true on the last event of a command.
  virtual void OnEvent(const Event& e, uint64_t request_token, bool ends_command) = 0;

 private:
  Event next_;
};

class Sequencer {
 public:
  // REQUIRES: !state.config().reads_only (a read model's state cannot decide).
  explicit Sequencer(EngineState& state) : state_(state) { assert(!state.config().reads_only); }

  // Decides one command. Every non-Tick command produces exactly one answering event (an
  // acceptance, a CommandRejected or a DuplicateCommand), preceded by any expiries that are due.
  // Throws std::logic_error if a decided event fails to apply: that is a bug, and the caller
  // must stop.
  void Execute(const Command& cmd, EventSink& sink);

  // Marks the state as it stands for a snapshot (engine/event.h SnapshotMarked): whoever takes
  // it (runtime/snapshot_taker.h) encodes the state the log gives at that seq, off this thread.
  // Returns the seq of the state marked.
  Seq MarkSnapshot(EventSink& sink);
  // Writes `digest`, the EncodedStateDigest of the state at `state_seq` in `format`, into the
  // log (StateHashed): for a snapshot marked earlier, or for the state as it stands.
  void RecordStateHash(Seq state_seq, uint64_t digest, uint8_t format, EventSink& sink);

  const EngineState& state() const { return state_; }

  // Ticks whose entropy (64 bits each) the sequencer must have had since its start before it
  // draws a waiting room's secrets, so a commitment cannot be searched from fewer than 2^256.
  static constexpr uint64_t kEntropyTicks = 4;

 private:
  bool IsAdmin(const Command& cmd) const;
  bool IsDoorStaff(const Command& cmd) const;
  void ExpireDueHolds(TimeMs now, EventSink& sink);
  // Puts back on sale every returning seat whose moment has come: SeatsReturned events, by
  // concert and seat, up to kMaxSeatsPerHold seats each.
  void ReturnDueSeats(TimeMs now, EventSink& sink);
  void RunWaitingRooms(uint64_t entropy, EventSink& sink);
  // The committed draws (sequencer_draws.cc). A tick's entropy joins the pool.
  void StirEntropy(uint64_t entropy);
  bool HasEntropy() const { return entropy_fed_ >= kEntropyTicks; }
  // A commitment for phase `phase` of concert `id`, from the pool. REQUIRES: HasEntropy().
  QueueCommitted CommitDraw(ConcertId id, uint32_t phase);
  // Commits, on a tick, every room that should have a draw and has none: a concert created
  // before the pool had its entropy (the first ticks since a start), or by a journal older
  // than version 18 whose room nobody has joined yet.
  void CommitPendingDraws(EventSink& sink);
  // Passes the sale of every concert whose phase has closed to its next phase: SalePhaseBegan
  // events (sequencer_phases.cc).
  void BeginDuePhases(EventSink& sink);
  EventBody DecideListMembers(const Command& cmd, const ListMembersCmd& c);
  EventBody DecideClaimMemberCode(const Command& cmd, const ClaimMemberCodeCmd& c);
  // Decides `cmd` into `out`, the body of the event that answers it: the sink's own slot, so
  // the hot decisions (holds, releases) build their event where it is kept and nothing is
  // moved. The others build a body and assign it.
  void Decide(const Command& cmd, EventBody& out);
  EventBody DecideCold(const Command& cmd);
  // Decides the command into the sink's next event and emits it, then the follow-ups its
  // decision queued; the last one ends the command.
  void Answer(const Command& cmd, const IdemRecord* idem, EventSink& sink);
  // Emits an answer already built, then the follow-ups.
  void Answer(EventBody body, const Command& cmd, const IdemRecord* idem, EventSink& sink);
  void EmitFollowUps(const Command& cmd, EventSink& sink);
  void Emit(EventBody body, const Command* cause, const IdemRecord* idem, bool ends_command,
            EventSink& sink);
  // Stamps `e` (built in sink.NextEvent()) with its seq, time, term and idempotency record,
  // applies it and hands it to the sink.
  void Seal(Event& e, const Command* cause, const IdemRecord* idem, bool ends_command,
            EventSink& sink);

  EventBody DecideRegisterUser(const Command& cmd, const RegisterUserCmd& c);
  EventBody DecideCreateVenue(const Command& cmd, const CreateVenueCmd& c);
  EventBody DecideCreateConcert(const Command& cmd, const CreateConcertCmd& c);
  EventBody DecideSales(const Command& cmd, ConcertId id, bool open);
  // The hot decisions write their answer into `out` (see Decide).
  void DecideHoldSeats(const Command& cmd, const HoldSeatsCmd& c, EventBody& out);
  void DecideHoldBest(const Command& cmd, const HoldBestAvailableCmd& c, EventBody& out);
  void DecideRelease(const Command& cmd, const ReleaseHoldCmd& c, EventBody& out);
  EventBody DecideConfirm(const Command& cmd, const ConfirmReservationCmd& c);
  EventBody DecideRefund(const Command& cmd, const RefundReservationCmd& c);
  EventBody DecideStartSession(const Command& cmd, const StartSessionCmd& c);
  EventBody DecideRefreshSession(const Command& cmd, const RefreshSessionCmd& c);
  EventBody DecideEndSession(const Command& cmd, const EndSessionCmd& c);
  EventBody DecideJoinQueue(const Command& cmd, const JoinQueueCmd& c);
  EventBody DecideLeaveQueue(const Command& cmd, const LeaveQueueCmd& c);
  EventBody DecideAbandon(const Command& cmd, const AbandonQueueTicketsCmd& c);
  // The payment saga (sequencer_payments.cc).
  EventBody DecideRequestPayment(const Command& cmd, const RequestPaymentCmd& c);
  EventBody DecideReportCharge(const Command& cmd, const ReportChargeCmd& c);
  EventBody DecideReportRefund(const Command& cmd, const ReportRefundCmd& c);
  EventBody DecideAdoptOrphan(const Command& cmd, const AdoptOrphanChargeCmd& c);
  // 무통장입금 (sequencer_deposits.cc).
  EventBody DecideVirtualAccount(const Command& cmd, const ReportVirtualAccountCmd& c);
  EventBody DecideDeposit(const Command& cmd, const ReportDepositCmd& c);
  // A bank transfer's deadline passed with no deposit: the payment fails and the seats go back
  // through the saga (PaymentFailed, SeatsReleased), not a plain expiry.
  void MissDepositDeadline(const Reservation& r, const Payment& p, EventSink& sink);
  // Tickets, the door, and what a buyer may do after paying (sequencer_tickets.cc).
  EventBody DecideCheckIn(const Command& cmd, const CheckInCmd& c);
  // Why the ticket cannot change hands now (used, revoked, past the cutoff), if it cannot.
  std::optional<EventBody> RefuseGiving(const Command& cmd, const Ticket& t);
  EventBody DecideTransfer(const Command& cmd, const TransferTicketCmd& c);
  EventBody DecideAcceptTransfer(const Command& cmd, const AcceptTransferCmd& c);
  EventBody DecideEndOffer(const Command& cmd, const EndTransferOfferCmd& c);
  EventBody DecideCancel(const Command& cmd, const CancelReservationCmd& c);
  EventBody DecideExtend(const Command& cmd, const ExtendHoldCmd& c);
  // Support (sequencer_support.cc): a ticket revoked, an account disabled or enabled.
  EventBody DecideRevokeTicket(const Command& cmd, const RevokeTicketCmd& c);
  EventBody DecideAccountStatus(const Command& cmd, const SetAccountStatusCmd& c);
  // Replication: a promoted standby's first command.
  EventBody DecideStartTerm(const Command& cmd, const StartTermCmd& c);
  // Queues a TicketIssued per seat of `r`, which the answer or an earlier follow-up confirms.
  void IssueTickets(const Reservation& r);

  // Shared checks of both hold commands: the concert exists, is on sale at `now`, and the
  // user may take `count` more seats. Returns the concert, or null with the rejection in `out`.
  const Concert* CheckCanHold(const Command& cmd, ConcertId id, uint32_t count, EventBody& out);
  void MakeHold(const Command& cmd, const Concert& c, const SeatList& seats, EventBody& out);
  // SEAT_COOLDOWN (the cooling seats, and the latest time one of them frees up) into `out`,
  // and true; false if no seat asked for is cooling for the caller.
  bool RefuseCooling(const Command& cmd, const Concert& c, const SeatList& seats,
                     EventBody& out);
  // A companion seat without enough wheelchair spaces of its section in the hold, while the
  // concert holds its accessible seats back: COMPANION_NEEDS_WHEELCHAIR (admins excepted).
  bool RefuseCompanions(const Command& cmd, const Concert& c, const SeatList& seats,
                        EventBody& out);

  EngineState& state_;
  TimeMs now_ = 0;
  std::vector<UserId> scratch_;  // reused by RunWaitingRooms
  // Events a decision adds after its answer (e.g. ReservationConfirmed after PaymentSucceeded).
  std::vector<EventBody> follow_ups_;
  std::vector<ReturnTimers::Entry> due_returns_;  // ReturnDueSeats' scratch
  // Where the draws' secrets come from: SHA-256 over every tick's entropy so far. Not state:
  // the secrets it gives are journaled (QueueCommitted), so replay never needs it.
  Sha256Digest entropy_{};
  uint64_t entropy_fed_ = 0;
  uint64_t secrets_drawn_ = 0;
};

}  // namespace cm::engine
