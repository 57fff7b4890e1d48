#include "views/queue_proof.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace cm::views {

using engine::Concert;
using engine::OpeningDraw;
using json::FormatTime;
using json::JsonWriter;

namespace {

std::string ProofPath(const Concert& c, uint32_t phase) {
  return "/api/concerts/" + std::to_string(c.id) + "/queue/proof?phase=" + std::to_string(phase);
}

}  // namespace

// By time only: sales closed by an admin may open again, and the key must not come out while
// the phase still sells.
bool DrawKeyRevealed(const Concert& c, uint32_t phase, int64_t now_ms) {
  return c.phase > phase || now_ms >= c.spec->Phase(phase).closes_at;
}

ProofReadiness ProofReadinessOf(const Concert& c, uint32_t phase) {
  if (phase >= c.draws.size() || !c.draws[phase].committed) return ProofReadiness::kNoDraw;
  return c.draws[phase].opened ? ProofReadiness::kReady : ProofReadiness::kNotOpened;
}

QueueProofData CopyQueueProof(const Concert& c, uint32_t phase, bool key_revealed) {
  QueueProofData p;
  p.concert = c.id;
  p.phase = phase;
  p.phase_name = phase < c.spec->phases.size() ? c.spec->phases[phase].name : "";
  p.draw = c.draws[phase];
  p.key_revealed = key_revealed;
  return p;
}

std::string QueueProofJson(const QueueProofData& proof) {
  const OpeningDraw& d = proof.draw;
  const engine::HmacSha256 names(engine::AsBytes(d.key));
  std::unordered_map<engine::UserId, engine::Pseudonym> pseudonyms;
  pseudonyms.reserve(d.entries);
  for (engine::UserId u : d.joined)
    if (u != 0) pseudonyms.emplace(u, engine::PseudonymOf(names, u));
  // The order as the engine drew it, then, if it has not drawn everyone yet (or never will:
  // sales closed, the next phase began), the rest as it would: by rank.
  std::vector<engine::UserId> order = d.order;
  if (order.size() < pseudonyms.size()) {
    const std::unordered_set<engine::UserId> drawn(d.order.begin(), d.order.end());
    std::vector<std::pair<std::pair<uint64_t, engine::Pseudonym>, engine::UserId>> rest;
    for (engine::UserId u : d.joined)
      if (u != 0 && !drawn.contains(u)) {
        const engine::Pseudonym& p = pseudonyms.at(u);
        rest.push_back({{engine::RankOf(d.seed, p), p}, u});
      }
    std::sort(rest.begin(), rest.end());
    for (const auto& r : rest) order.push_back(r.second);
  }
  JsonWriter w;
  w.BeginObject()
      .Field("format", "concertmania-queue-proof/1")
      .Field("concertId", proof.concert)
      .Field("phase", proof.phase)
      .Field("phaseName", proof.phase_name)
      .Field("commitment", engine::HexOf(d.commitment))
      .Field("keyCommitment", engine::HexOf(d.key_commitment))
      .Field("committedAt", FormatTime(d.committed_at))
      .Field("committedSeq", d.committed_seq)
      .Field("openedAt", FormatTime(d.opened_at))
      .Field("openedSeq", d.opened_seq)
      .Field("seed", engine::HexOf(d.seed))
      .Key("pseudonymKey");
  if (proof.key_revealed) w.String(engine::HexOf(d.key));
  else w.Null();
  w.Key("entries").BeginArray();
  for (engine::UserId u : d.joined)
    if (u != 0) w.String(engine::HexOf(pseudonyms.at(u)));
  w.EndArray().Key("order").BeginArray();
  for (engine::UserId u : order) w.String(engine::HexOf(pseudonyms.at(u)));
  w.EndArray().EndObject();
  return w.Take();
}

void WriteQueueDraws(JsonWriter& w, const Concert& c, int64_t now_ms) {
  w.Key("queueDraws").BeginArray();
  for (uint32_t p = 0; p < c.draws.size(); ++p) {
    const OpeningDraw& d = c.draws[p];
    if (!d.committed) continue;
    w.BeginObject()
        .Field("phase", p)
        .Field("commitment", engine::HexOf(d.commitment))
        .Field("keyCommitment", engine::HexOf(d.key_commitment))
        .Field("committedAt", FormatTime(d.committed_at))
        .Field("opened", d.opened);
    if (d.opened)
      w.Field("openedAt", FormatTime(d.opened_at))
          .Field("seed", engine::HexOf(d.seed))
          .Field("entries", d.entries);
    w.Key("pseudonymKey");
    if (DrawKeyRevealed(c, p, now_ms)) w.String(engine::HexOf(d.key));
    else w.Null();
    w.Key("proof");
    if (d.opened) w.String(ProofPath(c, p));
    else w.Null();
    w.EndObject();
  }
  w.EndArray();
}

std::optional<std::string> DrawEntryOf(const Concert& c, const engine::QueueTicket& t) {
  if (!c.room || !c.room->ranked()) return std::nullopt;
  // Still in the pool, or placed by the draw: not a later join (placed behind the pool).
  using engine::QueueTicket;
  const bool pooled =
      t.place == QueueTicket::kNotPlaced && t.status == engine::TicketStatus::kWaiting;
  if (!pooled && (t.place == QueueTicket::kNotPlaced || t.place >= QueueTicket::kLatePlaces))
    return std::nullopt;
  return engine::HexOf(c.room->EntryName(t.user));
}

}  // namespace cm::views
