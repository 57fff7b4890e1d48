#pragma once
// A waiting room's opening proof (engine/opening_draw.h), as anyone may download it once the
// room has opened (the order of entries not drawn yet follows from the seed, so it is complete):
//   {"format": "concertmania-queue-proof/1", "concertId", "phase", "phaseName",
//    "commitment", "keyCommitment", "committedAt", "committedSeq", "openedAt", "openedSeq", "seed",
//    "pseudonymKey" (null until the phase's sale is over), "entries": [pseudonym, ...] in join
//    order, "order": [pseudonym, ...] as drawn}
// digests and pseudonyms in lower-case hex. The same state gives the same bytes.
// docs/architecture.md ("The waiting room's proof") says how to check one.

#include <cstdint>
#include <optional>
#include <string>

#include "engine/concert.h"
#include "json/json_writer.h"

namespace cm::views {

// What a proof needs, copied out of the state so the pseudonyms (an HMAC per entry) are
// computed after the read lock is let go.
struct QueueProofData {
  engine::ConcertId concert = 0;
  uint32_t phase = 0;
  std::string phase_name;
  engine::OpeningDraw draw;
  bool key_revealed = false;
};

// The pseudonym key is public once the phase's sale is over: its close has passed, or a later
// phase has begun (not when an admin closes sales, which may open again).
bool DrawKeyRevealed(const engine::Concert& c, uint32_t phase, int64_t now_ms);

enum class ProofReadiness { kReady, kNoDraw, kNotOpened };
ProofReadiness ProofReadinessOf(const engine::Concert& c, uint32_t phase);

// REQUIRES: ProofReadinessOf(c, phase) == kReady. Costs a copy of the entries.
QueueProofData CopyQueueProof(const engine::Concert& c, uint32_t phase, bool key_revealed);
std::string QueueProofJson(const QueueProofData& proof);

// The concert's committed draws as its page shows them: "queueDraws": [...] (commitments
// always; the seed once opened; the key once the sale is over; where the proof is).
void WriteQueueDraws(json::JsonWriter& w, const engine::Concert& c, int64_t now_ms);

// The user's own pseudonym in the room's current draw, if their place came from its pool.
std::optional<std::string> DrawEntryOf(const engine::Concert& c, const engine::QueueTicket& t);

}  // namespace cm::views
