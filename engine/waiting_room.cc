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
  return FenPrefix(t.place + 1);
}

void WaitingRoom::FenAdd(uint64_t place, int32_t delta) {
  for (uint64_t i = place + 1; i <= fenwick_.size(); i += i & (~i + 1)) fenwick_[i - 1] += delta;
}

uint64_t WaitingRoom::FenPrefix(uint64_t count) const {
  int64_t sum = 0;
  for (uint64_t i = count; i > 0; i -= i & (~i + 1)) sum += fenwick_[i - 1];
  return static_cast<uint64_t>(sum);
}

bool WaitingRoom::WaitingAt(uint64_t place) const {
  const QueueTicket* t = Find(line_[place]);
  return t != nullptr && t->status == TicketStatus::kWaiting && t->place == place;
}

void WaitingRoom::Place(QueueTicket& t) {
  t.place = line_.size();
  line_.push_back(t.user);
  // Appending to a Fenwick tree: the new node covers (i - lowbit(i), i], whose other members
  // are already in the tree.
  const uint64_t i = fenwick_.size() + 1;
  const uint64_t low = i & (~i + 1);
  fenwick_.push_back(static_cast<int32_t>(1 + FenPrefix(i - 1) - FenPrefix(i - low)));
  ++in_line_;
}

void WaitingRoom::Unplace(QueueTicket& t) {
  if (t.place == QueueTicket::kNotPlaced) {
    --pre_queued_;
    return;
  }
  FenAdd(t.place, -1);
  --in_line_;
}

uint32_t WaitingRoom::AdmissionsAllowed(TimeMs now) const {
  if (!opened_ || active_ >= settings_.max_active) return 0;
  uint64_t last_second = 0;
  for (const auto& [at, n] : recent_)
    if (at > now - 1000) last_second += n;
  if (last_second >= settings_.admit_per_second) return 0;
  const uint64_t allowed = std::min<uint64_t>(
      {settings_.max_active - active_, settings_.admit_per_second - last_second, in_line_});
  return static_cast<uint32_t>(allowed);
}

void WaitingRoom::NextInLine(uint32_t n, std::vector<UserId>* out) const {
  for (uint64_t place = head_; place < line_.size() && n > 0; ++place) {
    if (!WaitingAt(place)) continue;
    out->push_back(line_[place]);
    --n;
  }
}

void WaitingRoom::DueLapses(TimeMs now, std::vector<UserId>* out) const {
  for (auto it = lapses_.begin(); it != lapses_.end() && it->first <= now; ++it)
    out->push_back(it->second);
}

bool WaitingRoom::Join(TicketId id, UserId user, TimeMs now) {
  QueueTicket& t = tickets_[user];
  if (t.id != 0 && (t.status == TicketStatus::kWaiting || t.status == TicketStatus::kAdmitted))
    return false;  // one place per user
  t = QueueTicket{};
  t.id = id;
  t.user = user;
  t.joined_at = now;
  if (opened_) {
    Place(t);
  } else {
    pre_line_.push_back(user);
    ++pre_queued_;
  }
  return true;
}

bool WaitingRoom::Open(uint64_t seed) {
  if (opened_) return false;
  opened_ = true;
  std::vector<UserId> early;
  early.reserve(pre_queued_);
  for (UserId u : pre_line_) {
    const QueueTicket* t = Find(u);
    if (t != nullptr && t->status == TicketStatus::kWaiting && t->place == QueueTicket::kNotPlaced)
      early.push_back(u);
  }
  // Someone who left and joined again before opening is in pre_line_ twice.
  std::sort(early.begin(), early.end());
  early.erase(std::unique(early.begin(), early.end()), early.end());
  // Fisher-Yates with SplitMix64: the same seed gives the same order on every replay.
  uint64_t state = seed;
  for (std::size_t i = early.size(); i > 1; --i) {
    state += 0x9e3779b97f4a7c15ULL;
    const std::size_t j = Mix64(state) % i;
    std::swap(early[i - 1], early[j]);
  }
  pre_line_.clear();
  pre_line_.shrink_to_fit();
  pre_queued_ = 0;
  line_.reserve(line_.size() + early.size());
  fenwick_.reserve(fenwick_.size() + early.size());
  for (UserId u : early) Place(tickets_.at(u));
  return true;
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
  while (head_ < line_.size() && !WaitingAt(head_)) ++head_;
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

bool WaitingRoom::Restore(bool opened, std::vector<QueueTicket> tickets, std::vector<UserId> line,
                          uint64_t head, std::vector<UserId> pre_line,
                          std::deque<std::pair<TimeMs, uint32_t>> recent,
                          uint64_t admitted_total,
                          std::unordered_map<UserId, uint32_t> live_holds) {
  live_holds_ = std::move(live_holds);
  opened_ = opened;
  line_ = std::move(line);
  head_ = head;
  pre_line_ = std::move(pre_line);
  recent_ = std::move(recent);
  admitted_total_ = admitted_total;
  if (head_ > line_.size()) return false;
  std::vector<int32_t> flags(line_.size(), 0);
  for (QueueTicket& t : tickets) {
    if (t.status == TicketStatus::kWaiting) {
      if (t.place == QueueTicket::kNotPlaced) {
        ++pre_queued_;
      } else {
        if (t.place >= line_.size() || line_[t.place] != t.user || t.place < head_) return false;
        flags[t.place] = 1;
        ++in_line_;
      }
    } else if (t.status == TicketStatus::kAdmitted) {
      ++active_;
      lapses_.emplace(t.admission_expires_at, t.user);
    }
    if (!tickets_.emplace(t.user, t).second) return false;
  }
  // A Fenwick tree built in O(n): each node passes its sum on to its parent.
  fenwick_ = std::move(flags);
  for (uint64_t i = 1; i <= fenwick_.size(); ++i) {
    const uint64_t parent = i + (i & (~i + 1));
    if (parent <= fenwick_.size()) fenwick_[parent - 1] += fenwick_[i - 1];
  }
  return true;
}

}  // namespace cm::engine
