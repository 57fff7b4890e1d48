#include "engine/invariants.h"

#include <algorithm>
#include <limits>
#include <set>
#include <tuple>
#include <unordered_map>

namespace cm::engine {
namespace {

std::string Seat(ConcertId c, SeatIndex s) {
  return "concert " + std::to_string(c) + " seat " + std::to_string(s);
}

// The waiting room's counters, cap, rate window, hold counts and positions against its tickets.
void CheckRoom(const EngineState& state, const Concert& c, std::vector<std::string>* bad) {
  const WaitingRoom& room = *c.room;
  const std::string where = "concert " + std::to_string(c.id) + " waiting room: ";
  uint64_t admitted = 0, in_line = 0, pre = 0;
  std::vector<std::pair<uint64_t, UserId>> placed;
  std::unordered_map<UserId, uint32_t> live_holds;
  for (const auto& [id, r] : state.reservations())
    if (r.concert == c.id && IsLive(r.status)) ++live_holds[r.user];
  for (const auto& [user, t] : room.ticket_map()) {
    if (t.status == TicketStatus::kAdmitted) {
      ++admitted;
    } else if (t.status == TicketStatus::kWaiting) {
      if (t.place == QueueTicket::kNotPlaced) {
        ++pre;
      } else {
        ++in_line;
        placed.emplace_back(t.place, user);
      }
    }
  }
  for (const auto& [user, holds] : live_holds)
    if (room.LiveHolds(user) != holds)
      bad->push_back(where + "user " + std::to_string(user) + " counts " +
                     std::to_string(room.LiveHolds(user)) + " live holds, has " +
                     std::to_string(holds));
  if (room.live_holds().size() != live_holds.size())
    bad->push_back(where + "live hold counts for users without live holds");
  if (admitted != room.active() || in_line != room.in_line() || pre != room.pre_queued())
    bad->push_back(where + "counters disagree with the tickets");
  if (room.active() > room.settings().max_active)
    bad->push_back(where + std::to_string(room.active()) + " admitted, over the cap");
  uint64_t last_second = 0;
  for (const auto& [at, n] : room.recent())
    if (at > state.clock() - 1000) last_second += n;
  if (last_second > room.settings().admit_per_second)
    bad->push_back(where + std::to_string(last_second) + " admissions within one second");
  // Each pool member once; the pool waits ahead of everyone who joined after opening.
  std::vector<UserId> pool = room.pool();
  std::sort(pool.begin(), pool.end());
  if (std::adjacent_find(pool.begin(), pool.end()) != pool.end())
    bad->push_back(where + "someone is in the pre-queue pool twice");
  std::sort(placed.begin(), placed.end());
  for (std::size_t i = 0; i < placed.size(); ++i) {
    const QueueTicket& t = *room.Find(placed[i].second);
    const bool late = t.place >= QueueTicket::kLatePlaces;
    const uint64_t expected = i + 1 + (late ? room.pre_queued() : 0);
    const uint64_t head =
        late ? QueueTicket::kLatePlaces + room.late().head() : room.drawn().head();
    if (room.PositionOf(t) != expected || t.place < head)
      bad->push_back(where + "user " + std::to_string(t.user) + " is at position " +
                     std::to_string(room.PositionOf(t)) + ", should be " +
                     std::to_string(expected));
  }
}

// Each committed draw against its rules (engine/opening_draw.h): the commitment matches the
// seed, the entries are the joins still there at the opening, and the draw took them in rank
// order, each once.
void CheckDraws(const Concert& c, std::vector<std::string>* bad) {
  for (std::size_t p = 0; p < c.draws.size(); ++p) {
    const OpeningDraw& d = c.draws[p];
    if (!d.committed) continue;
    const std::string where =
        "concert " + std::to_string(c.id) + " phase " + std::to_string(p) + " draw: ";
    if (d.commitment != CommitmentOf(d.seed, c.id, static_cast<uint32_t>(p)) ||
        d.key_commitment != CommitmentOf(d.key, c.id, static_cast<uint32_t>(p)))
      bad->push_back(where + "commitment mismatch");
    const std::size_t entries = d.joined.size() - std::count(d.joined.begin(), d.joined.end(), 0);
    if (d.opened && entries != d.entries)
      bad->push_back(where + std::to_string(entries) + " entries, the opening counted " +
                     std::to_string(d.entries));
    std::set<UserId> seen;
    const HmacSha256 names(AsBytes(d.key));
    std::pair<uint64_t, Pseudonym> last{0, {}};
    for (std::size_t i = 0; i < d.order.size(); ++i) {
      const Pseudonym name = PseudonymOf(names, d.order[i]);
      const std::pair<uint64_t, Pseudonym> at{RankOf(d.seed, name), name};
      if (!seen.insert(d.order[i]).second) bad->push_back(where + "an entry drawn twice");
      if (i > 0 && !DrawnBefore(last.first, last.second, at.first, at.second))
        bad->push_back(where + "drawn out of rank order at " + std::to_string(i));
      last = at;
    }
    const std::set<UserId> joined(d.joined.begin(), d.joined.end());
    for (UserId u : seen)
      if (u == 0 || !joined.contains(u))
        bad->push_back(where + "user " + std::to_string(u) + " drawn, not an entry");
  }
}

// Each payment against its reservation: a payment in flight keeps its reservation
// PAYMENT_PENDING, a succeeded one has CONFIRMED it, and refunds follow their decisions.
void CheckPayments(const EngineState& state, std::vector<std::string>* bad) {
  for (const auto& [id, p] : state.payments()) {
    const std::string where = "payment " + std::to_string(id) + ": ";
    if (p.refund_settled && !p.refund_requested) bad->push_back(where + "refund settled unasked");
    if (p.status == PaymentStatus::kRefunded && !p.refund_requested)
      bad->push_back(where + "REFUNDED without a refund decision");
    // A deposit goes back whole, even one above what was due (a bank transfer's).
    if (p.refunded < 0 || p.refunded > std::max(p.amount, p.refund_amount))
      bad->push_back(where + "refunded out of range");
    const Reservation* r = state.FindReservation(p.reservation);
    // A saga that outlived its reservation's retention (the server was down past it) keeps
    // its payment until the end.
    if (r == nullptr) continue;
    if (r->payment != id) bad->push_back(where + "its reservation names another payment");
    if (r->user != p.user || r->amount != p.amount || r->concert != p.concert)
      bad->push_back(where + "disagrees with its reservation");
    if (p.status == PaymentStatus::kPending && IsLive(r->status) &&
        r->status != ReservationStatus::kPaymentPending)
      bad->push_back(where + "pending, but its live reservation is not PAYMENT_PENDING");
    if (p.status == PaymentStatus::kSucceeded && r->status != ReservationStatus::kConfirmed)
      bad->push_back(where + "SUCCEEDED, but its reservation is " +
                     std::string(ToString(r->status)));
  }
  for (const auto& [id, r] : state.reservations()) {
    if (r.status == ReservationStatus::kPaymentPending) {
      const Payment* p = state.FindPayment(r.payment);
      if (p == nullptr || p->status != PaymentStatus::kPending)
        bad->push_back("reservation " + std::to_string(id) +
                       " is PAYMENT_PENDING without a pending payment");
    }
    if (r.status == ReservationStatus::kConfirmed && r.payment != 0) {
      const Payment* p = state.FindPayment(r.payment);
      if (p == nullptr || p->status != PaymentStatus::kSucceeded)
        bad->push_back("reservation " + std::to_string(id) + " is CONFIRMED by an unpaid payment");
    }
  }
}

// A CONFIRMED reservation has exactly its tickets (one per seat, consecutive ids, valid, used
// or voided by an admin); an ended one's tickets are revoked; only a revoked ticket is voided; a used ticket names its scan; only a valid ticket
// is offered, and the offers' index lists exactly the offered tickets.
void CheckTickets(const EngineState& state, std::vector<std::string>* bad) {
  std::unordered_map<ReservationId, std::size_t> issued;
  std::size_t offered = 0;
  for (const auto& [id, t] : state.tickets()) {
    const std::string name = "ticket " + std::to_string(id);
    if (t.version == 0) bad->push_back(name + " has version 0");
    if (t.state == TicketState::kCheckedIn && (t.gate.empty() || t.checked_in_at == 0))
      bad->push_back(name + " is checked in without a scan");
    if (t.voided && t.state != TicketState::kRevoked) bad->push_back(name + " is voided, not revoked");
    if (state.FindConcert(t.concert) == nullptr) bad->push_back(name + " of an unknown concert");
    if (!t.offer_to.empty()) {
      ++offered;
      const auto listed = state.OffersTo(t.offer_to);
      if (t.state != TicketState::kValid) bad->push_back(name + " is offered but not valid");
      if (std::find(listed.begin(), listed.end(), id) == listed.end())
        bad->push_back(name + " is offered but not indexed");
    }
    const Reservation* r = state.FindReservation(t.reservation);
    if (r == nullptr) continue;
    ++issued[r->id];
    if (IsLive(r->status)) bad->push_back(name + " of a reservation that is not paid for");
    if (r->status != ReservationStatus::kConfirmed && t.state != TicketState::kRevoked)
      bad->push_back(name + " still admits, its reservation is " +
                     std::string(ToString(r->status)));
  }
  for (const auto& [id, r] : state.reservations()) {
    if (r.status != ReservationStatus::kConfirmed) continue;
    const std::string name = "reservation " + std::to_string(id);
    const TicketId first = state.FirstTicketOf(id);
    if (first == 0 || issued[id] != r.seats.size()) {
      bad->push_back(name + " is CONFIRMED with " + std::to_string(issued[id]) + " tickets for " +
                     std::to_string(r.seats.size()) + " seats");
      continue;
    }
    for (std::size_t i = 0; i < r.seats.size(); ++i) {
      const Ticket* t = state.FindTicket(first + i);
      if (t == nullptr || t->reservation != id || t->seat != r.seats[i] ||
          t->concert != r.concert || (t->state == TicketState::kRevoked && !t->voided))
        bad->push_back(name + " seat " + std::to_string(r.seats[i]) + " has no valid ticket");
    }
  }
  if (state.OfferCount() != offered)
    bad->push_back("the offers' index lists " + std::to_string(state.OfferCount()) +
                   " tickets, " + std::to_string(offered) + " are offered");
}

// The sales ledger agrees with the seat map and with itself: seats sold less refunded are the
// seats sold now, every hold placed has ended one way or is live, and the hours add up to the
// totals.
void CheckLedger(const Concert& c, std::size_t live_holds, std::vector<std::string>* bad) {
  const SalesLedger& l = c.ledger;
  const std::string name = "concert " + std::to_string(c.id) + "'s ledger ";
  uint64_t net_seats = 0, sold = 0;
  int64_t net_value = 0, seats_value = 0;
  for (const GradeSales& g : l.grades) {
    net_seats += g.seats_sold - g.seats_refunded;
    net_value += g.sold_value - g.refunded_value;
    sold += g.seats_sold;
  }
  for (SeatIndex s = 0; s < c.seats.size(); ++s)
    if (c.seats.status(s) == SeatStatus::kSold) seats_value += c.PriceOf(s);
  if (net_seats != c.seats.sold() || net_value != seats_value)
    bad->push_back(name + "has " + std::to_string(net_seats) + " seats sold worth " +
                   std::to_string(net_value) + ", the seat map " +
                   std::to_string(c.seats.sold()) + " worth " + std::to_string(seats_value));
  if (l.holds_placed != l.holds_confirmed + l.holds_expired + l.holds_released + live_holds)
    bad->push_back(name + "counts " + std::to_string(l.holds_placed) + " holds placed, " +
                   std::to_string(live_holds) + " live and the rest ended differently");
  uint64_t hour_holds = 0, hour_sold = 0;
  for (const HourSales& h : l.hours) {
    hour_holds += h.holds;
    hour_sold += h.seats_sold;
  }
  if (hour_holds != l.holds_placed || hour_sold != sold)
    bad->push_back(name + "hours do not add up to its totals");
}

// Every record under a slot id sits in its slot at that slot's generation, and the slots in
// use are exactly those records (SlotTable keeps the two apart; a drift would hand out an id
// twice).
void CheckReservationSlots(const EngineState& state, std::vector<std::string>* bad) {
  const SlotIds& ids = state.reservations().slot_ids();
  std::size_t in_slots = 0;
  for (const auto& [id, r] : state.reservations()) {
    if (r.id != id) bad->push_back("reservation " + std::to_string(id) + " keeps another id");
    if (!SlotTable<Reservation>::IsSlotId(id)) continue;
    ++in_slots;
    const uint64_t local = id & SlotTable<Reservation>::kLocalMask;
    const uint32_t slot = SlotIds::SlotOf(local);
    if (!ids.InUse(slot) || ids.generation(slot) != SlotIds::GenerationOf(local))
      bad->push_back("reservation " + std::to_string(id) + " is not in its slot's generation");
  }
  if (in_slots != ids.in_use())
    bad->push_back(std::to_string(ids.in_use()) + " reservation slots in use for " +
                   std::to_string(in_slots) + " reservations");
}

}  // namespace

std::vector<std::string> CheckInvariants(const EngineState& state) {
  std::vector<std::string> bad;
  // Per concert: which reservation claims each seat, and the expected counts.
  struct Expected {
    std::vector<ReservationId> claim;
    std::size_t held = 0, sold = 0, live_holds = 0;
    std::unordered_map<UserId, uint32_t> per_user;
  };
  std::unordered_map<ConcertId, Expected> expected;
  for (const auto& [id, c] : state.concerts())
    expected[id].claim.assign(c->seats.size(), 0);

  std::size_t seat_lists = 0;
  for (const auto& [id, r] : state.reservations()) {
    if (r.seats.size() > HeldSeats::kInline) ++seat_lists;  // (one or two are inline)
    const bool live = IsLive(r.status);
    if (!live && r.status != ReservationStatus::kConfirmed) continue;
    auto it = expected.find(r.concert);
    if (it == expected.end()) {
      bad.push_back("reservation " + std::to_string(id) + " belongs to an unknown concert");
      continue;
    }
    Expected& x = it->second;
    const SeatMap& seats = state.FindConcert(r.concert)->seats;
    for (SeatIndex s : r.seats) {
      if (s >= x.claim.size()) {
        bad.push_back("reservation " + std::to_string(id) + " has unknown seat " +
                      std::to_string(s));
        continue;
      }
      if (x.claim[s] != 0)
        bad.push_back(Seat(r.concert, s) + " is in reservations " + std::to_string(x.claim[s]) +
                      " and " + std::to_string(id));
      x.claim[s] = id;
      const SeatStatus want = live ? SeatStatus::kHeld : SeatStatus::kSold;
      if (seats.status(s) != want || seats.owner(s) != id)
        bad.push_back(Seat(r.concert, s) + " should be " + std::string(ToString(want)) +
                      " by reservation " + std::to_string(id));
    }
    (live ? x.held : x.sold) += r.seats.size();
    if (live) ++x.live_holds;
    x.per_user[r.user] += static_cast<uint32_t>(r.seats.size());
    if (live && r.expires_at <= state.clock())
      bad.push_back("reservation " + std::to_string(id) + " is still live at " +
                    std::to_string(state.clock()) + ", past its expiry " +
                    std::to_string(r.expires_at));
  }

  if (state.seat_pool().live() != seat_lists)
    bad.push_back("the seat pool keeps " + std::to_string(state.seat_pool().live()) +
                  " seat lists for " + std::to_string(seat_lists) +
                  " reservations with more seats than fit inline");

  // Every timer of a seat still returning, as (concert, seat, moment).
  std::set<std::tuple<ConcertId, SeatIndex, TimeMs>> return_timers;
  state.return_timers().ForEachDue(std::numeric_limits<TimeMs>::max(),
                                   [&](const ReturnTimers::Entry& e) {
                                     return_timers.insert({e.concert, e.seat, e.at});
                                   });
  for (const auto& [id, c] : state.concerts()) {
    const Expected& x = expected[id];
    const SeatMap& seats = c->seats;
    std::vector<uint32_t> row_free(c->venue->rows.size(), 0);
    std::size_t free = 0, returning = 0;
    for (SeatIndex s = 0; s < seats.size(); ++s) {
      if (seats.IsAvailable(s)) {
        ++free;
        ++row_free[c->venue->seats[s].row];
      } else if (seats.status(s) == SeatStatus::kReturning) {
        // Given up and not back on sale yet: nobody's, and back within the window.
        ++returning;
        if (x.claim[s] != 0)
          bad.push_back(Seat(id, s) + " is returning but reservation " +
                        std::to_string(x.claim[s]) + " has it");
        if (c->spec->return_window_ms <= 0 ||
            seats.returns_at(s) > state.clock() + c->spec->return_window_ms)
          bad.push_back(Seat(id, s) + " returns at " + std::to_string(seats.returns_at(s)) +
                        ", later than its window allows");
        if (!state.config().reads_only && !return_timers.contains({id, s, seats.returns_at(s)}))
          bad.push_back(Seat(id, s) + " is returning with no timer to return it");
      } else if (x.claim[s] == 0) {
        bad.push_back(Seat(id, s) + " is " + std::string(ToString(seats.status(s))) +
                      " but no live or confirmed reservation has it");
      }
    }
    if (seats.returning() != returning)
      bad.push_back("concert " + std::to_string(id) + " counts " +
                    std::to_string(seats.returning()) + " returning seats, has " +
                    std::to_string(returning));
    if (seats.held() != x.held || seats.sold() != x.sold || seats.available() != free)
      bad.push_back("concert " + std::to_string(id) + " counts held/sold/available " +
                    std::to_string(seats.held()) + "/" + std::to_string(seats.sold()) + "/" +
                    std::to_string(seats.available()) + " but reservations give " +
                    std::to_string(x.held) + "/" + std::to_string(x.sold) + "/" +
                    std::to_string(seats.size() - x.held - x.sold - returning));
    for (uint32_t r = 0; r < row_free.size(); ++r)
      if (seats.row_available(r) != row_free[r])
        bad.push_back("concert " + std::to_string(id) + " row " + std::to_string(r) +
                      " counts " + std::to_string(seats.row_available(r)) + " free seats, has " +
                      std::to_string(row_free[r]));
    // A read model's state keeps no per-user counts and no cooldown cells.
    const bool reads_only = state.config().reads_only;
    if (reads_only && (c->seats_per_user.size() != 0 || !c->seats.no_releases()))
      bad.push_back("concert " + std::to_string(id) + " keeps decision state in a read model");
    bool counts_agree = reads_only || c->seats_per_user.size() == x.per_user.size();
    if (!reads_only) c->seats_per_user.ForEach([&](uint32_t slot, uint32_t n) {
      auto it = x.per_user.find(state.UserAtSlot(slot));
      counts_agree = counts_agree && it != x.per_user.end() && it->second == n;
    });
    if (!counts_agree)
      bad.push_back("concert " + std::to_string(id) + " per-user seat counts disagree");
    CheckLedger(*c, x.live_holds, &bad);
    if (c->phase >= c->spec->phase_count() ||
        (c->room != nullptr) != c->spec->Phase(c->phase).waiting_room->enabled ||
        c->phase > c->spec->PhaseAt(state.clock()))
      bad.push_back("concert " + std::to_string(id) + " is in phase " +
                    std::to_string(c->phase) + ", which it cannot be in");
  }
  if (state.config().reads_only && !state.return_timers().empty())
    bad.push_back("a read model keeps return timers");
  for (ConcertId id : state.rooms())
    if (state.FindConcert(id)->room) CheckRoom(state, *state.FindConcert(id), &bad);
  for (ConcertId id : state.rooms()) CheckDraws(*state.FindConcert(id), &bad);
  CheckPayments(state, &bad);
  CheckTickets(state, &bad);
  std::size_t live = 0;
  for (const auto& [id, r] : state.reservations()) live += IsLive(r.status) ? 1 : 0;
  CheckReservationSlots(state, &bad);
  if (state.config().reads_only) {
    if (state.timers().size() != 0 || state.idempotency().size() != 0)
      bad.push_back("a read model's state keeps hold timers or idempotency keys");
  } else if (state.timers().size() != live) {
    bad.push_back("hold timers " + std::to_string(state.timers().size()) + " for " +
                  std::to_string(live) + " live holds");
  }
  return bad;
}

}  // namespace cm::engine
