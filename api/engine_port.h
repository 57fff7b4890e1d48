#pragma once
// The booking API's way into the engine. app/engine_bridge.cc implements it over the running
// pipeline (runtime/): TryPublish puts a command on the input ring.

#include <string>

#include "engine/command.h"
#include "metrics/prometheus_text.h"

namespace cm::api {

// Where commands go (the engine's input ring), and what operations need to know about it.
class EnginePort {
 public:
  // kUnavailable: not taking writes for a while (starting or shutting down); kHalted: the
  // journal failed and the engine stopped (fail-stop): only an operator brings it back;
  // kNotReplicated: the journal's replicas are not keeping up, so nothing new would be
  // acknowledged soon (replication/kafka_journal_replicator.h); reads go on; kNotLeader: this
  // server follows a leader's journal (a standby or a read replica) and takes no writes.
  enum class Publish { kOk, kFull, kUnavailable, kHalted, kNotReplicated, kNotLeader };
  virtual ~EnginePort() = default;
  virtual Publish TryPublish(engine::Command cmd) = 0;
  // Whether TryPublish would take a command now, ring space aside: the gateway answers for the
  // engine from the read model (engine/hold_precheck.h) only then, so a deposed leader, a
  // follower or a halted engine never answers what the leader's engine would not.
  virtual bool TakesWrites() const { return false; }
  // Ready = recovery finished, the journal is writable (not halted), not shutting down.
  virtual bool Ready(std::string* why) const = 0;
  virtual bool Halted() const { return false; }
  // False on a follower: writes belong to the leader, at LeaderUrl() when it is known.
  virtual bool Leading() const { return true; }
  virtual std::string LeaderUrl() const { return {}; }
  // Engine-side metrics (ring depth, batches, journal sync, durable_seq, domain counters).
  virtual void WriteMetrics(metrics::PrometheusText* out) const = 0;
};

}  // namespace cm::api
