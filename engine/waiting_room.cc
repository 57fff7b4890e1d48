#include "engine/waiting_room.h"

#include <algorithm>

#include "engine/hash.h"

namespace cm::engine {

std::string_view ToString(TicketStatus s) {
  switch (s) {
    case TicketStatus::kWaiting: return "WAITING";
    case TicketStatus::kAdmitted: return "ADMITTED";
    case TicketStatus::kExpired: return "EXPIRED";
    case TicketStatus::kCompleted: return "COMPLETED";
    case TicketStatus::kLeft: return "LEFT";
  }
  return "UNKNOWN";
}

std::string_view ToString(TicketEnd e) {
  switch (e) {
    case TicketEnd::kLeft: return "LEFT";
    case TicketEnd::kAbandoned: return "ABANDONED";
    case TicketEnd::kLapsed: return "LAPSED";
  }
  return "UNKNOWN";
}

const QueueTicket* WaitingRoom::Find(UserId user) const {
  auto it = tickets_.find(user);
  return it == tickets_.end() ? nullptr : &it->second;
}

bool WaitingRoom::IsAdmitted(UserId user) const {
  const QueueTicket* t = Find(user);
  return t != nullptr && t->status == TicketStatus::kAdmitted;
}

uint32_t WaitingRoom::LiveHolds(UserId user) const {
  auto it = live_holds_.find(user);
  return it == live_holds_.end() ? 0 : it->second;
}

uint64_t WaitingRoom::PositionOf(const QueueTicket& t) const {
  if (t.status != TicketStatus::kWaiting || t.place == QueueTicket::kNotPlaced) return 0;
  if (t.place < QueueTicket::kLatePlaces) return drawn_.Prefix(t.place + 1);
  return drawn_.waiting() + pre_queued() +
         late_.Prefix(t.place - QueueTicket::kLatePlaces + 1);
}

bool WaitingRoom::WaitingAt(const QueueLine& line, uint64_t base, uint64_t place) const {
  const QueueTicket* t = Find(line.at(place));
  return t != nullptr && t->status == TicketStatus::kWaiting && t->place == base + place;
}

std::vector<UserId> WaitingRoom::pool() const {
  std::vector<UserId> users;
  users.reserve(pool_.size());
  for (const QueueTicket* t : pool_) users.push_back(t->user);
  return users;
}

void WaitingRoom::ToPool(QueueTicket& t) {
  t.place = QueueTicket::kNotPlaced;
  t.pool_index = pool_.size();
  pool_.push_back(&t);
}

// O(1): the last of the pool takes the leaver's slot. The pool's order only feeds the draws,
// which are uniform whatever it is, and replay moves it the same way.
void WaitingRoom::FromPool(const QueueTicket& t) {
  QueueTicket* last = pool_.back();
  pool_[t.pool_index] = last;
  last->pool_index = t.pool_index;
  pool_.pop_back();
}

// A committed room's entry leaves the entries before the opening; after it, it stays in the
// draw and loses its turn.
void WaitingRoom::LeavePool(QueueTicket& t) {
  if (!ranked()) return FromPool(t);
  if (!opened_) {
    draw_->joined[t.pool_index] = 0;
    ranked_.Remove(&t, t.rank);
  }
  t.rank = 0;  // kept only while in the pool
  --ranked_waiting_;
}

void WaitingRoom::Unplace(QueueTicket& t) {
  if (t.place == QueueTicket::kNotPlaced) LeavePool(t);
  else if (t.place < QueueTicket::kLatePlaces) drawn_.Remove(t.place);
  else late_.Remove(t.place - QueueTicket::kLatePlaces);
}

uint32_t WaitingRoom::AdmissionsAllowed(TimeMs now) const {
  if (!opened_ || active_ >= settings_.max_active) return 0;
  uint64_t last_second = 0;
  for (const auto& [at, n] : recent_)
    if (at > now - 1000) last_second += n;
  if (last_second >= settings_.admit_per_second) return 0;
  const uint64_t allowed = std::min<uint64_t>(
      {settings_.max_active - active_, settings_.admit_per_second - last_second, in_line()});
  return static_cast<uint32_t>(allowed);
}

void WaitingRoom::NextInLine(uint32_t n, std::vector<UserId>* out) const {
  for (uint64_t place = drawn_.head(); place < drawn_.size() && n > 0; ++place) {
    if (!WaitingAt(drawn_, 0, place)) continue;
    out->push_back(drawn_.at(place));
    --n;
  }
  if (undrawn() > 0) return;  // the rest of the pool stands ahead of everyone later
  for (uint64_t place = late_.head(); place < late_.size() && n > 0; ++place) {
    if (!WaitingAt(late_, QueueTicket::kLatePlaces, place)) continue;
    out->push_back(late_.at(place));
    --n;
  }
}

void WaitingRoom::DueLapses(TimeMs now, std::vector<UserId>* out) const {
  for (auto it = lapses_.begin(); it != lapses_.end() && it->first <= now; ++it)
    out->push_back(it->second);
}

bool WaitingRoom::Join(QueueTicketId id, UserId user, TimeMs now) {
  QueueTicket& t = tickets_[user];
  if (t.id != 0 && (t.status == TicketStatus::kWaiting || t.status == TicketStatus::kAdmitted))
    return false;  // one place per user
  t = QueueTicket{};
  t.id = id;
  t.user = user;
  t.joined_at = now;
  if (opened_) {
    t.place = QueueTicket::kLatePlaces + late_.Append(user);
  } else if (ranked()) {
    t.place = QueueTicket::kNotPlaced;
    t.pool_index = draw_->joined.size();
    draw_->joined.push_back(user);
    t.rank = RankOf(draw_->seed, NameOf(user));
    ranked_.Add(&t, t.rank);
    ++ranked_waiting_;
  } else {
    ToPool(t);
  }
  return true;
}

bool WaitingRoom::UseDraw(OpeningDraw* draw) {
  if (draw == nullptr || !draw->committed || draw->opened || !draw->joined.empty() ||
      !tickets_.empty() || opened_ || ranked())
    return false;
  draw_ = draw;
  names_ = std::make_unique<HmacSha256>(AsBytes(draw->key));
  return true;
}

bool WaitingRoom::Open(uint64_t seed, OpenOrder order, TimeMs now, Seq seq) {
  if (opened_ || ranked() != (order == OpenOrder::kRanked)) return false;
  opened_ = true;
  draw_state_ = seed;
  if (ranked()) {
    draw_->opened = true;
    draw_->opened_at = now;
    draw_->opened_seq = seq;
    draw_->entries = ranked_.size();
    draw_->order.reserve(ranked_.size());
  }
  // The whole pool's places, once: growing them tick by tick would copy the line each time.
  drawn_.Reserve(undrawn());
  if (order == OpenOrder::kShuffledAtOnce) ShuffleAtOnce(seed);
  return true;
}

void WaitingRoom::DrawRanked(uint32_t count) {
  const RankedPool::NameOf name_of = [this](const QueueTicket& t) { return NameOf(t.user); };
  for (uint32_t k = 0; k < count; ++k) {
    QueueTicket& t = *ranked_.PopNext(name_of).ticket;
    draw_->order.push_back(t.user);
    // Left after the opening (and maybe back behind the pool since): the turn is lost.
    if (t.status != TicketStatus::kWaiting || t.place != QueueTicket::kNotPlaced) continue;
    t.place = drawn_.Append(t.user);
    t.rank = 0;
    --ranked_waiting_;
  }
}

bool WaitingRoom::Draw(uint32_t count) {
  if (!opened_ || count == 0 || count > undrawn()) return false;
  if (ranked()) {
    DrawRanked(count);
    return true;
  }
  constexpr uint64_t kStep = 0x9e3779b97f4a7c15ULL;
  // Where the draw `ahead` steps on will land (its slot may still change hands before then,
  // which only wastes a prefetch). Each draw is a cache miss on a random ticket; fetching the
  // slots 16 draws ahead and the tickets 8 ahead keeps several misses in flight at once.
  auto slot_ahead = [&](uint64_t ahead) -> std::size_t {
    const uint64_t left = pool_.size() - ahead;
    return Mix64(draw_state_ + (ahead + 1) * kStep) % left;
  };
  for (uint32_t k = 0; k < count; ++k) {
    if (k + 16 < count) __builtin_prefetch(&pool_[slot_ahead(16)]);
    if (k + 8 < count) __builtin_prefetch(pool_[slot_ahead(8)]);
    draw_state_ += kStep;
    QueueTicket& t = *pool_[Mix64(draw_state_) % pool_.size()];
    FromPool(t);
    t.place = drawn_.Append(t.user);
  }
  return true;
}

// How journals before version 5 opened a room, kept so that they replay to the same line:
// Fisher-Yates with SplitMix64 over the pool sorted by user, all in the opening event.
void WaitingRoom::ShuffleAtOnce(uint64_t seed) {
  std::vector<UserId> early = pool();
  std::sort(early.begin(), early.end());
  uint64_t state = seed;
  for (std::size_t i = early.size(); i > 1; --i) {
    state += 0x9e3779b97f4a7c15ULL;
    const std::size_t j = Mix64(state) % i;
    std::swap(early[i - 1], early[j]);
  }
  pool_.clear();
  pool_.shrink_to_fit();
  for (UserId u : early) {
    QueueTicket& t = tickets_.find(u)->second;
    t.place = drawn_.Append(u);
  }
}

bool WaitingRoom::Admit(const std::vector<UserId>& users, TimeMs now, TimeMs expires_at) {
  if (!opened_ || users.empty() || active_ + users.size() > settings_.max_active) return false;
  for (UserId u : users) {
    auto it = tickets_.find(u);
    if (it == tickets_.end() || it->second.status != TicketStatus::kWaiting ||
        it->second.place == QueueTicket::kNotPlaced)
      return false;
    QueueTicket& t = it->second;
    Unplace(t);
    t.status = TicketStatus::kAdmitted;
    t.admitted_at = now;
    t.admission_expires_at = expires_at;
    lapses_.emplace(expires_at, u);
    ++active_;
  }
  admitted_total_ += users.size();
  while (!recent_.empty() && recent_.front().first <= now - 1000) recent_.pop_front();
  if (!recent_.empty() && recent_.back().first == now)
    recent_.back().second += static_cast<uint32_t>(users.size());
  else
    recent_.emplace_back(now, static_cast<uint32_t>(users.size()));
  drawn_.AdvanceHead([this](uint64_t place) { return WaitingAt(drawn_, 0, place); });
  late_.AdvanceHead(
      [this](uint64_t place) { return WaitingAt(late_, QueueTicket::kLatePlaces, place); });
  return true;
}

bool WaitingRoom::End(UserId user, TicketEnd why, TimeMs now) {
  auto it = tickets_.find(user);
  if (it == tickets_.end()) return false;
  QueueTicket& t = it->second;
  if (t.status == TicketStatus::kWaiting && why != TicketEnd::kLapsed) {
    Unplace(t);
  } else if (t.status == TicketStatus::kAdmitted && why != TicketEnd::kAbandoned) {
    lapses_.erase({t.admission_expires_at, user});
    --active_;
  } else {
    return false;
  }
  t.status = why == TicketEnd::kLeft ? TicketStatus::kLeft : TicketStatus::kExpired;
  t.end = why;
  t.ended_at = now;
  return true;
}

void WaitingRoom::OnHoldPlaced(UserId user) { ++live_holds_[user]; }

void WaitingRoom::OnHoldEnded(UserId user, bool bought, TimeMs now) {
  auto held = live_holds_.find(user);
  if (held == live_holds_.end()) return;
  if (--held->second > 0) return;
  live_holds_.erase(held);
  auto it = tickets_.find(user);
  if (it == tickets_.end() || it->second.status != TicketStatus::kAdmitted) return;
  QueueTicket& t = it->second;
  if (bought) {
    lapses_.erase({t.admission_expires_at, user});
    t.status = TicketStatus::kCompleted;
    t.ended_at = now;
    --active_;
  }
  // Otherwise the admission runs out at its own time, which no hold has moved.
}

}  // namespace cm::engine
