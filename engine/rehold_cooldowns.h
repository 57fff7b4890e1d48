#pragma once
// Re-hold cooldowns of one concert: after a user gives seats up (releases them or lets the
// hold expire) they may not hold those seats again until the cooldown ends; everyone else may.
//
// Every cooldown of a concert lasts the same time, so the order they start in is the order
// they end in: records sit in one FIFO and old ones fall off the front, no scan and no
// allocation once the FIFO has grown to its working size. A table keyed by (user, seat) gives
// each pair's latest end, so checking a hold costs one lookup per seat asked for, however
// many seats the user gave up lately. Each record also links to the same user's previous
// one, and a table gives each user's newest, so listing one user's cooling seats (for
// best-available) is a walk of their records alone. A record whose time has passed means
// nothing, dropped yet or not.
// Not thread-safe (sequencer thread).

#include <cstdint>
#include <vector>

#include "engine/fifo.h"
#include "engine/hash.h"
#include "engine/sharded_flat_map.h"
#include "engine/types.h"

namespace cm::engine {

class ReholdCooldowns {
 public:
  // One (user, seat) as a snapshot stores it: its latest end.
  struct Entry {
    UserId user = 0;
    SeatIndex seat = 0;
    TimeMs until = 0;
  };

  bool empty() const { return records_.empty(); }

  // When `user` may hold seat `s` again, or 0 when they may now.
  TimeMs Until(UserId user, SeatIndex s, TimeMs now) const;
  // Which of `seats` `user` may not hold yet at `now` (in the order asked), and the latest
  // time one of them frees up (0 when none is cooling). One walk over the user's records.
  TimeMs Cooling(UserId user, const SeatList& seats, TimeMs now, SeatList* cooling) const;
  // The seats `user` may not hold yet at `now`, ascending, each once.
  void CoolingSeats(UserId user, TimeMs now, std::vector<SeatIndex>* out) const;

  // `user` gave up `seats` at `now`; they cool down until now + duration (no record when the
  // duration is 0). Records that ended by `now` are dropped first.
  // REQUIRES: `now` is not before any earlier call's.
  template <class Seats>
  void Start(UserId user, const Seats& seats, TimeMs now, TimeMs duration) {
    DropEnded(now);
    if (duration <= 0) return;
    for (SeatIndex s : seats) Push(now + duration, user, s);
  }

  // Every (user, seat) not yet dropped, ascending by (user, seat): what a snapshot stores.
  std::vector<Entry> Entries() const;
  // Rebuilds from a snapshot's entries. Returns false unless they ascend by (user, seat).
  bool Restore(std::vector<Entry> entries);

 private:
  static constexpr uint64_t kNone = UINT64_MAX;
  // Records are 24 bytes: 2^40 positions and 2^24 seats (a venue has at most 200,000) fit.
  static constexpr uint64_t kNone40 = (uint64_t{1} << 40) - 1;
  static_assert(sizeof(SeatIndex) == 4);
  struct Record {
    TimeMs until = 0;
    UserId user = 0;
    uint64_t previous : 40 = kNone40;  // the FIFO position of the same user's previous record
    uint64_t seat : 24 = 0;
  };

  struct UserSeat {
    UserId user = 0;
    SeatIndex seat = 0;
    bool operator==(const UserSeat&) const = default;
  };
  struct UserSeatHash {
    std::size_t operator()(const UserSeat& k) const {
      return Mix64(k.user ^ (uint64_t{k.seat} * 0x9e3779b97f4a7c15ULL));
    }
  };

  void Push(TimeMs until, UserId user, SeatIndex seat);
  void DropEnded(TimeMs now);
  // Visits `user`'s records still in the FIFO, newest first.
  template <class F>
  void ForEachOf(UserId user, F&& f) const {
    const uint64_t* newest = newest_.Find(user);
    for (uint64_t p = newest ? *newest : kNone; p != kNone && p >= records_.head();) {
      const Record& r = records_.At(p);
      f(r);
      p = r.previous == kNone40 ? kNone : r.previous;
    }
  }

  Fifo<Record> records_;
  // user -> the FIFO position of their newest record
  ShardedFlatMap<UserId, uint64_t, U64Hash, 6> newest_;
  // (user, seat) -> its latest end, while a record of that pair is in the FIFO
  ShardedFlatMap<UserSeat, TimeMs, UserSeatHash, 6> latest_;
};

}  // namespace cm::engine
