#pragma once
// Which proof-of-work solutions were spent (each is good for one arrival), and how fast
// arrivals come per concert (the difficulty rises with it: ProofOfWorkSettings::DifficultyAt).
// In memory only: PowIssuer's secret dies with the process too, so nothing spent here can be
// shown to a later one. A solution is remembered until its challenge expires.
//
// A retry of the same request (the same user and Idempotency-Key) may present the same solution
// again: the engine answers it from its idempotency record, so it is not a second arrival.
// Thread-safety: every method may be called from any thread (one mutex; a spend is a hash
// insert, far below the derivation that precedes it).

#include <array>
#include <cstdint>
#include <mutex>
#include <queue>
#include <unordered_map>
#include <utility>
#include <vector>

#include "auth/pow_challenge.h"
#include "engine/types.h"

namespace cm::auth {

enum class PowSpend : uint8_t {
  kFirst = 0,  // never spent: an arrival
  kRetry,      // spent by this same request before (same user and idempotency key)
  kReused,     // spent by another request
  kFull,       // too many unexpired solutions remembered; try again later
  kExpired,    // its challenge expired by the latest time any caller brought (so a solution
               // forgotten at expiry cannot come back from a caller whose clock read earlier)
};

class PowSpends {
 public:
  static constexpr int kRateWindowS = 10;

  explicit PowSpends(std::size_t capacity = 1'000'000) : capacity_(capacity) {}

  // `idem`: the request's idempotency key (zero: none, and no retry is recognised). Records the
  // solution as spent when it was not; an `arrival` counts toward the concert's rate (a burnt
  // wrong answer does not).
  PowSpend Spend(const SolvedPow& solved, engine::ConcertId concert, engine::UserId user,
                 const engine::IdemKey& idem, int64_t now_s, bool arrival = true);
  // What Spend would answer, recording nothing (before the derivation, to spare it).
  PowSpend Check(const SolvedPow& solved, engine::UserId user, const engine::IdemKey& idem,
                 int64_t now_s);
  // First spends per second at `concert` over the last kRateWindowS seconds.
  double ArrivalRate(engine::ConcertId concert, int64_t now_s) const;
  std::size_t remembered() const;

 private:
  struct NonceHash {
    std::size_t operator()(const std::array<uint8_t, 16>& n) const;
  };
  struct Spent {
    engine::UserId user = 0;
    engine::IdemKey idem;
  };
  struct Second {
    int64_t at = 0;
    uint32_t arrivals = 0;
  };
  // Forgets what expired by the latest time seen; kFirst, or what a known solution gets.
  PowSpend Look(const SolvedPow& solved, engine::UserId user, const engine::IdemKey& idem,
                int64_t now_s);

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::array<uint8_t, 16>, Spent, NonceHash> spent_;
  // (expires_at, nonce), soonest first.
  std::priority_queue<std::pair<int64_t, std::array<uint8_t, 16>>,
                      std::vector<std::pair<int64_t, std::array<uint8_t, 16>>>, std::greater<>>
      expiries_;
  std::unordered_map<engine::ConcertId, std::array<Second, kRateWindowS>> rates_;
  int64_t latest_s_ = 0;  // the latest time a caller brought
};

}  // namespace cm::auth
