#pragma once
// An admission ticket: one per seat of a CONFIRMED reservation, issued by the sequencer when
// the reservation is confirmed. Its signed code (tickets/ticket_code.h) names the ticket id,
// concert, seat and version; the engine decides what a scanned code is worth, once.

#include <cstdint>
#include <string>

#include "engine/types.h"

namespace cm::engine {

inline constexpr std::size_t kMaxGateName = 32;
inline constexpr std::size_t kMaxDeviceName = 32;  // an offline scanner's own name
inline constexpr std::size_t kMaxSupportReason = 500;  // an admin's reason for a refund or a revocation
inline constexpr std::size_t kMaxEmail = 254;       // an offer's address (RFC 5321's path limit)
// Conflicts a concert keeps. Each distinct scan is recorded once, so honest gates stay far
// below this; a hostile or broken uploader meets CONFLICT_LIMIT instead of growing the state.
inline constexpr std::size_t kMaxConflictsPerConcert = 10'000;

struct Ticket {
  TicketId id = 0;
  ReservationId reservation = 0;
  ConcertId concert = 0;
  UserId holder = 0;  // the buyer, or whoever it was last transferred to
  SeatIndex seat = 0;
  uint32_t version = 1;  // goes up on every transfer; only the current version admits
  TicketState state = TicketState::kValid;
  TimeMs checked_in_at = 0;  // the admitting scan's time (the gate's clock for offline scans)
  std::string gate;          // the admitting scan's gate
  // A pending offer (TicketOffered): the email it is offered to, empty when there is none.
  std::string offer_to;
  TimeMs offered_at = 0;
  // An admin revoked it (TicketRevoked) while its reservation stands: REVOKED, its seat sold.
  bool voided = false;
  bool operator==(const Ticket&) const = default;
};

}  // namespace cm::engine
