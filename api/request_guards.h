#pragma once
// Per-user guards on the I/O threads: a token-bucket rate limit, and the set of idempotency
// keys whose first request is still in flight (a second one gets 409 instead of racing it).

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "engine/types.h"

namespace cm::api {

class RateLimiter {
 public:
  // `rate` tokens per second, bursts up to `burst`. rate <= 0 disables the limit.
  RateLimiter(double rate, double burst) : rate_(rate), burst_(burst) {}
  // Takes a token; when none is left returns false and the seconds until one is.
  bool Allow(engine::UserId user, int64_t now_ms, int* retry_after_s);

 private:
  struct Bucket {
    double tokens;
    int64_t at_ms;
  };
  static constexpr std::size_t kShards = 16;
  struct Shard {
    std::mutex mu;
    std::unordered_map<engine::UserId, Bucket> buckets;
  };
  double rate_, burst_;
  std::array<Shard, kShards> shards_;
};

class InflightKeys {
 public:
  bool TryBegin(engine::UserId user, const engine::IdemKey& key);
  void End(engine::UserId user, const engine::IdemKey& key);

 private:
  struct Entry {
    engine::UserId user;
    engine::IdemKey key;
    bool operator==(const Entry&) const = default;
  };
  struct EntryHash {
    std::size_t operator()(const Entry& e) const { return e.key.hi ^ (e.key.lo * 31) ^ e.user; }
  };
  std::mutex mu_;
  std::unordered_set<Entry, EntryHash> keys_;
};

}  // namespace cm::api
