#include "engine/codec/state_codec.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "engine/codec/coding.h"
#include "engine/hash.h"
#include "engine/codec/spec_codec.h"
#include "engine/member_list.h"

namespace cm::engine {

// Restores the private parts of EngineState (it is a friend).
class StateRestorer {
 public:
  explicit StateRestorer(EngineState& s) : s_(s) {}
  Status Decode(std::string_view in);

 private:
  Status Fail(const std::string& what) { return Status::Corruption("snapshot: " + what); }
  Status DecodeUsers(std::string_view* in);
  Status DecodeVenuesAndConcerts(std::string_view* in);
  Status DecodeReservations(std::string_view* in);
  Status DecodeTail(std::string_view* in);
  Status DecodePayments(std::string_view* in);
  Status DecodeTickets(std::string_view* in);
  EngineState& s_;
  uint8_t version_ = 0;
};

namespace {

// The record format a concert spec in a snapshot of `state_format` is written as.
uint8_t SpecFormatOf(uint8_t state_format) {
  if (state_format >= 18) return kSalePhasesEventFormat;
  if (state_format == 17) return kSeatAttributesEventFormat;
  if (state_format == 16) return kProofOfWorkEventFormat;
  if (state_format == 15) return kReturnWindowEventFormat;
  if (state_format >= 12) return kReturnWindowEventFormat - 1;  // with the plan
  return kPlanEventFormat - 1;
}

// concert's phase := phase: varint | members: varint n, (entry, claimed_by: fixed64)[n],
// ascending by entry (state format 18 on; before it, every concert is in its first phase).
void EncodePhaseAndMembers(const Concert& c, std::string* dst) {
  PutVarint32(dst, c.phase);
  std::vector<std::pair<uint64_t, UserId>> members;
  members.reserve(c.members.size());
  c.members.ForEach([&](uint64_t entry, UserId by) { members.emplace_back(entry, by); });
  std::sort(members.begin(), members.end());
  PutVarint32(dst, static_cast<uint32_t>(members.size()));
  for (const auto& [entry, by] : members) {
    PutFixed64(dst, entry);
    PutFixed64(dst, by);
  }
}

bool DecodePhaseAndMembers(std::string_view* in, const EngineState& s, Concert* c) {
  uint32_t phase, n;
  // A phase the clock has not reached yet cannot have begun.
  if (!GetVarint32(in, &phase) || phase >= c->spec->phase_count() ||
      phase > c->spec->PhaseAt(s.clock()) || !GetCount(in, &n) ||
      n > kMaxMembers || n > in->size() / 16)
    return false;
  c->EnterPhase(phase);
  std::vector<uint64_t> entries(n);
  std::vector<std::pair<uint64_t, UserId>> claims;
  uint64_t prev = 0;
  for (uint32_t i = 0; i < n; ++i) {
    UserId by;
    if (!GetFixed64(in, &entries[i]) || !GetFixed64(in, &by) || entries[i] == 0 ||
        (i > 0 && entries[i] <= prev))
      return false;
    prev = entries[i];
    if (by != 0) {
      if (!s.HasUser(by)) return false;
      claims.emplace_back(entries[i], by);
    }
  }
  c->members.Add(entries);
  for (const auto& [entry, by] : claims)
    if (!c->members.Claim(entry, by)) return false;  // one account, two codes
  return true;
}

// Ids in a section are written ascending; anything else (a repeat included) is corrupt.
bool Ascending(uint32_t index, uint64_t id, uint64_t* prev) {
  if (index > 0 && id <= *prev) return false;
  *prev = id;
  return true;
}

template <class Map>
std::vector<uint64_t> SortedKeys(const Map& m) {
  std::vector<uint64_t> keys;
  keys.reserve(m.size());
  for (const auto& [k, v] : m) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  return keys;
}

void PutUserList(const std::vector<UserId>& users, std::string* dst) {
  PutVarint32(dst, static_cast<uint32_t>(users.size()));
  for (UserId u : users) PutFixed64(dst, u);
}

void PutDigest(const Sha256Digest& d, std::string* dst) {
  dst->append(reinterpret_cast<const char*>(d.data()), d.size());
}

bool GetDigest(std::string_view* in, Sha256Digest* d) {
  if (in->size() < d->size()) return false;
  std::copy_n(in->data(), d->size(), d->begin());
  in->remove_prefix(d->size());
  return true;
}

// The committed draws of a concert's phases (state format 19 on).
void EncodeDraws(const Concert& c, std::string* dst) {
  PutVarint32(dst, static_cast<uint32_t>(c.draws.size()));
  for (const OpeningDraw& d : c.draws) {
    PutFixed8(dst, d.committed ? 1 : 0);
    if (!d.committed) continue;
    PutDigest(d.seed, dst);
    PutDigest(d.key, dst);
    PutDigest(d.commitment, dst);
    PutFixed64(dst, static_cast<uint64_t>(d.committed_at));
    PutFixed64(dst, d.committed_seq);
    PutFixed8(dst, d.opened ? 1 : 0);
    PutFixed64(dst, static_cast<uint64_t>(d.opened_at));
    PutFixed64(dst, d.opened_seq);
    PutFixed64(dst, d.entries);
    PutUserList(d.joined, dst);
    PutUserList(d.order, dst);
  }
}

void EncodeRoom(const WaitingRoom& room, std::string* dst, uint8_t format) {
  PutFixed8(dst, room.opened() ? 1 : 0);
  PutVarint32(dst, static_cast<uint32_t>(room.ticket_map().size()));
  for (uint64_t user : SortedKeys(room.ticket_map())) {
    const QueueTicket& t = room.ticket_map().at(user);
    PutFixed64(dst, t.id);
    PutFixed64(dst, t.user);
    PutFixed8(dst, static_cast<uint8_t>(t.status));
    PutFixed8(dst, static_cast<uint8_t>(t.end));
    PutFixed64(dst, t.place);
    PutFixed64(dst, static_cast<uint64_t>(t.joined_at));
    PutFixed64(dst, static_cast<uint64_t>(t.admitted_at));
    PutFixed64(dst, static_cast<uint64_t>(t.admission_expires_at));
    PutFixed64(dst, static_cast<uint64_t>(t.ended_at));
  }
  PutUserList(room.drawn().users(), dst);
  PutFixed64(dst, room.drawn().head());
  PutUserList(room.pool(), dst);
  PutFixed64(dst, room.draw_state());
  PutUserList(room.late().users(), dst);
  PutFixed64(dst, room.late().head());
  PutVarint32(dst, static_cast<uint32_t>(room.recent().size()));
  for (const auto& [at, n] : room.recent()) {
    PutFixed64(dst, static_cast<uint64_t>(at));
    PutVarint32(dst, n);
  }
  PutFixed64(dst, room.admitted_total());
  PutVarint32(dst, static_cast<uint32_t>(room.live_holds().size()));
  for (uint64_t user : SortedKeys(room.live_holds())) {
    PutFixed64(dst, user);
    PutVarint32(dst, room.live_holds().at(user));
  }
  if (format < 19) return;
  std::vector<std::pair<uint64_t, UserId>> ranked;
  if (room.ranked()) {
    ranked.reserve(room.undrawn());
    room.ranked_pool().ForEach(
        [&](const RankedPool::Entry& e) { ranked.emplace_back(e.rank, e.ticket->user); });
  }
  std::sort(ranked.begin(), ranked.end());
  PutVarint32(dst, static_cast<uint32_t>(ranked.size()));
  for (const auto& [rank, user] : ranked) {
    PutFixed64(dst, user);
    PutFixed64(dst, rank);
  }
}

void EncodePayment(const Payment& p, std::string* dst, uint8_t format) {
  PutFixed64(dst, p.id);
  PutFixed64(dst, p.reservation);
  PutFixed64(dst, p.user);
  PutFixed64(dst, p.concert);
  PutFixed64(dst, static_cast<uint64_t>(p.amount));
  PutFixed8(dst, static_cast<uint8_t>(p.method));
  PutFixed8(dst, static_cast<uint8_t>(p.status));
  PutFixed64(dst, p.client_key.hi);
  PutFixed64(dst, p.client_key.lo);
  PutVarint32(dst, p.failed_attempts);
  PutFixed64(dst, static_cast<uint64_t>(p.created_at));
  PutFixed64(dst, static_cast<uint64_t>(p.next_attempt_at));
  PutFixed8(dst, static_cast<uint8_t>((p.outcome_unknown ? 1 : 0) | (p.refund_requested ? 2 : 0) |
                                      (p.refund_settled ? 4 : 0)));
  PutFixed64(dst, static_cast<uint64_t>(p.refunded));
  PutFixed64(dst, static_cast<uint64_t>(p.refund_amount));
  PutVarint32(dst, static_cast<uint32_t>(p.history.size()));
  for (const PaymentHistoryEntry& h : p.history) {
    PutFixed64(dst, static_cast<uint64_t>(h.at));
    PutFixed8(dst, static_cast<uint8_t>(h.step));
    PutFixed8(dst, static_cast<uint8_t>(h.outcome));
    PutVarint32(dst, h.attempt);
    PutLengthPrefixed(dst, h.detail);
  }
  if (format >= 12) PutFixed8(dst, static_cast<uint8_t>(p.wallet));
  if (format >= 18) {
    PutFixed64(dst, static_cast<uint64_t>(p.deposit_due));
    PutLengthPrefixed(dst, p.bank);
    PutLengthPrefixed(dst, p.account);
    PutLengthPrefixed(dst, p.holder);
  }
}

bool DecodePayment(std::string_view* in, Payment* p, uint8_t format) {
  uint8_t method, status, flags;
  uint32_t steps;
  if (!GetFixed64(in, &p->id) || !GetFixed64(in, &p->reservation) || !GetFixed64(in, &p->user) ||
      !GetFixed64(in, &p->concert) || !GetSigned64(in, &p->amount) || !GetFixed8(in, &method) ||
      method > static_cast<uint8_t>(PaymentMethod::kEasyPay) || !GetFixed8(in, &status) ||
      status > static_cast<uint8_t>(PaymentStatus::kRefunded) ||
      !GetFixed64(in, &p->client_key.hi) || !GetFixed64(in, &p->client_key.lo) ||
      !GetVarint32(in, &p->failed_attempts) || !GetSigned64(in, &p->created_at) ||
      !GetSigned64(in, &p->next_attempt_at) || !GetFixed8(in, &flags) || flags > 7 ||
      !GetSigned64(in, &p->refunded) || !GetSigned64(in, &p->refund_amount) ||
      p->refund_amount < 0 || !GetCount(in, &steps))
    return false;
  p->method = static_cast<PaymentMethod>(method);
  p->status = static_cast<PaymentStatus>(status);
  p->outcome_unknown = flags & 1;
  p->refund_requested = flags & 2;
  p->refund_settled = flags & 4;
  p->history.resize(steps);
  for (PaymentHistoryEntry& h : p->history) {
    uint8_t step, outcome;
    if (!GetSigned64(in, &h.at) || !GetFixed8(in, &step) ||
        step > static_cast<uint8_t>(PaymentStep::kAccountIssued) || !GetFixed8(in, &outcome) ||
        outcome > static_cast<uint8_t>(ChargeOutcome::kError) || !GetVarint32(in, &h.attempt) ||
        !GetString(in, &h.detail))
      return false;
    h.step = static_cast<PaymentStep>(step);
    h.outcome = static_cast<ChargeOutcome>(outcome);
  }
  uint8_t wallet = 0;  // before format 12: none
  if (format >= 12 && (!GetFixed8(in, &wallet) || wallet > kLastEasyPayProvider)) return false;
  p->wallet = static_cast<EasyPayProvider>(wallet);
  // Only a deposit (a bank transfer's) may go back as more than was due.
  if (p->method != PaymentMethod::kBankTransfer && p->refund_amount > p->amount) return false;
  if (format >= 18 && (!GetSigned64(in, &p->deposit_due) || !GetString(in, &p->bank) ||
                       !GetString(in, &p->account) || !GetString(in, &p->holder)))
    return false;
  return true;
}

bool GetUserList(std::string_view* in, std::vector<UserId>* out) {
  uint32_t n;
  if (!GetCount(in, &n)) return false;
  out->resize(n);
  for (UserId& u : *out)
    if (!GetFixed64(in, &u)) return false;
  return true;
}

bool DecodeDraws(std::string_view* in, Concert* c) {
  uint32_t n;
  if (!GetVarint32(in, &n) || n != c->draws.size()) return false;
  for (uint32_t phase = 0; phase < n; ++phase) {
    OpeningDraw& d = c->draws[phase];
    uint8_t committed, opened;
    if (!GetFixed8(in, &committed) || committed > 1) return false;
    if (committed == 0) continue;
    d.committed = true;
    uint64_t committed_at, opened_at;
    if (!GetDigest(in, &d.seed) || !GetDigest(in, &d.key) || !GetDigest(in, &d.commitment) ||
        d.commitment != CommitmentOf(d.seed, c->id, phase) || !GetFixed64(in, &committed_at) ||
        !GetFixed64(in, &d.committed_seq) || !GetFixed8(in, &opened) || opened > 1 ||
        !GetFixed64(in, &opened_at) || !GetFixed64(in, &d.opened_seq) ||
        !GetFixed64(in, &d.entries) || !GetUserList(in, &d.joined) ||
        !GetUserList(in, &d.order) || d.order.size() > d.entries ||
        (opened == 0 && (!d.order.empty() || d.entries != 0)))
      return false;
    d.key_commitment = CommitmentOf(d.key, c->id, phase);
    d.committed_at = static_cast<TimeMs>(committed_at);
    d.opened = opened == 1;
    d.opened_at = static_cast<TimeMs>(opened_at);
  }
  return true;
}

bool DecodeRoom(std::string_view* in, WaitingRoom* room, uint8_t version, OpeningDraw* draw) {
  WaitingRoomParts parts;
  parts.draw = draw;
  uint8_t opened;
  uint32_t n;
  if (!GetFixed8(in, &opened) || opened > 1 || !GetCount(in, &n)) return false;
  parts.opened = opened == 1;
  parts.tickets.resize(n);
  for (QueueTicket& t : parts.tickets) {
    uint8_t status, end;
    if (!GetFixed64(in, &t.id) || !GetFixed64(in, &t.user) || !GetFixed8(in, &status) ||
        status > 4 || !GetFixed8(in, &end) || end > 2 || !GetFixed64(in, &t.place) ||
        !GetSigned64(in, &t.joined_at) || !GetSigned64(in, &t.admitted_at) ||
        !GetSigned64(in, &t.admission_expires_at) || !GetSigned64(in, &t.ended_at))
      return false;
    t.status = static_cast<TicketStatus>(status);
    t.end = static_cast<TicketEnd>(end);
  }
  if (!GetUserList(in, &parts.drawn) || !GetFixed64(in, &parts.drawn_head) ||
      !GetUserList(in, &parts.pool) || !GetFixed64(in, &parts.draw_state) ||
      !GetUserList(in, &parts.late) || !GetFixed64(in, &parts.late_head) || !GetCount(in, &n))
    return false;
  parts.recent.resize(n);
  for (auto& [at, count] : parts.recent)
    if (!GetSigned64(in, &at) || !GetVarint32(in, &count)) return false;
  if (!GetFixed64(in, &parts.admitted_total) || !GetCount(in, &n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    UserId user;
    uint32_t holds;
    if (!GetFixed64(in, &user) || !GetVarint32(in, &holds) || holds == 0 ||
        !parts.live_holds.emplace(user, holds).second)
      return false;
  }
  if (version >= 19) {
    if (!GetCount(in, &n) || n > in->size() / 16 || (n > 0 && draw == nullptr)) return false;
    parts.ranked.resize(n);
    for (uint32_t i = 0; i < n; ++i) {
      auto& [user, rank] = parts.ranked[i];
      if (!GetFixed64(in, &user) || !GetFixed64(in, &rank)) return false;
      if (i > 0 && std::pair(rank, user) <= std::pair(parts.ranked[i - 1].second,
                                                      parts.ranked[i - 1].first))
        return false;  // canonical: ascending, no repeats
    }
  }
  return room->Restore(std::move(parts));
}

// One seat's re-hold cooldown as a snapshot stores it.
struct Cooldown {
  SeatIndex seat = 0;
  UserId user = 0;
  TimeMs until = 0;
};

// Calls f(seat, release) for each cooldown still running at the state's clock, by seat.
template <class F>
void ForEachRunningCooldown(const Concert& c, TimeMs clock, F&& f) {
  if (c.seats.no_releases()) return;
  for (SeatIndex s = 0; s < c.seats.size(); ++s)
    if (const SeatMap::Release& r = c.seats.release(s); r.until > clock) f(s, r);
}

void EncodeCooldowns(const Concert& c, TimeMs clock, uint8_t format, std::string* dst) {
  if (format >= 13) {  // read off the cells in seat order: no copy of a state-sized list
    uint32_t n = 0;
    ForEachRunningCooldown(c, clock, [&n](SeatIndex, const SeatMap::Release&) { ++n; });
    PutVarint32(dst, n);
    ForEachRunningCooldown(c, clock, [dst](SeatIndex s, const SeatMap::Release& r) {
      PutFixed32(dst, s);
      PutFixed64(dst, r.by);
      PutFixed64(dst, static_cast<uint64_t>(r.until));
    });
    return;
  }
  std::vector<Cooldown> cooldowns;  // older formats list them by (user, seat)
  ForEachRunningCooldown(c, clock, [&cooldowns](SeatIndex s, const SeatMap::Release& r) {
    cooldowns.push_back(Cooldown{s, r.by, r.until});
  });
  PutVarint32(dst, static_cast<uint32_t>(cooldowns.size()));
  std::sort(cooldowns.begin(), cooldowns.end(), [](const Cooldown& a, const Cooldown& b) {
    return std::tie(a.user, a.seat) < std::tie(b.user, b.seat);
  });
  for (const Cooldown& e : cooldowns) {
    PutFixed64(dst, e.user);
    PutFixed32(dst, e.seat);
    PutFixed64(dst, static_cast<uint64_t>(e.until));
  }
}

enum class CooldownsRead { kOk, kMalformed, kAmbiguous };

// Version 13 on: one per seat, ascending by seat, each still running, of a known user, started
// no later than the clock. Older: every (user, seat) a user gave up, ascending by (user, seat),
// ended ones included; a seat keeps the one that ends last (its last releaser, the cooldown
// being the same for all), and ended ones are left. Two users whose cooldowns of one seat end
// at the same moment gave it up in the same millisecond, and the list does not say who was
// last: kAmbiguous, and the journal must be replayed instead.
CooldownsRead DecodeCooldowns(std::string_view* in, uint8_t version, const EngineState& s,
                              Concert* c) {
  uint32_t n;
  if (!GetCount(in, &n)) return CooldownsRead::kMalformed;
  const TimeMs clock = s.clock();
  Cooldown prev;
  for (uint32_t i = 0; i < n; ++i) {
    Cooldown e;
    if (version >= 13) {
      if (!GetFixed32(in, &e.seat) || !GetFixed64(in, &e.user) || !GetSigned64(in, &e.until) ||
          e.seat >= c->seats.size() || (i > 0 && e.seat <= prev.seat) || e.until <= clock ||
          e.until > clock + c->spec->rehold_cooldown_ms || !s.HasUser(e.user))
        return CooldownsRead::kMalformed;
      if (!s.config().reads_only) c->seats.StartCooldown(e.seat, e.user, e.until);
    } else {
      if (!GetFixed64(in, &e.user) || !GetFixed32(in, &e.seat) || !GetSigned64(in, &e.until) ||
          e.seat >= c->seats.size() ||
          (i > 0 && std::tie(e.user, e.seat) <= std::tie(prev.user, prev.seat)))
        return CooldownsRead::kMalformed;
      const TimeMs kept = c->seats.release(e.seat).until;
      if (e.until > clock && e.until == kept) return CooldownsRead::kAmbiguous;
      if (e.until > clock && e.until > kept) c->seats.StartCooldown(e.seat, e.user, e.until);
    }
    prev = e;
  }
  return CooldownsRead::kOk;
}

void EncodeReturning(const Concert& c, std::string* dst) {
  PutVarint32(dst, static_cast<uint32_t>(c.seats.returning()));
  for (SeatIndex s = 0; s < c.seats.size() && c.seats.returning() > 0; ++s) {
    if (c.seats.status(s) != SeatStatus::kReturning) continue;
    PutFixed32(dst, s);
    PutFixed64(dst, static_cast<uint64_t>(c.seats.returns_at(s)));
    PutFixed8(dst, c.seats.returning_from_sale(s) ? 1 : 0);
  }
}

// Restores the seats of `c` that are not back on sale yet; false on malformed input.
bool DecodeReturning(std::string_view* in, TimeMs clock, Concert* c, ReturnTimers* timers) {
  uint32_t n;
  if (!GetCount(in, &n)) return false;
  if (n > 0 && c->spec->return_window_ms <= 0) return false;  // seats away need a window
  SeatIndex prev = 0;
  for (uint32_t i = 0; i < n; ++i) {
    SeatIndex seat;
    TimeMs at;
    uint8_t from_sale;
    if (!GetFixed32(in, &seat) || !GetSigned64(in, &at) || !GetFixed8(in, &from_sale) ||
        from_sale > 1 || seat >= c->seats.size() || (i > 0 && seat <= prev) || at <= 0 ||
        at > clock + c->spec->return_window_ms)
      return false;
    c->seats.RestoreReturning(seat, at, from_sale == 1);
    if (timers != nullptr) timers->Push({at, c->id, seat});
    prev = seat;
  }
  return true;
}

void EncodeLedger(const SalesLedger& l, std::string* dst) {
  auto put_signed = [dst](int64_t v) { PutFixed64(dst, static_cast<uint64_t>(v)); };
  for (const GradeSales& g : l.grades) {  // as many as the venue has grades
    PutVarint32(dst, g.seats_sold);
    PutVarint32(dst, g.seats_refunded);
    put_signed(g.sold_value);
    put_signed(g.refunded_value);
  }
  PutVarint32(dst, static_cast<uint32_t>(l.hours.size()));
  for (const HourSales& h : l.hours) {
    put_signed(h.hour);
    for (uint32_t n : {h.holds, h.seats_held, h.seats_sold, h.seats_refunded}) PutVarint32(dst, n);
    put_signed(h.sold_value);
    put_signed(h.refunded_value);
  }
  for (uint64_t n : {l.holds_placed, l.seats_held, l.holds_confirmed, l.holds_expired,
                     l.holds_released, l.reservations_refunded, l.reservations_cancelled,
                     l.payments_requested, l.payments_succeeded, l.payments_failed,
                     l.refunds_settled})
    PutFixed64(dst, n);
  for (int64_t v : {l.cancellation_fees, l.captured, l.refunded}) put_signed(v);
}

bool DecodeLedger(std::string_view* in, SalesLedger* l) {
  for (GradeSales& g : l->grades)
    if (!GetVarint32(in, &g.seats_sold) || !GetVarint32(in, &g.seats_refunded) ||
        !GetSigned64(in, &g.sold_value) || !GetSigned64(in, &g.refunded_value) ||
        g.seats_refunded > g.seats_sold)
      return false;
  uint32_t n;
  if (!GetCount(in, &n)) return false;
  l->hours.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    HourSales& h = l->hours[i];
    if (!GetSigned64(in, &h.hour) || (i > 0 && h.hour <= l->hours[i - 1].hour) ||
        !GetVarint32(in, &h.holds) || !GetVarint32(in, &h.seats_held) ||
        !GetVarint32(in, &h.seats_sold) || !GetVarint32(in, &h.seats_refunded) ||
        !GetSigned64(in, &h.sold_value) || !GetSigned64(in, &h.refunded_value))
      return false;
  }
  for (uint64_t* v : {&l->holds_placed, &l->seats_held, &l->holds_confirmed, &l->holds_expired,
                      &l->holds_released, &l->reservations_refunded,
                      &l->reservations_cancelled, &l->payments_requested,
                      &l->payments_succeeded, &l->payments_failed, &l->refunds_settled})
    if (!GetFixed64(in, v)) return false;
  for (int64_t* v : {&l->cancellation_fees, &l->captured, &l->refunded})
    if (!GetSigned64(in, v)) return false;
  return true;
}

}  // namespace

void EncodeState(const EngineState& s, std::string* dst, uint8_t format) {
  if (s.config().reads_only) {  // a bug: it lacks what a snapshot must restore
    std::fputs("EncodeState: a reads-only state cannot be encoded\n", stderr);
    std::abort();
  }
  PutFixed8(dst, format);
  PutFixed64(dst, s.last_seq());
  PutFixed64(dst, static_cast<uint64_t>(s.clock()));
  PutFixed64(dst, s.term());
  if (format >= 9) {
    PutVarint32(dst, static_cast<uint32_t>(s.timelines().size()));
    for (const TimelineStart& t : s.timelines()) {
      PutVarint32(dst, t.timeline);
      PutFixed64(dst, t.first_seq);
      PutFixed64(dst, t.id_base);
    }
  }

  PutVarint32(dst, static_cast<uint32_t>(s.users().size()));
  for (uint64_t id : SortedKeys(s.users())) {
    const User& u = s.users().at(id);
    PutFixed64(dst, u.id);
    PutLengthPrefixed(dst, u.email);
    PutLengthPrefixed(dst, u.password_hash);
    PutFixed8(dst, static_cast<uint8_t>(u.role));
    PutLengthPrefixed(dst, u.name);
    if (format >= 20) PutFixed8(dst, u.disabled ? 1 : 0);
  }
  PutVarint32(dst, static_cast<uint32_t>(s.venues().size()));
  for (uint64_t id : SortedKeys(s.venues())) {
    PutFixed64(dst, id);
    EncodeVenueSpec(*s.venues().at(id)->spec, dst, SpecFormatOf(format));
  }
  PutVarint32(dst, static_cast<uint32_t>(s.concerts().size()));
  for (uint64_t id : SortedKeys(s.concerts())) {
    const Concert& c = *s.concerts().at(id);
    PutFixed64(dst, id);
    PutFixed8(dst, static_cast<uint8_t>(c.sales));
    EncodeConcertSpec(*c.spec, dst, SpecFormatOf(format));
    if (format >= 18) EncodePhaseAndMembers(c, dst);
    if (format >= 19) EncodeDraws(c, dst);
    if (c.room) EncodeRoom(*c.room, dst, format);
    EncodeCooldowns(c, s.clock(), format, dst);
    if (format >= 15) EncodeReturning(c, dst);
    EncodeLedger(c.ledger, dst);
  }
  if (format >= 14) {
    const std::vector<uint16_t>& generations = s.reservations().slot_ids().generations();
    PutVarint32(dst, static_cast<uint32_t>(generations.size()));
    for (uint16_t g : generations) PutVarint32(dst, g);
  }
  PutVarint32(dst, static_cast<uint32_t>(s.reservations().size()));
  for (uint64_t id : SortedKeys(s.reservations())) {
    const Reservation& r = s.reservations().at(id);
    PutFixed64(dst, r.id);
    PutFixed64(dst, r.user);
    PutFixed64(dst, r.concert);
    PutFixed8(dst, static_cast<uint8_t>(r.status));
    PutFixed64(dst, static_cast<uint64_t>(r.amount));
    PutFixed64(dst, static_cast<uint64_t>(r.created_at));
    PutFixed64(dst, static_cast<uint64_t>(r.expires_at));
    PutFixed64(dst, static_cast<uint64_t>(r.ended_at));
    PutFixed8(dst, static_cast<uint8_t>(r.seats.size()));
    for (SeatIndex seat : r.seats) PutFixed32(dst, seat);
    PutFixed64(dst, r.payment);
    PutFixed8(dst, r.extended ? 1 : 0);
  }
  PutVarint32(dst, static_cast<uint32_t>(s.ended().size()));
  s.ended().ForEach([&](const EngineState::Ended& e) { PutFixed64(dst, e.id); });
  PutVarint32(dst, static_cast<uint32_t>(s.idempotency().size()));
  s.idempotency().ForEachOldestFirst([&](UserId user, const IdemKey& key, const IdemEntry& e) {
    PutFixed64(dst, user);
    PutFixed64(dst, key.hi);
    PutFixed64(dst, key.lo);
    PutFixed64(dst, e.fingerprint);
    PutFixed64(dst, e.seq);
    PutVarint32(dst, static_cast<uint32_t>(e.outcome.code));
    PutFixed64(dst, e.outcome.ref);
    PutFixed64(dst, e.outcome.detail);
    PutFixed64(dst, static_cast<uint64_t>(e.recorded_at));
  });
  PutVarint32(dst, static_cast<uint32_t>(s.sessions().size()));
  for (uint64_t id : SortedKeys(s.sessions())) {
    const Session& session = s.sessions().at(id);
    PutFixed64(dst, session.id);
    PutFixed64(dst, session.user);
    PutFixed64(dst, session.refresh_digest.hi);
    PutFixed64(dst, session.refresh_digest.lo);
    PutFixed64(dst, static_cast<uint64_t>(session.expires_at));
    PutVarint32(dst, static_cast<uint32_t>(session.retired.size()));
    for (const TokenDigest& d : session.retired) {
      PutFixed64(dst, d.hi);
      PutFixed64(dst, d.lo);
    }
  }
  PutVarint32(dst, static_cast<uint32_t>(s.payments().size()));
  for (uint64_t id : SortedKeys(s.payments())) EncodePayment(s.payments().at(id), dst, format);
  PutVarint32(dst, static_cast<uint32_t>(s.tickets().size()));
  for (uint64_t id : SortedKeys(s.tickets())) {
    const Ticket& t = s.tickets().at(id);
    PutFixed64(dst, t.id);
    PutFixed64(dst, t.reservation);
    PutFixed64(dst, t.concert);
    PutFixed64(dst, t.holder);
    PutFixed32(dst, t.seat);
    PutVarint32(dst, t.version);
    PutFixed8(dst, static_cast<uint8_t>(t.state));
    PutFixed64(dst, static_cast<uint64_t>(t.checked_in_at));
    PutLengthPrefixed(dst, t.gate);
    if (format >= 11) {
      PutLengthPrefixed(dst, t.offer_to);
      PutFixed64(dst, static_cast<uint64_t>(t.offered_at));
    }
    if (format >= 20) PutFixed8(dst, t.voided ? 1 : 0);
  }
  PutVarint32(dst, static_cast<uint32_t>(s.conflicts().size()));
  for (const EngineState::Conflict& c : s.conflicts()) {
    PutFixed64(dst, c.seq);
    PutFixed64(dst, static_cast<uint64_t>(c.recorded_at));
    PutFixed64(dst, c.what.ticket);
    PutFixed64(dst, c.what.concert);
    PutLengthPrefixed(dst, c.what.gate);
    PutFixed64(dst, static_cast<uint64_t>(c.what.scanned_at));
    PutVarint32(dst, static_cast<uint32_t>(c.what.why));
    PutLengthPrefixed(dst, c.what.first_gate);
    PutFixed64(dst, static_cast<uint64_t>(c.what.first_at));
    if (format >= 10) PutLengthPrefixed(dst, c.what.device);
  }
}

Status StateRestorer::Decode(std::string_view in) {
  uint8_t version;
  uint64_t clock;
  if (!GetFixed8(&in, &version) || !GetFixed64(&in, &s_.last_seq_) || !GetFixed64(&in, &clock))
    return Fail("truncated header");
  if (version < kOldestStateFormatVersion || version > kStateFormatVersion)
    return Fail("unknown format version " + std::to_string(version));
  version_ = version;
  if (version >= 8 && !GetFixed64(&in, &s_.term_)) return Fail("truncated header");
  if (version >= 9) {
    uint32_t n;
    if (!GetCount(&in, &n)) return Fail("truncated timelines");
    for (uint32_t i = 0; i < n; ++i) {
      TimelineStart t;
      if (!GetVarint32(&in, &t.timeline) || !GetFixed64(&in, &t.first_seq) ||
          !GetFixed64(&in, &t.id_base) || t.id_base != TimelineIdBase(t.timeline) ||
          (!s_.timelines_.empty() && t.timeline <= s_.timelines_.back().timeline))
        return Fail("malformed timelines");
      s_.timelines_.push_back(t);
    }
  }
  s_.clock_ = static_cast<TimeMs>(clock);
  Status st = DecodeUsers(&in);
  if (st.ok()) st = DecodeVenuesAndConcerts(&in);
  if (st.ok()) st = DecodeReservations(&in);
  if (st.ok()) st = DecodeTail(&in);
  if (st.ok()) st = DecodePayments(&in);
  if (st.ok()) st = DecodeTickets(&in);
  if (st.ok() && !in.empty()) st = Fail("trailing bytes");
  return st;
}

Status StateRestorer::DecodeUsers(std::string_view* in) {
  uint64_t prev = 0;
  uint32_t n;
  if (!GetCount(in, &n)) return Fail("bad user count");
  for (uint32_t i = 0; i < n; ++i) {
    User u;
    uint8_t role;
    if (!GetFixed64(in, &u.id) || !GetString(in, &u.email) || !GetString(in, &u.password_hash) ||
        !GetFixed8(in, &role) || role > kLastRole || !GetString(in, &u.name))
      return Fail("malformed user");
    uint8_t disabled = 0;
    if (version_ >= 20 && (!GetFixed8(in, &disabled) || disabled > 1))
      return Fail("malformed user status");
    u.disabled = disabled == 1;
    if (!Ascending(i, u.id, &prev)) return Fail("users out of order or repeated");
    u.role = static_cast<Role>(role);
    if (u.id == 0 || s_.FindUserByEmail(u.email) != nullptr) return Fail("duplicate email");
    s_.user_by_email_.Insert(u.email, u.id);
    *s_.users_.Emplace(u.id).first = std::move(u);
  }
  return Status::OK();
}

Status StateRestorer::DecodeVenuesAndConcerts(std::string_view* in) {
  uint64_t prev = 0;
  uint32_t n;
  if (!GetCount(in, &n)) return Fail("bad venue count");
  for (uint32_t i = 0; i < n; ++i) {
    VenueId id;
    auto spec = std::make_shared<VenueSpec>();
    std::string why;
    if (!GetFixed64(in, &id) || !DecodeVenueSpec(in, spec.get(), SpecFormatOf(version_)) ||
        ValidateVenue(*spec, &why) != ResultCode::kOk)
      return Fail("malformed venue " + why);
    if (!Ascending(i, id, &prev)) return Fail("venues out of order or repeated");
    s_.venues_.emplace(id, Venue::Build(id, std::move(spec)));
  }
  if (!GetCount(in, &n)) return Fail("bad concert count");
  prev = 0;
  for (uint32_t i = 0; i < n; ++i) {
    ConcertId id;
    uint8_t sales;
    auto spec = std::make_shared<ConcertSpec>();
    if (!GetFixed64(in, &id) || !GetFixed8(in, &sales) || sales > 2 ||
        !DecodeConcertSpec(in, spec.get(), SpecFormatOf(version_)))
      return Fail("malformed concert");
    if (!Ascending(i, id, &prev)) return Fail("concerts out of order or repeated");
    const Venue* venue = s_.FindVenue(spec->venue);
    std::string why;
    if (venue == nullptr || ValidateConcert(*spec, *venue, &why) != ResultCode::kOk)
      return Fail("concert " + std::to_string(id) + " is invalid " + why);
    auto c = std::make_unique<Concert>(id, std::move(spec), *venue);
    c->sales = static_cast<SalesState>(sales);
    if (version_ >= 18 && !DecodePhaseAndMembers(in, s_, c.get()))
      return Fail("malformed phase or member list of concert " + std::to_string(id));
    if (version_ >= 19 && !DecodeDraws(in, c.get()))
      return Fail("malformed committed draws of concert " + std::to_string(id));
    OpeningDraw* draw = c->room && c->draws[c->phase].committed ? &c->draws[c->phase] : nullptr;
    if (c->room && !DecodeRoom(in, c->room.get(), version_, draw))
      return Fail("malformed waiting room of concert " + std::to_string(id));
    s_.IndexConcert(*c);
    switch (DecodeCooldowns(in, version_, s_, c.get())) {
      case CooldownsRead::kOk: break;
      case CooldownsRead::kMalformed:
        return Fail("malformed re-hold cooldowns of concert " + std::to_string(id));
      case CooldownsRead::kAmbiguous:
        return Status::InvalidArgument(
            "snapshot: two users gave up a seat of concert " + std::to_string(id) +
            " in the same millisecond, and format " + std::to_string(version_) +
            " does not say who was last");
    }
    if (version_ >= 15 &&
        !DecodeReturning(in, s_.clock(), c.get(), s_.config().reads_only ? nullptr : &s_.returns_))
      return Fail("malformed returning seats of concert " + std::to_string(id));
    if (!DecodeLedger(in, &c->ledger))
      return Fail("malformed sales ledger of concert " + std::to_string(id));
    s_.concerts_.emplace(id, std::move(c));
  }
  s_.PlanNextPhase();
  return Status::OK();
}

Status StateRestorer::DecodeReservations(std::string_view* in) {
  uint64_t prev = 0;
  uint32_t n;
  if (version_ >= 14) {
    if (!GetCount(in, &n)) return Fail("bad reservation slot count");
    std::vector<uint16_t> generations(n);
    for (uint16_t& g : generations) {
      uint32_t v;
      if (!GetVarint32(in, &v) || v > SlotIds::kRetired) return Fail("malformed slot generation");
      g = static_cast<uint16_t>(v);
    }
    if (!s_.reservations_.RestoreGenerations(std::move(generations)))
      return Fail("bad reservation slot generations");
  }
  if (!GetCount(in, &n)) return Fail("bad reservation count");
  for (uint32_t i = 0; i < n; ++i) {
    Reservation r;
    SeatList seats;
    uint8_t status, count;
    uint64_t amount, created, expires, ended;
    if (!GetFixed64(in, &r.id) || !GetFixed64(in, &r.user) || !GetFixed64(in, &r.concert) ||
        !GetFixed8(in, &status) || status > 5 || !GetFixed64(in, &amount) ||
        !GetFixed64(in, &created) || !GetFixed64(in, &expires) || !GetFixed64(in, &ended) ||
        !GetFixed8(in, &count) || count > kMaxSeatsPerHold)
      return Fail("malformed reservation");
    // Out of order or twice: a second copy would replace the first after its seats were taken.
    if (!Ascending(i, r.id, &prev)) return Fail("reservations out of order or repeated");
    for (uint8_t k = 0; k < count; ++k) {
      uint32_t seat;
      if (!GetFixed32(in, &seat)) return Fail("malformed reservation seats");
      seats.push_back(seat);
    }
    uint8_t flags;
    if (!GetFixed64(in, &r.payment) || !GetFixed8(in, &flags) || flags > 1)
      return Fail("malformed reservation payment");
    r.extended = flags == 1;
    r.status = static_cast<ReservationStatus>(status);
    r.amount = static_cast<int64_t>(amount);
    r.created_at = static_cast<TimeMs>(created);
    r.expires_at = static_cast<TimeMs>(expires);
    r.ended_at = static_cast<TimeMs>(ended);
    auto cit = s_.concerts_.find(r.concert);
    if (cit == s_.concerts_.end())
      return Fail("reservation " + std::to_string(r.id) + " of an unknown concert");
    r.seats = s_.seat_pool_.Store(seats);
    // No timeline after the state's own made it.
    if (r.id / kTimelineIdStride > s_.timeline())
      return Fail("reservation " + std::to_string(r.id) + " of a timeline after the state's");
    // An older writer running behind a newer leader can keep slot ids in an older format,
    // without their generations: such a state cannot be loaded exactly, so recovery passes
    // over it and replays (as for DecodeCooldowns).
    if (version_ < 14 && SlotTable<Reservation>::IsSlotId(r.id))
      return Status::InvalidArgument("snapshot: a format " + std::to_string(version_) +
                                     " state with reservation " + std::to_string(r.id) +
                                     ", a slot id without its slot's generations");
    // A slot id must name a free slot at its generation.
    Reservation* slot = s_.reservations_.Restore(r.id);
    if (slot == nullptr)
      return Fail("reservation " + std::to_string(r.id) + " names a slot it cannot have");
    Reservation& placed = *slot = r;
    const bool live = IsLive(r.status);
    if (live || r.status == ReservationStatus::kConfirmed) {
      Concert& c = *cit->second;
      for (SeatIndex seat : r.seats) {
        if (seat >= c.seats.size() || !c.seats.IsAvailable(seat))
          return Fail("seat " + std::to_string(seat) + " of reservation " +
                      std::to_string(r.id) + " is unknown or taken twice");
        c.seats.Restore(seat, live ? SeatStatus::kHeld : SeatStatus::kSold, r.id);
      }
      const uint32_t user_slot = s_.UserSlot(r.user);
      if (user_slot == EngineState::kNoUserSlot)
        return Fail("reservation " + std::to_string(r.id) + " of an unknown user");
      if (!s_.config().reads_only)
        c.seats_per_user.Add(user_slot, static_cast<uint32_t>(r.seats.size()));
    }
    if (live && !s_.config().reads_only) s_.timers_.Push(&placed);
  }
  return Status::OK();
}

Status StateRestorer::DecodeTail(std::string_view* in) {
  std::unordered_set<ReservationId> listed;
  uint32_t n;
  if (!GetCount(in, &n)) return Fail("bad ended count");
  for (uint32_t i = 0; i < n; ++i) {
    ReservationId id;
    if (!GetFixed64(in, &id)) return Fail("malformed ended list");
    // Pruning the list drops the reservations it names: it must name only ended ones, once.
    const Reservation* r = s_.reservations_.Find(id);
    if (r == nullptr || IsLive(r->status) || r->status == ReservationStatus::kConfirmed ||
        !listed.insert(id).second)
      return Fail("ended list names reservation " + std::to_string(id) +
                  ", which is not an ended reservation, or twice");
    s_.ended_.push_back(EngineState::Ended{id, r->ended_at});
  }
  if (!GetCount(in, &n)) return Fail("bad idempotency count");
  for (uint32_t i = 0; i < n; ++i) {
    UserId user;
    IdemKey key;
    IdemEntry e;
    uint32_t code;
    uint64_t recorded;
    if (!GetFixed64(in, &user) || !GetFixed64(in, &key.hi) || !GetFixed64(in, &key.lo) ||
        !GetFixed64(in, &e.fingerprint) || !GetFixed64(in, &e.seq) || !GetVarint32(in, &code) ||
        !GetFixed64(in, &e.outcome.ref) || !GetFixed64(in, &e.outcome.detail) ||
        !GetFixed64(in, &recorded))
      return Fail("malformed idempotency entry");
    e.outcome.code = static_cast<ResultCode>(code);
    e.recorded_at = static_cast<TimeMs>(recorded);
    if (!s_.config().reads_only) s_.idempotency_.Insert(user, key, e);
  }
  if (!GetCount(in, &n)) return Fail("bad session count");
  for (uint32_t i = 0; i < n; ++i) {
    Session s;
    if (!GetFixed64(in, &s.id) || !GetFixed64(in, &s.user) ||
        !GetFixed64(in, &s.refresh_digest.hi) || !GetFixed64(in, &s.refresh_digest.lo) ||
        !GetSigned64(in, &s.expires_at))
      return Fail("malformed session");
    uint32_t retired;
    if (!GetCount(in, &retired) || retired > kMaxRetiredDigests)
      return Fail("malformed session " + std::to_string(s.id));
    for (uint32_t k = 0; k < retired; ++k) {
      TokenDigest d;
      if (!GetFixed64(in, &d.hi) || !GetFixed64(in, &d.lo) ||
          !s_.session_by_retired_digest_.Insert(d, s.id).second)
        return Fail("malformed retired token of session " + std::to_string(s.id));
      s.retired.push_back(d);
    }
    if (!s_.users_.contains(s.user) || s_.sessions_.contains(s.id) ||
        !s_.session_by_digest_.Insert(s.refresh_digest, s.id).second)
      return Fail("session " + std::to_string(s.id) + " is inconsistent");
    auto& mine = s_.sessions_of_user_[s.user];
    if (mine.size() >= kMaxSessionsPerUser)
      return Fail("user " + std::to_string(s.user) + " has too many sessions");
    mine.push_back(s.id);  // ascending id = creation order
    *s_.sessions_.Emplace(s.id).first = s;
  }
  return Status::OK();
}

Status StateRestorer::DecodePayments(std::string_view* in) {
  uint32_t n;
  if (!GetCount(in, &n)) return Fail("bad payment count");
  for (uint32_t i = 0; i < n; ++i) {
    Payment p;
    if (!DecodePayment(in, &p, version_)) return Fail("malformed payment");
    const Reservation* r = s_.FindReservation(p.reservation);
    if (s_.payments_.contains(p.id) || (r != nullptr && r->payment != p.id))
      return Fail("payment " + std::to_string(p.id) + " is inconsistent");
    const PaymentId id = p.id;
    *s_.payments_.Emplace(id).first = std::move(p);
  }
  return Status::OK();
}

Status StateRestorer::DecodeTickets(std::string_view* in) {
  uint64_t prev = 0;
  uint32_t n;
  if (!GetCount(in, &n)) return Fail("bad ticket count");
  for (uint32_t i = 0; i < n; ++i) {
    Ticket t;
    uint8_t state;
    if (!GetFixed64(in, &t.id) || !GetFixed64(in, &t.reservation) || !GetFixed64(in, &t.concert) ||
        !GetFixed64(in, &t.holder) || !GetFixed32(in, &t.seat) || !GetVarint32(in, &t.version) ||
        t.version == 0 || !GetFixed8(in, &state) ||
        state > static_cast<uint8_t>(TicketState::kRevoked) || !GetSigned64(in, &t.checked_in_at) ||
        !GetString(in, &t.gate) || t.gate.size() > kMaxGateName ||
        (version_ >= 11 && (!GetString(in, &t.offer_to) || !GetSigned64(in, &t.offered_at))))
      return Fail("malformed ticket");
    uint8_t voided = 0;
    if (version_ >= 20 && (!GetFixed8(in, &voided) || voided > 1 ||
                           (voided == 1 && state != static_cast<uint8_t>(TicketState::kRevoked))))
      return Fail("malformed ticket " + std::to_string(t.id) + " (voided)");
    t.voided = voided == 1;
    if ((!t.offer_to.empty() && state != static_cast<uint8_t>(TicketState::kValid)) ||
        t.offer_to.size() > kMaxEmail || (t.offer_to.empty() && t.offered_at != 0))
      return Fail("ticket " + std::to_string(t.id) + " has an offer it cannot have");
    if (!Ascending(i, t.id, &prev)) return Fail("tickets out of order or repeated");
    t.state = static_cast<TicketState>(state);
    const Concert* c = s_.FindConcert(t.concert);
    if (c == nullptr || t.seat >= c->seats.size() || !s_.users_.contains(t.holder))
      return Fail("ticket " + std::to_string(t.id) + " is inconsistent");
    // A reservation's tickets are consecutive, the first one is the lowest id.
    if (s_.reservations_.contains(t.reservation) && !s_.first_ticket_of_.Contains(t.reservation))
      s_.first_ticket_of_.Insert(t.reservation, t.id);
    const TicketId id = t.id;
    Ticket& placed = *s_.tickets_.Emplace(id).first;
    placed = std::move(t);
    if (!placed.offer_to.empty()) {
      std::string to;
      to.swap(placed.offer_to);  // AddOffer indexes it, as TicketOffered did
      s_.AddOffer(placed, to, placed.offered_at);
    }
  }
  if (!GetCount(in, &n)) return Fail("bad conflict count");
  for (uint32_t i = 0; i < n; ++i) {
    EngineState::Conflict c;
    uint32_t why;
    if (!GetFixed64(in, &c.seq) || !GetSigned64(in, &c.recorded_at) ||
        !GetFixed64(in, &c.what.ticket) || !GetFixed64(in, &c.what.concert) ||
        !GetString(in, &c.what.gate) || !GetSigned64(in, &c.what.scanned_at) ||
        !GetVarint32(in, &why) || !GetString(in, &c.what.first_gate) ||
        !GetSigned64(in, &c.what.first_at) ||
        (version_ >= 10 && !GetString(in, &c.what.device)) ||
        !s_.tickets_.contains(c.what.ticket))
      return Fail("malformed check-in conflict");
    c.what.why = static_cast<ResultCode>(why);
    s_.AddConflict(std::move(c));
  }
  return Status::OK();
}

Result<std::unique_ptr<EngineState>> DecodeState(std::string_view in, EngineConfig config) {
  auto state = std::make_unique<EngineState>(config);
  if (Status s = StateRestorer(*state).Decode(in); !s.ok()) return s;
  // A read model's state (reads_only) keeps no decision state: the restore above builds none
  // of it per hold or key; this drops the rest (cooldowns read from formats before 13).
  if (config.reads_only) state->DropDecisionState();
  return state;
}

uint64_t EncodedStateDigest(std::string_view encoded) {
  return Hash64(encoded, 0x73746174652d6864ULL);
}

bool EncodesAsWritten(const EngineState& state, uint8_t format) {
  if (format >= 14) return true;
  // Reservation ids named slots only from 14: an older writer never made this state.
  if (!state.reservations().slot_ids().generations().empty()) return false;
  if (format == 13) return true;
  for (const auto& [id, c] : state.concerts())
    if (c->spec->rehold_cooldown_ms > 0 && c->ledger.holds_released + c->ledger.holds_expired > 0)
      return false;
  return true;
}

Status CheckStateHashed(const EngineState& state, const StateHashed& recorded,
                        std::string* encoded) {
  if (recorded.state_seq != state.last_seq())
    return Status::Corruption("a state hash of seq " + std::to_string(recorded.state_seq) +
                              " checked at seq " + std::to_string(state.last_seq()));
  if (!CanEncodeStateFormat(recorded.format))
    return Status::Corruption("a state hash of state format " +
                              std::to_string(recorded.format) +
                              ", which this version cannot make");
  std::string scratch;
  std::string& bytes = encoded != nullptr ? *encoded : scratch;
  bytes.clear();
  EncodeState(state, &bytes, recorded.format);
  const uint64_t digest = EncodedStateDigest(bytes);
  if (digest == recorded.digest) return Status::OK();
  return StateDiffers(state.last_seq(), digest, recorded.digest);
}

Status StateDiffers(Seq seq, uint64_t here, uint64_t recorded) {
  char detail[96];
  std::snprintf(detail, sizeof detail, ": digest %016llx here, %016llx in the log",
                static_cast<unsigned long long>(here),
                static_cast<unsigned long long>(recorded));
  return Status::Corruption("the state at seq " + std::to_string(seq) +
                            " differs from the leader's" + detail);
}

uint64_t StateHash(const EngineState& state) {
  std::string bytes;
  EncodeState(state, &bytes);
  Hasher h;
  h.Update(bytes);
  for (uint64_t id : SortedKeys(state.concerts())) {
    const Concert& c = *state.concerts().at(id);
    std::string cells;
    cells.reserve(c.seats.size() * 8 + 32);
    for (SeatIndex s = 0; s < c.seats.size(); ++s)
      PutFixed64(&cells, c.seats.owner(s) << 2 | static_cast<uint64_t>(c.seats.status(s)));
    PutFixed64(&cells, c.seats.held());
    PutFixed64(&cells, c.seats.sold());
    std::vector<std::pair<UserId, uint32_t>> per_user;
    per_user.reserve(c.seats_per_user.size());
    c.seats_per_user.ForEach(
        [&](uint32_t slot, uint32_t n) { per_user.emplace_back(state.UserAtSlot(slot), n); });
    std::sort(per_user.begin(), per_user.end());
    for (const auto& [user, n] : per_user) {
      PutFixed64(&cells, user);
      PutFixed64(&cells, n);
    }
    h.Update(cells);
  }
  return h.Final();
}

}  // namespace cm::engine
