// Rebuilding a waiting room from its snapshot (engine/codec/state_codec.cc), checking that the
// parts agree with each other.
#include <algorithm>
#include <unordered_set>

#include "engine/waiting_room.h"

namespace cm::engine {

// A committed room's pool: its undrawn entries with their ranks, and before the opening each
// entry's place among the joins. Takes the waiting ones off `unplaced`. The undrawn entries
// must be exactly the entries the draw has not taken, each once; a sample of their ranks is
// checked against the seed (all of them would cost a second a million at every restart).
bool WaitingRoom::RestoreRanked(const std::vector<std::pair<UserId, uint64_t>>& entries,
                                uint64_t* unplaced) {
  std::unordered_set<UserId> joined, drawn(draw_->order.begin(), draw_->order.end());
  for (std::size_t i = 0; i < draw_->joined.size(); ++i) {
    const UserId u = draw_->joined[i];
    if (u == 0) continue;
    if (!joined.insert(u).second) return false;  // an entry twice
    if (opened_) continue;
    auto it = tickets_.find(u);
    if (it == tickets_.end() || it->second.place != QueueTicket::kNotPlaced ||
        it->second.status != TicketStatus::kWaiting)
      return false;
    it->second.pool_index = i;
  }
  if (drawn.size() != draw_->order.size() || joined.size() < drawn.size() ||
      entries.size() != joined.size() - drawn.size() ||
      (opened_ && joined.size() != draw_->entries))
    return false;
  for (UserId u : drawn)
    if (!joined.contains(u)) return false;
  std::unordered_set<UserId> undrawn;
  const std::size_t step = std::max<std::size_t>(1, entries.size() / 64);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& [user, rank] = entries[i];
    if (!joined.contains(user) || drawn.contains(user) || !undrawn.insert(user).second)
      return false;
    if (i % step == 0 && rank != RankOf(draw_->seed, NameOf(user))) return false;
    auto it = tickets_.find(user);
    if (it == tickets_.end()) return false;
    QueueTicket& t = it->second;
    ranked_.Add(&t, rank);
    if (t.status == TicketStatus::kWaiting && t.place == QueueTicket::kNotPlaced) {
      t.rank = rank;
      if (*unplaced == 0) return false;
      --*unplaced;
      ++ranked_waiting_;
    }
  }
  return true;
}

bool WaitingRoom::Restore(WaitingRoomParts parts) {
  if (parts.draw != nullptr) {
    if (!parts.draw->committed || parts.draw->opened != parts.opened) return false;
    draw_ = parts.draw;
    names_ = std::make_unique<HmacSha256>(AsBytes(draw_->key));
  }
  opened_ = parts.opened;
  draw_state_ = parts.draw_state;
  recent_ = std::move(parts.recent);
  admitted_total_ = parts.admitted_total;
  live_holds_ = std::move(parts.live_holds);
  if (!opened_ && (!parts.drawn.empty() || !parts.late.empty())) return false;
  std::vector<int32_t> drawn_flags(parts.drawn.size(), 0), late_flags(parts.late.size(), 0);
  uint64_t unplaced = 0;
  for (QueueTicket& t : parts.tickets) {
    if (t.status == TicketStatus::kWaiting) {
      const bool late = t.place != QueueTicket::kNotPlaced && t.place >= QueueTicket::kLatePlaces;
      const std::vector<UserId>& line = late ? parts.late : parts.drawn;
      const uint64_t head = late ? parts.late_head : parts.drawn_head;
      const uint64_t i = late ? t.place - QueueTicket::kLatePlaces : t.place;
      if (t.place == QueueTicket::kNotPlaced) {
        t.pool_index = QueueTicket::kNotPlaced;  // until the pool below names it
        ++unplaced;
      } else {
        if (i >= line.size() || line[i] != t.user || i < head) return false;
        (late ? late_flags : drawn_flags)[i] = 1;
      }
    } else if (t.status == TicketStatus::kAdmitted) {
      ++active_;
      lapses_.emplace(t.admission_expires_at, t.user);
    }
    if (!tickets_.emplace(t.user, t).second) return false;
  }
  if (ranked() && (!parts.pool.empty() || !RestoreRanked(parts.ranked, &unplaced))) return false;
  if (!ranked() && !parts.ranked.empty()) return false;
  // Each pool member once, waiting without a place.
  if (unplaced != parts.pool.size()) return false;
  pool_.reserve(parts.pool.size());
  for (UserId u : parts.pool) {
    auto it = tickets_.find(u);
    if (it == tickets_.end() || it->second.status != TicketStatus::kWaiting ||
        it->second.place != QueueTicket::kNotPlaced ||
        it->second.pool_index != QueueTicket::kNotPlaced)
      return false;
    ToPool(it->second);
  }
  return drawn_.Restore(std::move(parts.drawn), parts.drawn_head, std::move(drawn_flags)) &&
         late_.Restore(std::move(parts.late), parts.late_head, std::move(late_flags));
}

}  // namespace cm::engine
