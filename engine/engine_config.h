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
};

}  // namespace cm::engine
