#pragma once
// Checks that hold for every reachable state (replay --verify, and the tests after every
// scenario):
//   1. no seat is in two live holds, and every live hold's seats are HELD by it;
//   2. every SOLD seat belongs to exactly one CONFIRMED reservation, and back;
//   3. the counts add up: held + sold + available = seats, per row and per user;
//   4. no hold is still live once the clock has passed its expiry;
//   5. a CONFIRMED reservation has exactly its tickets, and no ended one's ticket admits.

#include <string>
#include <vector>

#include "engine/engine_state.h"

namespace cm::engine {

// Returns one line per violation; empty when the state is sound.
std::vector<std::string> CheckInvariants(const EngineState& state);

}  // namespace cm::engine
