#include "engine/hold_precheck.h"

#include <algorithm>

namespace cm::engine {

std::optional<SeatList> TakenSeatsRefusal(const EngineState& state, UserId actor, bool admin,
                                          const HoldSeatsCmd& hold, TimeMs now) {
  // The sequencer's clock never goes back: a state past `now` decides by its own time.
  now = std::max(now, state.clock());
  if (state.FindUser(actor) == nullptr) return std::nullopt;
  const Concert* c = state.FindConcert(hold.concert);
  if (c == nullptr) return std::nullopt;
  // The read model's phase may lag the sequencer's: near a phase's end, ask the sequencer.
  if (c->sales != SalesState::kOpen || now >= c->spec->sales_close_at ||
      now < c->Phase().opens_at || c->spec->PhaseAt(now) != c->phase)
    return std::nullopt;
  if (c->Phase().members_only && !admin && !state.IsMember(*c, actor)) return std::nullopt;
  if (c->room && !admin && !c->room->IsAdmitted(actor)) return std::nullopt;
  const uint32_t count = std::max<uint32_t>(hold.requested, hold.seats.count);
  if (count == 0 || count > kMaxSeatsPerHold) return std::nullopt;
  SeatList taken;  // in the order asked, as the sequencer lists them
  for (std::size_t i = 0; i < hold.seats.size(); ++i) {
    const SeatIndex s = hold.seats[i];
    if (s >= c->seats.size()) return std::nullopt;
    for (std::size_t j = 0; j < i; ++j)
      if (hold.seats[j] == s) return std::nullopt;
    if (c->seats.IsAvailable(s)) continue;
    // A hold due to expire by `now` may be let go by the sequencer before it decides: only
    // the sequencer can say.
    if (c->seats.status(s) == SeatStatus::kHeld) {
      const Reservation* r = state.FindReservation(c->seats.owner(s));
      if (r == nullptr || r->expires_at <= now) return std::nullopt;
    }
    // So may a returning seat whose moment has come.
    if (c->seats.status(s) == SeatStatus::kReturning && c->seats.returns_at(s) <= now)
      return std::nullopt;
    taken.push_back(s);
  }
  if (taken.empty()) return std::nullopt;
  return taken;
}

}  // namespace cm::engine
