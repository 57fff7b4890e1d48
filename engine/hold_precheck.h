#pragma once
// The most common answer of an on-sale, "that seat is taken", decided on a state that may be
// behind the sequencer's: the read model's. The gateway answers it without a trip through the
// ring, the sequencer and the journal, which is most of what a refused hold costs.
//
// It answers only when the sequencer, deciding on this same state, would refuse the hold for a
// taken seat: every check the sequencer makes before looking at the seats passes (the user and
// the concert exist, the sale is open at `now`, the waiting room admitted the user, the count is
// allowed, every seat exists and is named once), at least one seat is not available, and no
// seat is held by a hold due to expire by `now` (the sequencer lets those go first). One
// check is left out because a reads-only state does not keep it: the per-user limit. A user at
// the limit who asks for a taken seat is told the seat is taken, where the sequencer would have
// named the limit first; both refuse, and the seat is taken. Otherwise it says nothing and the
// hold goes to the sequencer, which alone decides every hold that could succeed.
//
// The state may be behind: a seat it shows taken may have been let go by a release that is not
// durable yet. Such a release has not been answered to anyone (the read model is applied before
// any reply or map update goes out, runtime/durable_fanout.h), so the hold and the release were
// concurrent, and either order is one the fan could have seen.

#include <optional>

#include "engine/command.h"
#include "engine/engine_state.h"

namespace cm::engine {

// The seats of `hold` that are taken, in the order asked, when the sequencer would refuse it
// for them (see above); nothing otherwise. Only for a command without an idempotency key: a
// retried key is answered with what it got the first time, which only the sequencer knows.
// `admin`: the actor is an admin (the waiting room does not apply). `now`: the command's time.
std::optional<SeatList> TakenSeatsRefusal(const EngineState& state, UserId actor, bool admin,
                                          const HoldSeatsCmd& hold, TimeMs now);

}  // namespace cm::engine
