#pragma once
// Who is still there, for the waiting room. A place in line is abandoned when its user has
// neither polled nor kept a socket open for the concert's abandon_after_ms: presence is the
// gateway's to observe, so it is tracked here, and the decision goes to the engine as a
// journaled AbandonQueueTickets command (the engine skips users who are no longer waiting).
//
// Cost: a poll is O(1) (a map update; a queue entry only when the user had none). A sweep pops
// only entries whose time may be up; one still seen is pushed again at its last sighting, so
// a silent user is reported between abandon_after and twice that after their last sign of
// life, and nothing ever scans everyone waiting.
// Thread-safety: all methods may be called from any thread (one mutex).

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "engine/types.h"

namespace cm::readmodel {

class QueuePresence {
 public:
  struct Silent {
    engine::ConcertId concert = 0;
    std::vector<engine::UserId> users;
  };
  // How long `concert` tolerates silence, or nullopt when the user no longer waits there (the
  // entry is then dropped). Called under no lock of ours; it reads the read model.
  using Policy = std::function<std::optional<int64_t>(engine::ConcertId, engine::UserId)>;

  // A sign of life: a join, a poll, or a socket that watches the queue (sockets report every
  // round, see QueueWatch).
  void Seen(engine::ConcertId concert, engine::UserId user, int64_t now_ms);
  // Users silent past their concert's limit at `now`, grouped by concert, at most `limit` in
  // all (the rest wait for the next sweep); they are forgotten.
  std::vector<Silent> Sweep(int64_t now_ms, const Policy& policy, std::size_t limit = 4096);

  std::size_t tracked() const;

 private:
  struct Key {
    engine::ConcertId concert;
    engine::UserId user;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      return std::hash<uint64_t>()(k.concert * 0x9e3779b97f4a7c15ULL ^ k.user);
    }
  };
  // The smallest silence any concert may set; entries younger than this are never checked.
  static constexpr int64_t kMinSilenceMs = 1000;

  mutable std::mutex mu_;
  std::unordered_map<Key, int64_t, KeyHash> last_seen_;
  std::deque<std::pair<int64_t, Key>> checks_;  // (seen at, key), roughly in time order
};

}  // namespace cm::readmodel
