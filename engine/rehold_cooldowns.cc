#include "engine/rehold_cooldowns.h"

#include <algorithm>
#include <map>
#include <utility>

namespace cm::engine {

TimeMs ReholdCooldowns::Until(UserId user, SeatIndex s, TimeMs now) const {
  TimeMs until = 0;
  // Newest first: the first record of the seat is its latest cooldown.
  ForEachOf(user, [&](const Record& r) {
    if (until == 0 && r.seat == s) until = r.until > now ? r.until : -1;
  });
  return until > 0 ? until : 0;
}

TimeMs ReholdCooldowns::Cooling(UserId user, const SeatList& seats, TimeMs now,
                                SeatList* cooling) const {
  cooling->count = 0;
  // Newest first: the first record of a seat is its latest cooldown. Bit i: seat i settled.
  uint32_t settled = 0;
  const uint32_t all = seats.count >= 32 ? ~0u : (1u << seats.count) - 1;
  TimeMs latest = 0;
  ForEachOf(user, [&](const Record& r) {
    if (settled == all) return;
    for (uint32_t i = 0; i < seats.count; ++i) {
      if ((settled >> i & 1) || seats[i] != r.seat) continue;
      settled |= 1u << i;
      if (r.until > now) latest = std::max(latest, r.until);
    }
  });
  if (latest == 0) return 0;
  // Report them in the order asked.
  for (uint32_t i = 0; i < seats.count; ++i)
    if (Until(user, seats[i], now) != 0) cooling->push_back(seats[i]);
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
}

void ReholdCooldowns::DropEnded(TimeMs now) {
  while (!records_.empty() && records_.front().until <= now) {
    const Record& r = records_.front();
    // Records leave oldest first, so a user whose newest record leaves has none left.
    if (const uint64_t* newest = newest_.Find(r.user); newest && *newest == records_.head())
      newest_.Erase(r.user);
    records_.pop_front();
  }
}

std::vector<ReholdCooldowns::Entry> ReholdCooldowns::Entries() const {
  std::map<std::pair<UserId, SeatIndex>, TimeMs> latest;  // snapshots only, never per command
  records_.ForEach([&](const Record& r) {
    latest[{r.user, static_cast<SeatIndex>(r.seat)}] = r.until;
  });
  std::vector<Entry> out;
  out.reserve(latest.size());
  for (const auto& [key, until] : latest) out.push_back(Entry{key.first, key.second, until});
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
  for (const Entry& e : entries) Push(e.until, e.user, e.seat);
  return true;
}

}  // namespace cm::engine
