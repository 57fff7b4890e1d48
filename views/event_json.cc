#include "views/event_json.h"

#include <cstdio>

#include "engine/opening_draw.h"
#include "json/json_writer.h"

namespace cm::views {

using namespace cm::engine;

namespace {

struct Fields {
  std::string* out;
  void Num(const char* name, int64_t v) { *out += ",\"" + std::string(name) + "\":" + std::to_string(v); }
  void UNum(const char* name, uint64_t v) {
    *out += ",\"" + std::string(name) + "\":" + std::to_string(v);
  }
  void Str(const char* name, std::string_view v) {
    *out += ",\"" + std::string(name) + "\":";
    json::AppendQuoted(v, out);
  }
  void Seats(const SeatList& seats) {
    *out += ",\"seats\":[";
    for (std::size_t i = 0; i < seats.size(); ++i) {
      if (i) out->push_back(',');
      *out += std::to_string(seats[i]);
    }
    out->push_back(']');
  }
  void Users(const std::vector<UserId>& users) {
    *out += ",\"users\":[";
    for (std::size_t i = 0; i < users.size(); ++i) {
      if (i) out->push_back(',');
      *out += std::to_string(users[i]);
    }
    out->push_back(']');
  }

  void operator()(const UserRegistered& b) {
    UNum("user", b.user);
    Str("email", b.email);
    Str("role", ToString(b.role));  // the password hash stays out of dumps
    Str("name", b.name);
  }
  // Token digests stay out of dumps too.
  void operator()(const SessionStarted& b) {
    UNum("session", b.session);
    UNum("user", b.user);
    Num("expires_at", b.expires_at);
  }
  void operator()(const SessionRefreshed& b) {
    UNum("session", b.session);
    UNum("user", b.user);
    Num("expires_at", b.expires_at);
  }
  void operator()(const SessionEnded& b) {
    UNum("session", b.session);
    UNum("user", b.user);
  }
  void operator()(const VenueCreated& b) {
    UNum("venue", b.venue);
    Str("name", b.spec->name);
    std::size_t seats = 0;
    for (const auto& s : b.spec->sections)
      for (const auto& r : s.rows) seats += r.seats.size();
    UNum("sections", b.spec->sections.size());
    UNum("seat_count", seats);
  }
  void operator()(const ConcertCreated& b) {
    UNum("concert", b.concert);
    UNum("venue", b.spec->venue);
    Str("title", b.spec->title);
    Num("sales_open_at", b.spec->sales_open_at);
    Num("sales_close_at", b.spec->sales_close_at);
    Num("hold_ttl_ms", b.spec->hold_ttl_ms);
    UNum("max_seats_per_user", b.spec->max_seats_per_user);
    Num("doors_open_at", b.spec->doors_open_at);
    // The window, never its key: the key is what keeps a seat's moment unpredictable.
    if (b.spec->return_window_ms > 0) Num("return_window_ms", b.spec->return_window_ms);
    if (const engine::WaitingRoomSettings& w = b.spec->waiting_room; w.enabled) {
      UNum("queue_max_active", w.max_active);
      UNum("queue_admit_per_second", w.admit_per_second);
      Num("queue_admission_ttl_ms", w.admission_ttl_ms);
      Num("queue_pre_queue_ms", w.pre_queue_ms);
      Num("queue_abandon_after_ms", w.abandon_after_ms);
    }
    if (!b.spec->phases.empty()) UNum("sale_phases", b.spec->phases.size());
  }
  void operator()(const SalesOpened& b) { UNum("concert", b.concert); }
  void operator()(const SalesClosed& b) { UNum("concert", b.concert); }
  void operator()(const HoldPlaced& b) {
    UNum("reservation", b.reservation);
    UNum("concert", b.concert);
    UNum("user", b.user);
    Num("amount", b.amount);
    Num("expires_at", b.expires_at);
    Seats(b.seats);
  }
  void Ids(uint64_t reservation, uint64_t concert, uint64_t user) {
    UNum("reservation", reservation);
    if (concert != 0) UNum("concert", concert);  // records before format 3 do not name them
    if (user != 0) UNum("user", user);
  }
  void operator()(const HoldReleased& b) {
    Ids(b.reservation, b.concert, b.user);
    if (b.by != 0) UNum("by", b.by);
  }
  void operator()(const HoldExpired& b) { Ids(b.reservation, b.concert, b.user); }
  void operator()(const ReservationConfirmed& b) {
    Ids(b.reservation, b.concert, b.user);
    if (b.by != 0) UNum("by", b.by);
  }
  void operator()(const ReservationRefunded& b) {
    Ids(b.reservation, b.concert, b.user);
    Num("amount", b.amount);
    if (b.by != 0) UNum("by", b.by);
    if (!b.reason.empty()) Str("reason", b.reason);
  }
  void operator()(const TicketRevoked& b) {
    UNum("ticket", b.ticket);
    UNum("concert", b.concert);
    UNum("holder", b.holder);
    UNum("by", b.by);
    Str("reason", b.reason);
  }
  void operator()(const AccountStatusChanged& b) {
    UNum("user", b.user);
    out->append(",\"disabled\":").append(b.disabled ? "true" : "false");
    UNum("by", b.by);
    if (!b.reason.empty()) Str("reason", b.reason);
  }
  template <class PaymentEvent>
  void PaymentIds(const PaymentEvent& b) {
    UNum("payment", b.payment);
    Ids(b.reservation, b.concert, b.user);
  }
  void operator()(const engine::PaymentRequested& b) {
    PaymentIds(b);
    Num("amount", b.amount);
    Str("method", ToString(b.method));
    if (b.wallet != engine::EasyPayProvider::kNone) Str("wallet", ToString(b.wallet));
    Num("hold_expires_at", b.hold_expires_at);
  }
  void operator()(const engine::PaymentSucceeded& b) {
    PaymentIds(b);
    UNum("attempt", b.attempt);
    Num("amount", b.amount);
  }
  void operator()(const engine::PaymentFailed& b) {
    PaymentIds(b);
    UNum("attempt", b.attempt);
    Str("outcome", ToString(b.outcome));
    out->append(",\"final\":").append(b.final ? "true" : "false");
    if (!b.final) Num("retry_at", b.retry_at);
    if (!b.detail.empty()) Str("detail", b.detail);
  }
  void operator()(const engine::RefundIssued& b) {
    PaymentIds(b);
    Num("amount", b.amount);
    Str("why", ToString(b.why));
  }
  void operator()(const engine::SeatsReleased& b) { PaymentIds(b); }
  // The account is the buyer's to see (GET /api/payments/{id}), not the event log's.
  void operator()(const engine::VirtualAccountIssued& b) {
    PaymentIds(b);
    Str("bank", b.bank);
  }
  void operator()(const engine::RefundSettled& b) {
    PaymentIds(b);
    Num("amount", b.amount);
  }
  void operator()(const TicketIssued& b) {
    UNum("ticket", b.ticket);
    Ids(b.reservation, b.concert, b.holder);
    UNum("seat", b.seat);
  }
  void operator()(const TicketCheckedIn& b) {
    UNum("ticket", b.ticket);
    UNum("concert", b.concert);
    UNum("user", b.holder);
    UNum("version", b.version);
    Str("gate", b.gate);
    Num("scanned_at", b.scanned_at);
    out->append(",\"offline\":").append(b.offline ? "true" : "false");
  }
  // The address is what a mailer consuming the tickets topic writes to.
  void operator()(const TicketOffered& b) {
    UNum("ticket", b.ticket);
    UNum("concert", b.concert);
    UNum("from", b.from);
    Str("to_email", b.to_email);
  }
  void operator()(const TicketOfferEnded& b) {
    UNum("ticket", b.ticket);
    UNum("concert", b.concert);
    UNum("from", b.from);
    UNum("by", b.by);
  }
  void operator()(const TicketTransferred& b) {
    UNum("ticket", b.ticket);
    UNum("concert", b.concert);
    UNum("from", b.from);
    UNum("to", b.to);
    UNum("version", b.version);
  }
  void operator()(const CheckInConflict& b) {
    UNum("ticket", b.ticket);
    UNum("concert", b.concert);
    Str("gate", b.gate);
    Num("scanned_at", b.scanned_at);
    Str("why", ToString(b.why));
    if (!b.first_gate.empty()) {
      Str("first_gate", b.first_gate);
      Num("first_at", b.first_at);
    }
    if (!b.device.empty()) Str("device", b.device);
  }
  void operator()(const ReservationCancelled& b) {
    Ids(b.reservation, b.concert, b.user);
    Num("refund", b.refund);
    Num("fee", b.fee);
  }
  void operator()(const HoldExtended& b) {
    Ids(b.reservation, b.concert, b.user);
    Num("expires_at", b.expires_at);
  }
  void operator()(const SeatsReturned& b) {
    UNum("concert", b.concert);
    Seats(b.seats);
  }
  void operator()(const SalePhaseBegan& b) {
    UNum("concert", b.concert);
    UNum("phase", b.phase);
  }
  // The entries are keyed hashes: only their number says anything.
  void operator()(const MembersListed& b) {
    UNum("concert", b.concert);
    UNum("replace", b.replace ? 1 : 0);
    UNum("entries", b.entries.size());
  }
  void operator()(const MemberCodeClaimed& b) {
    UNum("concert", b.concert);
    UNum("user", b.user);
  }
  // The seed and the key stay secret until the opening and the sale's end: only the commitment.
  void operator()(const QueueCommitted& b) {
    UNum("concert", b.concert);
    UNum("phase", b.phase);
    Str("commitment", HexOf(b.commitment));
    Str("key_commitment", HexOf(CommitmentOf(b.key, b.concert, b.phase)));
  }
  void operator()(const TermStarted& b) {
    UNum("term", b.term);
    Str("leader", b.leader);
  }
  void operator()(const StateHashed& b) {
    UNum("state_seq", b.state_seq);
    UNum("digest", b.digest);
    UNum("format", b.format);
  }
  void operator()(const SnapshotMarked& b) { UNum("format", b.format); }
  void operator()(const TimelineStarted& b) {
    UNum("timeline", b.timeline);
    UNum("id_base", b.id_base);
  }
  void operator()(const CommandRejected& b) {
    Str("command", ToString(b.command));
    Str("code", ToString(b.code));
    UNum("detail", b.detail);
    if (!b.seats.empty()) Seats(b.seats);
    if (!b.reason.empty()) Str("reason", b.reason);
  }
  void operator()(const QueueJoined& b) {
    UNum("concert", b.concert);
    UNum("user", b.user);
  }
  void operator()(const QueueOpened& b) {
    UNum("concert", b.concert);
    if (b.order == OpenOrder::kRanked) {
      Str("seed", HexOf(b.revealed));  // the committed seed, public from the opening
      Str("order", "RANKED");
      return;
    }
    UNum("seed", b.seed);
    Str("order", b.order == OpenOrder::kDrawn ? "DRAWN" : "SHUFFLED_AT_ONCE");
  }
  void operator()(const QueueDrawn& b) {
    UNum("concert", b.concert);
    UNum("count", b.count);
  }
  void operator()(const QueueAdmitted& b) {
    UNum("concert", b.concert);
    Num("expires_at", b.expires_at);
    Users(b.users);
  }
  void operator()(const QueueTicketsEnded& b) {
    UNum("concert", b.concert);
    Str("why", ToString(b.why));
    Users(b.users);
  }
  void operator()(const DuplicateCommand& b) {
    UNum("original_seq", b.original_seq);
    Str("code", ToString(b.code));
    UNum("ref", b.ref);
    UNum("detail", b.detail);
  }
};

}  // namespace

void AppendEventJson(const Event& e, std::string* out) { AppendEventJson(e, 0, out); }

void AppendEventJson(const Event& e, Timeline timeline, std::string* out) {
  *out += "{\"seq\":" + std::to_string(e.seq);
  if (timeline != 0) *out += ",\"timeline\":" + std::to_string(timeline);  // after a restore
  *out += ",\"ts\":" + std::to_string(e.ts);
  if (e.term != 0) *out += ",\"term\":" + std::to_string(e.term);  // replicated journals only
  *out += ",\"type\":";
  json::AppendQuoted(ToString(TypeOf(e)), out);
  Fields f{out};
  std::visit(f, e.body);
  if (e.idem) {
    char key[40];
    std::snprintf(key, sizeof key, "%016llx%016llx",
                  static_cast<unsigned long long>(e.idem->key.hi),
                  static_cast<unsigned long long>(e.idem->key.lo));
    *out += ",\"idempotency\":{\"user\":" + std::to_string(e.idem->user) + ",\"key\":\"" + key +
            "\"}";
  }
  out->push_back('}');
}

}  // namespace cm::views
