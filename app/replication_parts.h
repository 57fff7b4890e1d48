#pragma once
// The parts of `serve` that replicate the journal: a leader's replicator, a follower (standby
// or read replica) and its source, and how a standby is told to take over (`concertmania
// promote` leaves a file in its data directory, as `pg_ctl promote` does).

#include <memory>
#include <string>

#include "app/engine_bridge.h"
#include "app/serve_options.h"
#include "replication/kafka_journal_replicator.h"
#include "replication/kafka_journal_source.h"
#include "runtime/follower.h"
#include "runtime/pipeline.h"

namespace cm::app {

// Null (and OK) when the server does not replicate.
Result<std::unique_ptr<replication::KafkaJournalReplicator>> OpenReplicator(
    const ServeOptions& o);

struct FollowerParts {
  std::unique_ptr<runtime::Follower> follower;  // first: it reads the source until stopped
  std::unique_ptr<replication::KafkaJournalSource> source;
  ~FollowerParts();
};

// Recovers the local journal, then follows the topic from there; the bridge refuses writes.
Status StartFollowing(const ServeOptions& o, const runtime::PipelineOptions& po,
                      runtime::DurableListener& listener, EngineBridge& bridge,
                      FollowerParts* out);

// `concertmania promote`: asks the standby on `data_dir` to take over.
std::string PromoteRequestFile(const std::string& data_dir);
// Whether a promotion was asked for; takes the request (removes the file).
bool TakePromoteRequest(const std::string& data_dir);

}  // namespace cm::app
