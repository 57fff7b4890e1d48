#pragma once
// Limits at the edge for what anyone can do without an account: keys for remote addresses and
// emails, and the per-account login backoff. (Token buckets are RateLimiter, request_guards.h.)

#include <array>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>

namespace cm::api {

// Turns client-chosen strings (an IP address, an email) into 64-bit limiter keys with SipHash
// under a random per-process key, so nobody can aim collisions at someone else's bucket.
// Thread-safe after construction. REQUIRES: InitCrypto() ran (libsodium).
class ClientKeys {
 public:
  ClientKeys();
  uint64_t Of(std::string_view text) const;

 private:
  std::array<unsigned char, 16> key_{};
};

// Login attempts per account. The first `free_attempts` go through at once; after that each
// attempt must wait twice as long as the one before (base, 2·base, ... at most cap). Attempts
// made during a wait are refused without lengthening it, so an attacker can delay the owner by
// at most `cap` - a backoff, never a lockout. A successful login clears the account, and an
// account quiet for `forget_after_ms` starts over.
// Thread-safe. Memory: one small entry per account tried recently (bounded; see Prune).
class AttemptBackoff {
 public:
  AttemptBackoff(int free_attempts, int64_t base_ms, int64_t cap_ms,
                 int64_t forget_after_ms = 3'600'000);
  // Starts an attempt; false (and the seconds to wait) when the account must wait first.
  bool TryStart(uint64_t account, int64_t now_ms, int* retry_after_s);
  // The attempt never ran (no capacity to check it): it does not count.
  void Undo(uint64_t account);
  void Succeeded(uint64_t account);
  std::size_t tracked() const;

 private:
  struct Entry {
    uint32_t attempts = 0;
    int64_t next_ms = 0;  // no attempt before this
    int64_t last_ms = 0;
  };
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kMaxPerShard = 1 << 16;
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<uint64_t, Entry> entries;
  };
  void Prune(Shard& s, int64_t now_ms);

  const uint32_t free_attempts_;
  const int64_t base_ms_, cap_ms_, forget_after_ms_;
  std::array<Shard, kShards> shards_;
};

}  // namespace cm::api
