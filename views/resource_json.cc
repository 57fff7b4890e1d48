#include "views/resource_json.h"

#include "views/queue_proof.h"

#include "readmodel/queue_stats.h"
#include "views/venue_layout.h"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace cm::views {

using json::FormatTime;
using readmodel::QueueStats;

using namespace engine;

std::string_view SalesStatusOf(const Concert& c, int64_t now_ms) {
  if (c.sales == SalesState::kClosed || now_ms >= c.spec->sales_close_at) return "CLOSED";
  if (c.sales != SalesState::kOpen) return "SCHEDULED";
  const ConcertSpec& s = *c.spec;
  if (now_ms >= s.Phase(s.PhaseAt(now_ms)).opens_at) return "ON_SALE";
  return now_ms >= s.sales_open_at ? "BETWEEN_PHASES" : "SCHEDULED";
}

void WriteUser(JsonWriter& w, const User& u) {
  w.BeginObject()
      .Field("id", u.id)
      .Field("email", u.email)
      .Field("name", u.name)
      .Field("role", ToString(u.role))
      .Field("disabled", u.disabled)
      .EndObject();
}

// The sale's phases (empty: one, the concert's own window), the one whose turn it is and when
// the next opens.
static void WriteSalePhases(JsonWriter& w, const ConcertSpec& s, int64_t now_ms) {
  w.Key("salePhases").BeginArray();
  for (const SalePhase& p : s.phases)
    w.BeginObject()
        .Field("name", p.name)
        .Field("opensAt", FormatTime(p.opens_at))
        .Field("closesAt", FormatTime(p.closes_at))
        .Field("maxSeatsPerUser", p.max_seats_per_user)
        .Field("membersOnly", p.members_only)
        .Field("waitingRoom", p.waiting_room.enabled)
        .EndObject();
  w.EndArray();
  const std::size_t now_phase = s.PhaseAt(now_ms);
  w.Key("currentPhase");
  if (s.phases.empty())
    w.Null();
  else
    w.Uint(now_phase);
  w.Field("membersOnly", s.Phase(now_phase).members_only).Key("nextPhaseOpensAt");
  // The next opening still ahead: this phase's own, or the one after it.
  int64_t next = 0;
  for (std::size_t i = now_phase; i < s.phases.size() && next == 0; ++i)
    if (s.phases[i].opens_at > now_ms) next = s.phases[i].opens_at;
  if (next > 0)
    w.String(FormatTime(next));
  else
    w.Null();
}

static void WriteConcertFields(JsonWriter& w, const Concert& c, int64_t now_ms) {
  const ConcertSpec& s = *c.spec;
  w.Field("id", c.id)
      .Field("title", s.title)
      .Key("venue")
      .BeginObject()
      .Field("id", c.venue->id)
      .Field("name", c.venue->spec->name)
      .EndObject()
      .Field("startsAt", FormatTime(s.starts_at))
      .Field("salesOpenAt", FormatTime(s.sales_open_at))
      .Field("salesCloseAt", FormatTime(s.sales_close_at))
      .Field("status", SalesStatusOf(c, now_ms))
      .Field("holdTtlSeconds", s.hold_ttl_ms / 1000)
      .Field("maxSeatsPerUser", s.Phase(s.PhaseAt(now_ms)).max_seats_per_user)
      .Field("reholdCooldownSeconds", s.rehold_cooldown_ms / 1000)
      .Field("returnWindowSeconds", s.return_window_ms / 1000)
      .Field("doorsOpenAt", FormatTime(s.doors_open_at))
      .Field("transferCutoffHours", s.transfer_cutoff_ms / 3'600'000)
      .Field("holdExtensionSeconds", s.hold_extension_ms / 1000)
      .Field("maxHoldSeconds", (s.max_hold_ms > 0 ? s.max_hold_ms
                                                  : s.hold_ttl_ms + s.hold_extension_ms) /
                                   1000);
  w.Key("refundPolicy")
      .BeginObject()
      .Field("deadlineHours", s.refund.deadline_ms / 3'600'000)
      .Field("feePercent", s.refund.fee_percent)
      .Field("refundableUntil", FormatTime(s.starts_at - s.refund.deadline_ms))
      .EndObject();
  // The proof of work asked of each arrival (the gateway's; null: none). Where: the queue's
  // join with a waiting room, else each hold.
  w.Key("proofOfWork");
  if (const ProofOfWorkSettings& p = s.proof_of_work; p.enabled()) {
    w.BeginObject()
        .Field("difficulty", p.difficulty)
        .Field("cost", p.cost)
        .Field("maxDifficulty", p.max_difficulty)
        .Field("risePerSecond", p.rise_per_second)
        .Field("challenge", "/api/v1/concerts/" + std::to_string(c.id) + "/pow-challenge")
        .Field("askedAt", c.room ? "JOIN_QUEUE" : "HOLD")
        .EndObject();
  } else {
    w.Null();
  }
  // Wheelchair spaces and companion seats, and until when they are held back for those who need
  // them (releaseAt null: for good).
  const Venue& hall = *c.venue;
  w.Key("accessibleSeats")
      .BeginObject()
      .Field("wheelchairSpaces", hall.wheelchair_spaces)
      .Field("companionSeats", hall.accessible_seats - hall.wheelchair_spaces)
      .Field("companionsPerSpace", s.accessible.companions_per_space)
      .Key("releaseAt");
  if (s.accessible.release_at > 0)
    w.String(FormatTime(s.accessible.release_at));
  else
    w.Null();
  w.Field("heldBack", hall.accessible_seats > 0 && s.WithholdsAccessible(now_ms)).EndObject();
  w.Field("seatsTotal", static_cast<uint64_t>(c.seats.size()))
      .Field("seatsAvailable", static_cast<uint64_t>(c.seats.available()));
  const auto [lo, hi] = std::minmax_element(s.price_per_grade.begin(), s.price_per_grade.end());
  w.Field("minPrice", *lo).Field("maxPrice", *hi);
  WriteSalePhases(w, s, now_ms);
  WriteQueueDraws(w, c, now_ms);
  // 무통장입금: the rule, and the deadline a payment asked for now would get.
  w.Key("bankTransfer");
  if (const BankTransferRules& b = s.bank_transfer; b.enabled) {
    w.BeginObject()
        .Field("depositDays", b.days_after)
        .Field("depositWindowSeconds", b.window_ms / 1000)
        .Field("utcOffsetMinutes", static_cast<int64_t>(b.utc_offset_minutes))
        .Field("cutoffHoursBeforeShow", b.before_show_ms / 3'600'000)
        .Field("depositDeadlineIfPaidNow", FormatTime(s.DepositDeadline(now_ms)))
        .EndObject();
  } else {
    w.Null();
  }
  w.Key("waitingRoom");
  // The current phase's room (the read model's phase; a room is made when its turn comes).
  if (!c.room) {
    w.Null();
    return;
  }
  const WaitingRoomSettings& q = c.room->settings();
  w.BeginObject()
      .Field("maxActive", static_cast<uint64_t>(q.max_active))
      .Field("admitPerSecond", static_cast<uint64_t>(q.admit_per_second))
      .Field("admissionSeconds", q.admission_ttl_ms / 1000)
      .Field("preQueueSeconds", q.pre_queue_ms / 1000)
      .Field("abandonAfterSeconds", q.abandon_after_ms / 1000)
      .Field("opensAt", FormatTime(c.Phase().opens_at - q.pre_queue_ms))
      .Field("open", c.room->opened())
      .Field("waiting", c.room->waiting())
      .Field("admittedNow", static_cast<uint64_t>(c.room->active()))
      .EndObject();
}

void WriteConcertSummary(JsonWriter& w, const Concert& c, int64_t now_ms) {
  w.BeginObject();
  WriteConcertFields(w, c, now_ms);
  w.EndObject();
}

void WriteConcertDetails(JsonWriter& w, const Concert& c, int64_t now_ms) {
  const Venue& v = *c.venue;
  std::vector<uint64_t> total(v.grade_count()), available(v.grade_count());
  for (SeatIndex s = 0; s < c.seats.size(); ++s) {
    const uint8_t g = v.seats[s].grade;
    ++total[g];
    if (c.seats.IsAvailable(s)) ++available[g];
  }
  w.BeginObject();
  WriteConcertFields(w, c, now_ms);
  w.Key("grades").BeginArray();
  for (std::size_t g = 0; g < v.grade_count(); ++g)
    w.BeginObject()
        .Field("name", v.spec->grades[g])
        .Field("price", c.spec->price_per_grade[g])
        .Field("seatsTotal", total[g])
        .Field("seatsAvailable", available[g])
        .EndObject();
  w.EndArray();
  w.Key("sections").BeginArray();
  for (const auto& sec : v.spec->sections) w.String(sec.name);
  w.EndArray().EndObject();
}

char PublicSeatLetter(const engine::SeatMap& seats, SeatIndex s) {
  switch (seats.status(s)) {
    case SeatStatus::kAvailable: return 'A';
    case SeatStatus::kHeld: return 'H';
    case SeatStatus::kSold: return 'S';
    case SeatStatus::kReturning: return seats.returning_from_sale(s) ? 'S' : 'H';
  }
  return '?';
}

std::string RenderSeatLetters(const Concert& c) {
  std::string out(c.venue->seat_count(), 'A');
  for (SeatIndex s = 0; s < out.size(); ++s) out[s] = PublicSeatLetter(c.seats, s);
  return out;
}

std::string RenderSeatMap(const Concert& c, Seq version, std::optional<std::size_t> only_section) {
  const Venue& v = *c.venue;
  JsonWriter w;
  w.BeginObject().Field("concertId", c.id).Field("version", version);
  w.Key("grades").BeginArray();
  for (std::size_t g = 0; g < v.grade_count(); ++g)
    w.BeginObject()
        .Field("name", v.spec->grades[g])
        .Field("price", c.spec->price_per_grade[g])
        .EndObject();
  w.EndArray();
  // A sixth field only for a seat with attributes: their names (WHEELCHAIR, COMPANION, ...).
  w.Key("seatFormat").BeginArray().String("id").String("number").String("grade").String("price")
      .String("status").String("attributes").EndArray();
  w.Key("sections").BeginArray();
  std::size_t row_index = 0;
  for (std::size_t k = 0; k < v.spec->sections.size(); ++k) {
    const auto& sec = v.spec->sections[k];
    if (only_section && *only_section != k) {
      row_index += sec.rows.size();
      continue;
    }
    w.BeginObject().Field("name", sec.name).Key("rows").BeginArray();
    for (const auto& row : sec.rows) {
      const RowInfo& info = v.rows[row_index++];
      w.BeginObject().Field("label", row.label).Key("seats").BeginArray();
      for (uint32_t k = 0; k < info.seat_count; ++k) {
        const SeatIndex s = info.first_seat + k;
        const uint8_t g = v.seats[s].grade;
        const char letter = PublicSeatLetter(c.seats, s);
        w.BeginArray()
            .Uint(s)
            .Uint(v.seats[s].number)
            .Uint(g)
            .Int(c.spec->price_per_grade[g])
            .String(std::string_view(&letter, 1));
        if (const uint8_t bits = v.seats[s].attributes; bits != 0) WriteSeatAttributes(w, bits);
        w.EndArray();
      }
      w.EndArray().EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

void WriteSeat(JsonWriter& w, const Concert& c, SeatIndex s) {
  const Venue& v = *c.venue;
  if (s >= v.seat_count()) {
    w.BeginObject().Field("id", s).EndObject();
    return;
  }
  const SeatInfo& seat = v.seats[s];
  const RowInfo& row = v.rows[seat.row];
  const SectionSpec& section = v.spec->sections[row.section];
  // The row's label: rows are numbered across sections in the flat table.
  uint32_t first_row_of_section = seat.row;
  while (first_row_of_section > 0 && v.rows[first_row_of_section - 1].section == row.section)
    --first_row_of_section;
  w.BeginObject()
      .Field("id", s)
      .Field("section", section.name)
      .Field("row", section.rows[seat.row - first_row_of_section].label)
      .Field("number", seat.number)
      .Field("grade", v.spec->grades[seat.grade])
      .Field("price", c.spec->price_per_grade[seat.grade]);
  if (seat.attributes != 0) WriteSeatAttributes(w.Key("attributes"), seat.attributes);
  w.EndObject();
}

// A bank transfer's virtual account, as the buyer needs it to pay.
static void WriteVirtualAccount(JsonWriter& w, const engine::Payment& p) {
  w.Key("virtualAccount")
      .BeginObject()
      .Field("bank", p.bank)
      .Field("accountNumber", p.account)
      .Field("holder", p.holder)
      .Field("amount", p.amount)
      .Field("depositDeadline", FormatTime(p.deposit_due))
      .EndObject();
}

static void WriteReservationFields(JsonWriter& w, const Reservation& r, const Concert& c,
                                   const engine::Payment* payment) {
  const bool awaiting = payment != nullptr && r.status == ReservationStatus::kPaymentPending &&
                        payment->AwaitingDeposit();
  w.Field("id", r.id)
      .Field("concertId", r.concert)
      .Field("concertTitle", c.spec->title)
      .Field("userId", r.user)
      .Field("status", awaiting ? std::string_view("AWAITING_DEPOSIT") : ToString(r.status))
      .Field("amount", r.amount)
      .Field("createdAt", FormatTime(r.created_at))
      .Field("expiresAt", FormatTime(r.expires_at))
      .Field("extended", r.extended);
  if (r.ended_at != 0) w.Field("endedAt", FormatTime(r.ended_at));
  if (r.payment != 0) w.Field("paymentId", r.payment);
  if (awaiting) WriteVirtualAccount(w, *payment);
}

void WriteReservation(JsonWriter& w, const Reservation& r, const Concert& c,
                      const engine::Payment* payment) {
  w.BeginObject();
  WriteReservationFields(w, r, c, payment);
  w.Key("seats").BeginArray();
  for (SeatIndex s : r.seats) WriteSeat(w, c, s);
  w.EndArray().EndObject();
}

void WriteReservationSummary(JsonWriter& w, const Reservation& r, const Concert& c,
                             const engine::Payment* payment) {
  w.BeginObject();
  WriteReservationFields(w, r, c, payment);
  w.Field("seatCount", static_cast<uint64_t>(r.seats.size())).EndObject();
}

// Calls to the provider that have come back: one per attempt-result step of the history.
static uint64_t AttemptsMade(const engine::Payment& p) {
  uint64_t n = 0;
  for (const engine::PaymentHistoryEntry& h : p.history)
    n += h.step == engine::PaymentStep::kAttemptFailed || h.step == engine::PaymentStep::kFailed ||
         h.step == engine::PaymentStep::kSucceeded;
  return n;
}

void WritePayment(JsonWriter& w, const engine::Payment& p) {
  w.BeginObject()
      .Field("id", p.id)
      .Field("reservationId", p.reservation)
      .Field("concertId", p.concert)
      .Field("userId", p.user)
      .Field("status", p.AwaitingDeposit() ? std::string_view("AWAITING_DEPOSIT") : ToString(p.status))
      .Field("amount", p.amount)
      .Field("method", ToString(p.method))
      .Field("attempts", AttemptsMade(p))
      .Field("createdAt", FormatTime(p.created_at));
  if (p.wallet != engine::EasyPayProvider::kNone) w.Field("wallet", ToString(p.wallet));
  if (p.method == engine::PaymentMethod::kBankTransfer) {
    w.Field("depositDeadline", FormatTime(p.deposit_due));
    if (!p.account.empty()) WriteVirtualAccount(w, p);
  } else if (p.status == engine::PaymentStatus::kPending) {
    w.Field("nextAttemptAt", FormatTime(p.next_attempt_at));
  }
  if (p.refund_requested) {
    w.Key("refund").BeginObject().Field("settled", p.refund_settled);
    if (p.refund_settled) w.Field("amount", p.refunded);
    w.EndObject();
  }
  w.Key("history").BeginArray();
  for (const engine::PaymentHistoryEntry& h : p.history) {
    w.BeginObject().Field("at", FormatTime(h.at)).Field("step", ToString(h.step));
    if (h.attempt != 0) w.Field("attempt", static_cast<uint64_t>(h.attempt));
    if (h.step == engine::PaymentStep::kAttemptFailed || h.step == engine::PaymentStep::kFailed)
      w.Field("outcome", ToString(h.outcome));
    if (!h.detail.empty()) w.Field("detail", h.detail);
    w.EndObject();
  }
  w.EndArray().EndObject();
}

void WriteQueueTicket(JsonWriter& w, const Concert& c, const QueueTicket& t,
                      double admission_rate) {
  const WaitingRoom& room = *c.room;
  const uint64_t position = room.PositionOf(t);
  const bool waiting = t.status == TicketStatus::kWaiting;
  w.BeginObject()
      .Field("ticketId", t.id)
      .Field("concertId", c.id)
      .Field("status", ToString(t.status))
      .Field("preQueued", waiting && t.place == QueueTicket::kNotPlaced);
  w.Key("position");
  if (position > 0) w.Uint(position);
  else w.Null();
  w.Key("estimatedWaitSeconds");
  if (waiting)
    w.Int(QueueStats::EstimateWaitSeconds(position > 0 ? position : room.pre_queued(),
                                          admission_rate, room.settings().admit_per_second));
  else
    w.Null();
  w.Field("waiting", room.waiting())
      .Field("admittedNow", static_cast<uint64_t>(room.active()))
      .Field("maxActive", static_cast<uint64_t>(room.settings().max_active))
      .Field("joinedAt", FormatTime(t.joined_at));
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.2f", admission_rate);
  w.Key("admissionRatePerSecond").Raw(rate);
  if (t.status == TicketStatus::kAdmitted) {
    // The admission's hard end: holds do not move it (they stay payable until their own
    // expiry, but no new ones are placed after it).
    w.Field("admittedAt", FormatTime(t.admitted_at))
        .Field("holdingSeats", room.LiveHolds(t.user) > 0)
        .Field("admittedUntil", FormatTime(t.admission_expires_at));
  }
  if (!waiting && t.status != TicketStatus::kAdmitted) {
    w.Field("endedAt", FormatTime(t.ended_at));
    if (t.status != TicketStatus::kCompleted) w.Field("endReason", ToString(t.end));
  }
  // Their entry in the room's committed draw, to find in its proof (views/queue_proof.h).
  w.Key("drawEntry");
  if (const std::optional<std::string> entry = DrawEntryOf(c, t)) w.String(*entry);
  else w.Null();
  // A hint for pollers: often near the front, rarely far back.
  w.Field("pollAfterSeconds", waiting ? (position > 0 && position <= 100 ? 1 : 5) : 30);
  w.EndObject();
}

}  // namespace cm::views
