// EngineState: admission tickets (see ticket.h). Each event checks that it follows from the
// state, so a journal that contradicts itself is reported as corrupt rather than applied.
#include <algorithm>
#include <string>

#include "engine/engine_state.h"

namespace cm::engine {
namespace {

Status Contradiction(const Event& e, const std::string& what) {
  return Status::Corruption("event seq " + std::to_string(e.seq) + ": " +
                            std::string(ToString(TypeOf(e))) + " " + what);
}

}  // namespace

TicketId EngineState::FirstTicketOf(ReservationId id) const {
  const TicketId* first = first_ticket_of_.Find(id);
  return first == nullptr ? 0 : *first;
}

void EngineState::RevokeTickets(const Reservation& r) {
  const TicketId first = FirstTicketOf(r.id);
  if (first == 0) return;
  for (std::size_t i = 0; i < r.seats.size(); ++i)
    if (Ticket* t = tickets_.Find(first + i)) {
      t->state = TicketState::kRevoked;
      EndOffer(*t);
    }
}

Status EngineState::ApplyTicket(const Event& e) {
  if (const auto* b = std::get_if<TicketIssued>(&e.body)) {
    const Reservation* r = reservations_.Find(b->reservation);
    if (r == nullptr || r->status != ReservationStatus::kConfirmed || b->ticket != IdOf(e.seq) ||
        tickets_.contains(b->ticket) || r->concert != b->concert || r->user != b->holder)
      return Contradiction(e, "for a reservation that is not confirmed, or twice");
    // The reservation's tickets come one after another, in its seat order.
    const TicketId first = FirstTicketOf(r->id) == 0 ? b->ticket : FirstTicketOf(r->id);
    const uint64_t index = b->ticket - first;
    if (index >= r->seats.size() || r->seats[index] != b->seat ||
        (index > 0 && !tickets_.contains(b->ticket - 1)))
      return Contradiction(e, "out of the reservation's seat order");
    if (index == 0) first_ticket_of_.Insert(r->id, b->ticket);
    Ticket& t = *tickets_.Emplace(b->ticket).first;
    t = Ticket{};
    t.id = b->ticket;
    t.reservation = b->reservation;
    t.concert = b->concert;
    t.holder = b->holder;
    t.seat = b->seat;
    return Status::OK();
  }
  if (const auto* b = std::get_if<TicketCheckedIn>(&e.body)) {
    Ticket* t = tickets_.Find(b->ticket);
    if (t == nullptr || t->state != TicketState::kValid || t->version != b->version ||
        t->concert != b->concert || b->gate.empty() || b->gate.size() > kMaxGateName)
      return Contradiction(e, "for a ticket that cannot be admitted");
    t->state = TicketState::kCheckedIn;
    t->checked_in_at = b->scanned_at;
    t->gate = b->gate;
    EndOffer(*t);
    return Status::OK();
  }
  if (const auto* b = std::get_if<TicketTransferred>(&e.body)) {
    Ticket* t = tickets_.Find(b->ticket);
    if (t == nullptr || t->state != TicketState::kValid || t->holder != b->from ||
        b->version != NextTicketVersion(t->version, timeline()) || !users_.contains(b->to) ||
        b->to == b->from)
      return Contradiction(e, "for a ticket its holder cannot give away");
    // Since format 11 the recipient accepted an offer; older journals moved tickets directly.
    t->holder = b->to;
    t->version = b->version;
    EndOffer(*t);
    return Status::OK();
  }
  if (const auto* b = std::get_if<TicketOffered>(&e.body)) {
    Ticket* t = tickets_.Find(b->ticket);
    if (t == nullptr || t->state != TicketState::kValid || t->holder != b->from ||
        t->concert != b->concert || b->to_email.empty() || b->to_email.size() > kMaxEmail)
      return Contradiction(e, "for a ticket its holder cannot offer");
    AddOffer(*t, b->to_email, e.ts);
    return Status::OK();
  }
  if (const auto* b = std::get_if<TicketOfferEnded>(&e.body)) {
    Ticket* t = tickets_.Find(b->ticket);
    const User* by = users_.Find(b->by);
    if (t == nullptr || t->offer_to.empty() || t->holder != b->from || t->concert != b->concert ||
        (b->by != b->from && (by == nullptr || by->email != t->offer_to)))
      return Contradiction(e, "for a ticket with no pending offer, or by neither side");
    EndOffer(*t);
    return Status::OK();
  }
  if (const auto* b = std::get_if<TicketRevoked>(&e.body)) {
    Ticket* t = tickets_.Find(b->ticket);
    if (t == nullptr || t->state != TicketState::kValid || t->concert != b->concert ||
        t->holder != b->holder || b->reason.size() > kMaxSupportReason)
      return Contradiction(e, "for a ticket that is not valid");
    t->state = TicketState::kRevoked;
    t->voided = true;
    EndOffer(*t);
    return Status::OK();
  }
  if (const auto* b = std::get_if<CheckInConflict>(&e.body)) {
    if (!tickets_.contains(b->ticket)) return Contradiction(e, "for an unknown ticket");
    // A journal from before conflicts were told apart may repeat one: kept as it was decided.
    AddConflict(Conflict{e.seq, e.ts, *b});
    return Status::OK();
  }
  return Contradiction(e, "is not a ticket event");
}

void EngineState::AddOffer(Ticket& t, const std::string& to_email, TimeMs at) {
  EndOffer(t);  // a new offer replaces the one before
  t.offer_to = to_email;
  t.offered_at = at;
  // By ticket id, so a state loaded from a snapshot lists them as the live one does.
  std::vector<TicketId>& listed = offers_to_[to_email];
  listed.insert(std::upper_bound(listed.begin(), listed.end(), t.id), t.id);
}

void EngineState::EndOffer(Ticket& t) {
  if (t.offer_to.empty()) return;
  if (auto it = offers_to_.find(t.offer_to); it != offers_to_.end()) {
    std::erase(it->second, t.id);
    if (it->second.empty()) offers_to_.erase(it);
  }
  t.offer_to.clear();
  t.offered_at = 0;
}

std::size_t EngineState::OfferCount() const {
  std::size_t n = 0;
  for (const auto& [email, tickets] : offers_to_) n += tickets.size();
  return n;
}

std::span<const TicketId> EngineState::OffersTo(std::string_view email) const {
  const auto it = offers_to_.find(email);
  if (it == offers_to_.end()) return {};
  return it->second;
}

void EngineState::AddConflict(Conflict c) {
  conflicts_of_[c.what.concert].push_back(static_cast<uint32_t>(conflicts_.size()));
  conflict_scans_.emplace(c.what.ticket, c.what.scanned_at, c.what.gate, c.what.device);
  conflicts_.push_back(std::move(c));
}

std::span<const uint32_t> EngineState::ConflictsOf(ConcertId concert) const {
  const auto it = conflicts_of_.find(concert);
  if (it == conflicts_of_.end()) return {};
  return it->second;
}

bool EngineState::HasConflict(const CheckInConflict& scan) const {
  return conflict_scans_.contains(std::tie(scan.ticket, scan.scanned_at, scan.gate, scan.device));
}

}  // namespace cm::engine
