#pragma once
// Settings that shape the state. A replay must use the same values as the run that wrote the
// journal (they are the defaults unless a deployment changes them).

#include <cstddef>

#include "engine/types.h"

namespace cm::engine {

struct EngineConfig {
  TimeMs idempotency_ttl_ms = 24 * 3600 * 1000;  // how long a key's first answer is kept
  std::size_t idempotency_capacity = 1 << 20;    // and how many keys at most
  // How long EXPIRED, CANCELLED and REFUNDED reservations stay queryable in the engine (a late
  // payment or a retried cancel still gets a specific answer), before they are dropped.
  TimeMs ended_retention_ms = 3600 * 1000;

  // The payment saga. These shape decisions only (each decision is journaled with its
  // outcome), so a deployment may change them between runs without breaking replay.
  // While a payment is in flight the hold waits at most this much past its own expiry, so a
  // slow provider cannot keep seats off sale: 2 minutes covers every retry of a provider
  // answering within its timeout, and bounds the extra hold to a fifth of the 10-minute TTL.
  TimeMs payment_grace_ms = 120 * 1000;
  uint32_t payment_max_attempts = 3;     // calls to the provider before the saga gives up
  TimeMs payment_retry_base_ms = 1000;   // backoff before retry k: base * 2^(k-1)

  // How many of a waiting room's pre-queue each tick draws into the line once it opens: far
  // ahead of any admission rate, yet few enough that a tick stays well under a millisecond
  // (bench_queue_tick). Decisions only: each QueueDrawn journals its count.
  uint32_t queue_draws_per_tick = 2048;

  // Seats in one new venue. The product's bound (a 200,000-seat stadium is past the largest
  // real ones, and its seat map still fits in memory and on the wire by section); the codec's
  // own bound, kMaxVenueSeats, is far higher. Decisions only: journals and snapshots holding
  // bigger venues still load.
  std::size_t max_venue_seats = 200'000;  // = kDefaultMaxVenueSeats (venue.h)

  // A read model's state (readmodel/read_model.h): it applies every event and keeps all that a
  // GET shows, but not what only deciding needs: hold timers, idempotency keys, per-user seat
  // counts and re-hold cooldown cells (EngineState::DropDecisionState; DecodeState drops them
  // too). Such a state must never decide, be encoded (EncodeState aborts) or be hashed; the
  // invariants check that those parts stay empty.
  bool reads_only = false;
};

}  // namespace cm::engine
