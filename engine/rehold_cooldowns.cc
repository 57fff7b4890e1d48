#include "engine/rehold_cooldowns.h"

#include <algorithm>
#include <utility>

namespace cm::engine {

TimeMs ReholdCooldowns::Until(UserId user, SeatIndex s, TimeMs now) const {
  SeatList one, cooling;
  one.push_back(s);
  return Cooling(user, one, now, &cooling);
}

TimeMs ReholdCooldowns::Cooling(UserId user, const SeatList& seats, TimeMs now,
                                SeatList* cooling) const {
  cooling->count = 0;
  TimeMs latest = 0;
  if (newest_.Find(user) == nullptr) return 0;  // most users: nothing cooling at all
  for (SeatIndex s : seats) {  // in the order asked
    const TimeMs* until = latest_.Find(UserSeat{user, s});
    if (until == nullptr || *until <= now) continue;
    cooling->push_back(s);
    latest = std::max(latest, *until);
  }
  return latest;
}

void ReholdCooldowns::CoolingSeats(UserId user, TimeMs now, std::vector<SeatIndex>* out) const {
  out->clear();
  ForEachOf(user, [&](const Record& r) {
    if (r.until > now) out->push_back(static_cast<SeatIndex>(r.seat));
  });
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
}

void ReholdCooldowns::Push(TimeMs until, UserId user, SeatIndex seat) {
  auto [newest, inserted] = newest_.Insert(user, kNone);
  Record r;
  r.until = until;
  r.user = user;
  r.seat = seat;
  r.previous = inserted ? kNone40 : *newest;
  // `newest` stays valid: nothing was inserted into or erased from the table since.
  *newest = records_.push_back(r);
  TimeMs& latest = latest_[UserSeat{user, seat}];
  latest = std::max(latest, until);
}

void ReholdCooldowns::DropEnded(TimeMs now) {
  while (!records_.empty() && records_.front().until <= now) {
    const Record& r = records_.front();
    // Records leave oldest first, so a user whose newest record leaves has none left.
    if (const uint64_t* newest = newest_.Find(r.user); newest && *newest == records_.head())
      newest_.Erase(r.user);
    // A later cooldown of the same pair keeps its own, later end.
    const UserSeat pair{r.user, static_cast<SeatIndex>(r.seat)};
    if (const TimeMs* latest = latest_.Find(pair); latest && *latest <= r.until)
      latest_.Erase(pair);
    records_.pop_front();
  }
}

std::vector<ReholdCooldowns::Entry> ReholdCooldowns::Entries() const {
  // Snapshots only, never per command: one sort of the records, not a tree node per record.
  std::vector<Entry> out;
  out.reserve(records_.size());
  records_.ForEach([&](const Record& r) {
    out.push_back(Entry{r.user, static_cast<SeatIndex>(r.seat), r.until});
  });
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
    if (a.user != b.user) return a.user < b.user;
    if (a.seat != b.seat) return a.seat < b.seat;
    return a.until < b.until;
  });
  // Keep each (user, seat)'s latest end: the last of its run.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const bool last_of_run = i + 1 == out.size() || out[i + 1].user != out[i].user ||
                             out[i + 1].seat != out[i].seat;
    if (last_of_run) out[kept++] = out[i];
  }
  out.resize(kept);
  return out;
}

bool ReholdCooldowns::Restore(std::vector<Entry> entries) {
  for (std::size_t i = 1; i < entries.size(); ++i) {
    const Entry& a = entries[i - 1];
    const Entry& b = entries[i];
    if (a.user > b.user || (a.user == b.user && a.seat >= b.seat)) return false;
  }
  // The FIFO wants them in the order they end; ties in (user, seat) order, as encoded.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.until < b.until; });
  records_.clear();
  newest_.Clear();
  latest_.Clear();
  for (const Entry& e : entries) Push(e.until, e.user, e.seat);
  return true;
}

}  // namespace cm::engine
