#include "tests/support/random_commands.h"

#include <algorithm>

#include "engine/codec/state_codec.h"
#include "engine/member_list.h"
#include "tests/support/test_world.h"

namespace cm::test {

using namespace cm::engine;

namespace {
const SipKey kMemberKey{0x6d656d, 0x626572};
}  // namespace

RandomCommands::RandomCommands(uint64_t seed) : rng_(seed) {}

Command RandomCommands::As(UserId user, CommandBody body) {
  Command c;
  c.now = now_;
  c.actor = user;
  c.actor_role = user == 0 ? Role::kSystem : Role::kUser;
  c.body = std::move(body);
  if (Pick(4) == 0) {  // a quarter of commands carry a key from a small pool, so some repeat
    c.has_idem = true;
    c.idem = IdemKey{Pick(8), 0};
  }
  return c;
}

void RandomCommands::Observe(const Event& e) {
  last_seq_ = e.seq;
  if (const auto* t = std::get_if<TermStarted>(&e.body)) term_ = t->term;
  if (const auto* p = std::get_if<PaymentRequested>(&e.body)) {
    if (payments_.size() == 16) payments_.erase(payments_.begin());
    payments_.emplace_back(p->payment, 1);
    if (p->method == PaymentMethod::kBankTransfer) {
      deposits_due_[p->payment] = p->amount;
      to_issue_.push_back(p->payment);  // as the worker does, mostly at once
    }
  }
  if (const auto* a = std::get_if<VirtualAccountIssued>(&e.body)) accounts_.insert(a->payment);
  if (const auto* r = std::get_if<RefundIssued>(&e.body)) {
    if (refunds_.size() == 8) refunds_.erase(refunds_.begin());
    refunds_.push_back(r->payment);
  }
  if (const auto* r = std::get_if<RefundSettled>(&e.body)) std::erase(refunds_, r->payment);
  if (const auto* f = std::get_if<PaymentFailed>(&e.body))
    for (auto& [id, attempt] : payments_)
      if (id == f->payment) attempt = f->attempt + 1;
  if (const auto* t = std::get_if<TicketIssued>(&e.body)) {
    if (tickets_.size() == 32) tickets_.erase(tickets_.begin());
    tickets_.push_back(SeenTicket{t->ticket, t->concert, t->seat, t->holder, 1});
  }
  if (const auto* t = std::get_if<TicketTransferred>(&e.body))
    for (SeenTicket& seen : tickets_)
      if (seen.id == t->ticket) {
        seen.holder = t->to;
        seen.version = t->version;
        seen.offered_to = SIZE_MAX;
      }
  if (const auto* t = std::get_if<TicketOfferEnded>(&e.body))
    for (SeenTicket& seen : tickets_)
      if (seen.id == t->ticket) seen.offered_to = SIZE_MAX;
  if (const auto* t = std::get_if<TicketOffered>(&e.body))
    for (SeenTicket& seen : tickets_)
      if (seen.id == t->ticket) {
        seen.offered_to = SIZE_MAX;
        for (std::size_t i = 0; i < users_.size(); ++i)
          if (t->to_email == "user" + std::to_string(i) + "@x.io") seen.offered_to = i;
      }
  if (TypeOf(e) != EventType::kHoldPlaced) return;
  if (reservations_.size() == 32) {
    reservations_.erase(reservations_.begin());
    holders_.erase(holders_.begin());
  }
  reservations_.push_back(std::get<HoldPlaced>(e.body).reservation);
  holders_.push_back(std::get<HoldPlaced>(e.body).user);
}

void RandomCommands::Drive(Sequencer& sequencer, EventSink& sink, int n) {
  struct Tee : EventSink {
    RandomCommands* gen;
    EventSink* next;
    void OnEvent(const Event& e, uint64_t token, bool ends) override {
      gen->Observe(e);
      next->OnEvent(e, token, ends);
    }
  } tee;
  tee.gen = this;
  tee.next = &sink;
  for (const Command& c : Setup()) sequencer.Execute(c, tee);
  // As a leader does: a snapshot marked every 37 commands, its digest recorded a few
  // commands later (runtime/snapshot_taker.h).
  std::string encoded;
  Seq marked = 0;
  uint64_t digest = 0;
  for (int i = 0; i < n; ++i) {
    sequencer.Execute(Next(), tee);
    if (i % 37 == 36) {
      encoded.clear();
      EncodeState(sequencer.state(), &encoded);
      digest = EncodedStateDigest(encoded);
      marked = sequencer.MarkSnapshot(tee);
    } else if (i % 37 == 4 && marked != 0) {
      sequencer.RecordStateHash(marked, digest, kStateFormatVersion, tee);
      marked = 0;
    }
  }
}

std::vector<Command> RandomCommands::Setup() {
  std::vector<Command> out;
  // Setup: seqs are predictable here. First the ticks whose entropy lets the waiting rooms
  // commit their draws as their concerts are created (nothing is due yet: no event); then each
  // command emits one event, and a concert one more for each phase that has a waiting room.
  Seq events = 0;
  for (uint64_t i = 0; i < Sequencer::kEntropyTicks; ++i) out.push_back(As(0, TickCmd{0x5eed + i}));
  const int user_count = 2 + static_cast<int>(Pick(5));
  for (int i = 0; i < user_count; ++i) {
    out.push_back(As(0, RegisterUserCmd{"user" + std::to_string(i) + "@x.io", "h", Role::kUser, ""}));
    out.back().has_idem = false;
    users_.push_back(++events);
  }
  out.push_back(As(0, CreateVenueCmd{GridVenue(1 + static_cast<int>(Pick(2)),
                                               2 + static_cast<int>(Pick(3)),
                                               3 + static_cast<int>(Pick(8)), 3)}));
  out.back().has_idem = false;
  const VenueId venue = ++events;
  for (int i = 0; i < 2; ++i) {
    auto spec = std::make_shared<ConcertSpec>();
    spec->venue = venue;
    spec->title = "C" + std::to_string(i);
    spec->sales_open_at = now_;
    spec->sales_close_at = now_ + 3'600'000;
    spec->price_per_grade = {50'000, 40'000, 30'000};
    spec->hold_ttl_ms = 2'000 + static_cast<TimeMs>(Pick(20'000));
    spec->max_seats_per_user = 1 + static_cast<uint32_t>(Pick(6));
    // The after-sale deadlines fall inside the stream's couple of minutes, so both sides of
    // each are reached.
    spec->starts_at = now_ + 2 * 86'400'000LL;
    spec->doors_open_at = now_ + static_cast<TimeMs>(Pick(60'000));
    spec->transfer_cutoff_ms = spec->starts_at - now_ - static_cast<TimeMs>(Pick(120'000));
    spec->refund.deadline_ms = spec->starts_at - now_ - static_cast<TimeMs>(Pick(120'000));
    spec->refund.fee_percent = static_cast<uint32_t>(Pick(30));
    spec->hold_extension_ms = static_cast<TimeMs>(Pick(3)) * 2'000;
    spec->max_hold_ms = Pick(2) == 0 ? 0 : spec->hold_ttl_ms + 1'000;
    // The second concert keeps seats given up off sale for a moment drawn in a few seconds.
    if (i == 1) {
      spec->return_window_ms = 1 + static_cast<TimeMs>(Pick(8'000));
      spec->return_key = {1 + Pick(1u << 30), Pick(1u << 30)};
      // And asks a proof of work of each arrival (the gateway's; the engine keeps it).
      spec->proof_of_work = {1'000, 50, 4'000, 20};
    } else {
      // The first sells in phases: a members-only presale, a gap, and a general sale that
      // has a waiting room now and then, so the stream passes from one to the next.
      // (Short: the streams' purchases, tickets and door scans come mostly after it.)
      const TimeMs presale_closes = now_ + 2'000 + static_cast<TimeMs>(Pick(6'000));
      const TimeMs general_opens = presale_closes + static_cast<TimeMs>(Pick(3'000));
      SalePhase presale{"P", now_, presale_closes, 1 + static_cast<uint32_t>(Pick(2)), true, {}};
      SalePhase general{"G", general_opens, spec->sales_close_at, spec->max_seats_per_user,
                        false, {}};
      if (Pick(2) == 0) general.waiting_room = {true, 2, 2, 3'000, 0, 60'000};
      spec->phases = {presale, general};
      spec->max_seats_per_user = std::max(presale.max_seats_per_user, general.max_seats_per_user);
      spec->member_key = kMemberKey;
    }
    // Bank transfers in the first concert, due within seconds: deposits in time, late, of the
    // wrong amount, and deadlines missed. The second takes none (a refusal).
    if (i == 0) spec->bank_transfer = {true, 1, 540, 2'000 + static_cast<TimeMs>(Pick(40'000)), 0};
    out.push_back(As(0, CreateConcertCmd{spec}));
    out.back().has_idem = false;
    concerts_.push_back(++events);
    for (std::size_t p = 0; p < spec->phase_count(); ++p)
      if (spec->Phase(p).waiting_room->enabled) ++events;  // its QueueCommitted
    out.push_back(As(0, OpenSalesCmd{concerts_.back()}));
    out.back().has_idem = false;
    ++events;
  }
  // A third concert behind a small waiting room that opens a little later, so the stream has
  // early joins to shuffle, admissions, lapses and holds that need an admission.
  auto spec = std::make_shared<ConcertSpec>();
  spec->venue = venue;
  spec->title = "Q";
  spec->starts_at = now_ + 2 * 86'400'000LL;
  spec->sales_open_at = now_ + static_cast<TimeMs>(Pick(3'000));
  spec->sales_close_at = now_ + 3'600'000;
  spec->price_per_grade = {50'000, 40'000, 30'000};
  spec->hold_ttl_ms = 2'000 + static_cast<TimeMs>(Pick(5'000));
  spec->max_seats_per_user = 4;
  spec->waiting_room.enabled = true;
  spec->waiting_room.max_active = 1 + static_cast<uint32_t>(Pick(3));
  spec->waiting_room.admit_per_second = 1 + static_cast<uint32_t>(Pick(3));
  spec->waiting_room.admission_ttl_ms = 1'000 + static_cast<TimeMs>(Pick(5'000));
  spec->waiting_room.pre_queue_ms = 10'000;
  spec->bank_transfer = {true, 1, 540, 5'000 + static_cast<TimeMs>(Pick(30'000)), 0};
  out.push_back(As(0, CreateConcertCmd{spec}));
  out.back().has_idem = false;
  concerts_.push_back(++events);
  out.push_back(As(0, OpenSalesCmd{concerts_.back()}));
  out.back().has_idem = false;
  return out;
}

Command RandomCommands::Next() {
  now_ += static_cast<TimeMs>(Pick(4) == 0 ? Pick(5'000) : Pick(50));
  if (!to_issue_.empty()) {
    const PaymentId payment = to_issue_.front();
    to_issue_.pop_front();
    if (Pick(5) != 0)
      return As(0, ReportVirtualAccountCmd{payment, "B", "A" + std::to_string(payment), "H"});
  }
  const UserId user = users_[Pick(users_.size())];
  const ConcertId concert = concerts_[Pick(concerts_.size())];
  // Mostly a recent hold; sometimes any recent seq, which may name nothing or a non-hold.
  const ReservationId some_id = !reservations_.empty() && Pick(5) != 0
                                    ? reservations_[Pick(reservations_.size())]
                                    : last_seq_ + 1 - Pick(std::min<uint64_t>(last_seq_ + 1, 40));
  switch (Pick(25)) {
    case 0: case 1: case 2: {
      HoldSeatsCmd h;
      h.concert = concert;
      const auto count = 1 + Pick(4);
      for (uint64_t k = 0; k < count; ++k) h.seats.push_back(static_cast<SeatIndex>(Pick(40)));
      h.requested = h.seats.count;
      return As(user, h);
    }
    case 3: case 4:
      return As(user, HoldBestAvailableCmd{concert, static_cast<uint32_t>(1 + Pick(4)),
                                           static_cast<int32_t>(Pick(4)) - 1, kAnySection});
    case 5: case 6:
      return As(Pick(5) == 0 ? 0 : user, ReleaseHoldCmd{some_id});
    case 7:
      return As(0, ConfirmReservationCmd{some_id});
    case 8:
      return As(0, RefundReservationCmd{some_id, Pick(2) == 0 ? "" : "why"});
    case 9:  // the clock; now and then a promoted leader's new term (some stale, some not system)
      if (Pick(20) == 0) {
        const Term term = term_ + (Pick(3) == 0 ? 0 : 1);
        const std::string leader = "http://n" + std::to_string(Pick(3));
        return As(Pick(4) == 0 ? user : 0, StartTermCmd{term, leader});
      }
      return As(0, TickCmd{rng_()});
    case 10:
      if (Pick(10) == 0) return As(0, CloseSalesCmd{concert});
      return As(0, OpenSalesCmd{concert});
    case 11: case 21: {  // sessions, with digests from a small pool so refreshes and logouts hit
      if (Pick(8) == 0)  // an account disabled or enabled (by an admin, mostly)
        return As(Pick(6) == 0 ? user : 0,
                  SetAccountStatusCmd{users_[Pick(users_.size())], Pick(2) == 0, "s"});
      const TokenDigest a{Pick(30) + 1, 7}, b{Pick(30) + 1, 7};
      const TimeMs until = now_ + static_cast<TimeMs>(Pick(60'000));
      switch (Pick(3)) {
        case 0: return As(user, StartSessionCmd{a, until});
        case 1: return As(0, RefreshSessionCmd{a, b, until});
        default: return As(0, EndSessionCmd{a});
      }
    }
    case 12: case 13: {  // the waiting room (the last concert has one; the others answer "not enabled")
      const ConcertId queued = Pick(4) == 0 ? concert : concerts_.back();
      switch (Pick(6)) {
        case 0: case 1: case 2: return As(user, JoinQueueCmd{queued});
        case 3: return As(user, LeaveQueueCmd{queued});
        default: {
          AbandonQueueTicketsCmd a{queued, {}};
          for (uint64_t k = Pick(3); k > 0; --k) a.users.push_back(users_[Pick(users_.size())]);
          return As(Pick(8) == 0 ? user : 0, a);
        }
      }
    }
    case 15: {  // pay for a recent hold, mostly as its owner
      if (reservations_.empty()) break;
      const std::size_t k = Pick(reservations_.size());
      // An easy payment mostly names its wallet; now and then a method and wallet that do not
      // go together, which the engine refuses.
      const auto method = static_cast<PaymentMethod>(Pick(3));
      auto wallet = static_cast<EasyPayProvider>(
          method == PaymentMethod::kEasyPay ? 1 + Pick(kLastEasyPayProvider) : 0);
      if (Pick(12) == 0) wallet = static_cast<EasyPayProvider>(Pick(kLastEasyPayProvider + 1));
      return As(Pick(6) == 0 ? user : holders_[k],
                RequestPaymentCmd{reservations_[k], method, wallet});
    }
    case 16: {  // the worker reports an attempt (mostly the current one) or a refund
      if (payments_.empty()) break;
      const auto& [payment, attempt] = payments_[Pick(payments_.size())];
      // The newest bank transfer's account, or a deposit into it (now and then of another
      // amount, or into an older one).
      if (!deposits_due_.empty() && Pick(3) != 0) {
        auto due = Pick(4) == 0 ? deposits_due_.begin() : std::prev(deposits_due_.end());
        if (!accounts_.contains(due->first) && Pick(4) != 0)
          return As(0, ReportVirtualAccountCmd{due->first, "B", "A" + std::to_string(due->first),
                                               "H"});
        return As(Pick(12) == 0 ? user : 0,
                  ReportDepositCmd{due->first, due->second + (Pick(5) == 0 ? 1'000 : 0),
                                   now_ - static_cast<TimeMs>(Pick(3'000))});
      }
      // A refund's outcome: of one the engine issued and nobody settled yet, or of any payment.
      if (!refunds_.empty() && Pick(3) == 0)
        return As(0, ReportRefundCmd{refunds_[Pick(refunds_.size())],
                                     static_cast<int64_t>(Pick(2)) * 1000});
      if (Pick(5) == 0) return As(0, ReportRefundCmd{payment, static_cast<int64_t>(Pick(2)) * 1000});
      const uint32_t reported = Pick(8) == 0 ? attempt + 1 : attempt;
      return As(Pick(10) == 0 ? user : 0,
                ReportChargeCmd{payment, reported, static_cast<ChargeOutcome>(Pick(3)), "r"});
    }
    case 17: {  // a door scan, mostly of a recent ticket; some offline, some of a stale version
      if (tickets_.empty()) break;
      const SeenTicket& t = tickets_[Pick(tickets_.size())];
      if (Pick(8) == 0)  // support revokes it instead (an admin, mostly; a reason, mostly)
        return As(Pick(6) == 0 ? user : 0, RevokeTicketCmd{t.id, Pick(5) == 0 ? "" : "r"});
      CheckInCmd c{t.id, t.concert, t.seat, t.version - static_cast<uint32_t>(Pick(6) == 0 ? 1 : 0),
                   Pick(8) == 0 ? concert : t.concert, "G" + std::to_string(Pick(3)), false, 0, {}};
      if (Pick(3) == 0) {
        c.offline = true;
        c.scanned_at = now_ - static_cast<TimeMs>(Pick(3)) * 1000;
        if (Pick(2) == 0) c.device = "D" + std::to_string(Pick(2));
      }
      return As(Pick(10) == 0 ? user : 0, c);
    }
    case 18: case 24: {  // a transfer offer, mostly by the holder, now and then to an unknown email
      if (tickets_.empty()) break;
      const SeenTicket& t = tickets_[Pick(tickets_.size())];
      const std::string to = Pick(6) == 0 ? "stranger" + std::to_string(Pick(3)) + "@x.io"
                                          : "user" + std::to_string(Pick(users_.size())) + "@x.io";
      return As(Pick(5) == 0 ? user : t.holder, TransferTicketCmd{t.id, to});
    }
    case 22: case 23: {  // an offer accepted (mostly by its recipient) or ended by either side
      if (tickets_.empty()) break;
      const SeenTicket& t = tickets_[Pick(tickets_.size())];
      const UserId recipient = t.offered_to < users_.size() ? users_[t.offered_to] : user;
      if (Pick(3) != 0) return As(Pick(5) == 0 ? user : recipient, AcceptTransferCmd{t.id});
      return As(Pick(2) == 0 ? t.holder : recipient, EndTransferOfferCmd{t.id});
    }
    case 14: {  // the first concert's member list, and fans entering codes from a small pool
      const std::string code = "C" + std::to_string(Pick(6));
      if (Pick(3) != 0)
        return As(user, ClaimMemberCodeCmd{concerts_.front(),
                                           MemberEntry(kMemberKey, MemberKind::kCode, code)});
      ListMembersCmd list{concerts_.front(), Pick(6) == 0, {}};
      for (uint64_t k = 1 + Pick(3); k > 0; --k)
        list.entries.push_back(
            Pick(2) == 0 ? MemberEntry(kMemberKey, MemberKind::kCode, "C" + std::to_string(Pick(6)))
                         : MemberEntry(kMemberKey, MemberKind::kEmail,
                                       "user" + std::to_string(Pick(users_.size())) + "@x.io"));
      return As(Pick(8) == 0 ? user : 0, list);
    }
    case 19: {  // a cancellation, mostly by the buyer
      if (reservations_.empty()) break;
      const std::size_t k = Pick(reservations_.size());
      return As(Pick(6) == 0 ? user : holders_[k], CancelReservationCmd{reservations_[k]});
    }
    case 20: {
      if (reservations_.empty()) break;
      const std::size_t k = Pick(reservations_.size());
      return As(Pick(6) == 0 ? user : holders_[k], ExtendHoldCmd{reservations_[k]});
    }
    default:
      break;
  }
  return As(0, RegisterUserCmd{"user" + std::to_string(Pick(12)) + "@x.io", "h", Role::kUser, ""});
}

}  // namespace cm::test
