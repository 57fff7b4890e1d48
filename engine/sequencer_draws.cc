// The waiting rooms' committed draws (engine/opening_draw.h):
//   CreateConcert -> ConcertCreated, then QueueCommitted for each phase with a waiting room
//   (tick)        -> QueueCommitted for a room that should have a draw and has none
#include "engine/opening_draw.h"
#include "engine/sequencer.h"

namespace cm::engine {

void Sequencer::StirEntropy(uint64_t entropy) {
  Sha256 h;
  h.Update(entropy_.data(), entropy_.size());
  h.Update(&entropy, sizeof entropy);
  entropy_ = h.Final();
  ++entropy_fed_;
}

QueueCommitted Sequencer::CommitDraw(ConcertId id, uint32_t phase) {
  // Seeds and keys are one-way functions of the pool, so revealing them tells nothing of the
  // pool or of any other room's secrets.
  auto secret = [&](std::string_view label) {
    Sha256 h;
    h.Update(label);
    h.Update(entropy_.data(), entropy_.size());
    const uint64_t parts[] = {++secrets_drawn_, id, phase};
    h.Update(parts, sizeof parts);
    return h.Final();
  };
  QueueCommitted c{id, phase, secret("concertmania draw seed"), secret("concertmania draw key"),
                   {}};
  c.commitment = CommitmentOf(c.seed, id, phase);
  return c;
}

void Sequencer::CommitPendingDraws(EventSink& sink) {
  if (!HasEntropy()) return;
  for (ConcertId id : state_.rooms()) {
    const Concert& c = *state_.FindConcert(id);
    for (uint32_t p = c.phase; p < c.spec->phase_count(); ++p) {
      if (!c.spec->Phase(p).waiting_room->enabled || c.draws[p].committed) continue;
      // A room joined without a commitment (an older journal's) keeps its old draw.
      if (p == c.phase && !c.room->untouched()) continue;
      Emit(CommitDraw(id, p), nullptr, nullptr, false, sink);
    }
  }
}

}  // namespace cm::engine
