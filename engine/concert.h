#pragma once

#include <deque>
#include <map>
#include <memory>
#include <unordered_map>
#include <utility>

#include "engine/concert_spec.h"
#include "engine/seat_map.h"
#include "engine/types.h"
#include "engine/venue.h"
#include "engine/waiting_room.h"

namespace cm::engine {

enum class SalesState : uint8_t { kScheduled = 0, kOpen = 1, kClosed = 2 };

struct Concert {
  Concert(ConcertId id, std::shared_ptr<const ConcertSpec> spec, const Venue& venue)
      : id(id), spec(std::move(spec)), venue(&venue), seats(venue) {
    if (this->spec->waiting_room.enabled)
      room = std::make_unique<WaitingRoom>(this->spec->waiting_room);
  }

  ConcertId id;
  std::shared_ptr<const ConcertSpec> spec;
  const Venue* venue;  // owned by EngineState, outlives the concert
  SalesState sales = SalesState::kScheduled;
  SeatMap seats;
  // Seats each user holds or bought here (for the per-user limit); zero entries are erased.
  std::unordered_map<UserId, uint32_t> seats_per_user;
  std::unique_ptr<WaitingRoom> room;  // null when the concert has no waiting room
  // Re-hold cooldowns: (user, seat) -> the time that user may hold the seat again. Entries
  // are also queued in the order they were made, which is the order they end (each lasts the
  // concert's one cooldown), so old ones are dropped without a scan. An entry whose time has
  // passed means nothing, whether or not it has been dropped yet.
  using CooldownKey = std::pair<UserId, SeatIndex>;
  std::map<CooldownKey, TimeMs> cooldowns;
  std::deque<std::pair<TimeMs, CooldownKey>> cooldown_order;

  int64_t PriceOf(SeatIndex s) const { return spec->price_per_grade[venue->seats[s].grade]; }
  uint32_t SeatsOf(UserId u) const {
    auto it = seats_per_user.find(u);
    return it == seats_per_user.end() ? 0 : it->second;
  }
  // When `user` may hold seat `s` again, or 0 when they may now.
  TimeMs CooldownUntil(UserId user, SeatIndex s, TimeMs now) const {
    auto it = cooldowns.find({user, s});
    return it != cooldowns.end() && it->second > now ? it->second : 0;
  }
  // The seats `user` may not hold yet at `now`, ascending.
  void CoolingSeats(UserId user, TimeMs now, std::vector<SeatIndex>* out) const {
    out->clear();
    for (auto it = cooldowns.lower_bound({user, 0});
         it != cooldowns.end() && it->first.first == user; ++it)
      if (it->second > now) out->push_back(it->first.second);
  }
  // `user` gave up `seats` at `now`. REQUIRES: `now` is not before any earlier call's.
  template <class Seats>
  void StartCooldown(UserId user, const Seats& seats, TimeMs now) {
    while (!cooldown_order.empty() && cooldown_order.front().first <= now) {
      auto it = cooldowns.find(cooldown_order.front().second);
      if (it != cooldowns.end() && it->second == cooldown_order.front().first) cooldowns.erase(it);
      cooldown_order.pop_front();
    }
    if (spec->rehold_cooldown_ms <= 0) return;
    const TimeMs until = now + spec->rehold_cooldown_ms;
    for (SeatIndex s : seats) {
      cooldowns[{user, s}] = until;
      cooldown_order.emplace_back(until, CooldownKey{user, s});
    }
  }
};

}  // namespace cm::engine
