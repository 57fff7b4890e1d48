#pragma once
// Where the journal thread sends each group-commit batch besides the local journal, so that a
// standby can take over (replication/kafka_journal_replicator.h puts it on Kafka). The journal
// thread hands a batch over before its local sync, and a command is answered only once its
// batch is durable locally and replicated. Meanwhile the journal thread goes on with the next
// batches: the added latency is one round trip to the replicas, overlapped with the sync, and
// a slow round trip does not cap how many batches are journaled per second.

#include <functional>
#include <string>
#include <string_view>

#include "engine/event.h"

namespace cm::runtime {

class JournalReplicator {
 public:
  virtual ~JournalReplicator() = default;

  // Journal thread: queues the batch of events first..last of writer's term `term`, `records`
  // being the journal's own bytes for it (journal/journal_writer.h; checksums included).
  // Batches come in seq order, each starting right after the previous one.
  virtual void Send(engine::Seq first, engine::Seq last, engine::Term term,
                    std::string_view records) = 0;

  // Any thread: the highest seq known to be replicated (batches are acknowledged in order).
  virtual engine::Seq replicated_seq() const = 0;
  // The term of the replicated batch that ends at replicated_seq() when the replicator opened:
  // a pipeline whose journal is of an older term must not write (a newer leader took over).
  virtual engine::Term replicated_term() const { return 0; }
  // Any thread: true once some batch will never be replicated (the pipeline then halts).
  virtual bool failed() const = 0;

  // Once, before the pipeline starts: `wake` is to be called (from any thread) after
  // replicated_seq() grows and when failed() turns true, so the journal thread need not poll.
  virtual void OnProgress(std::function<void()> wake) = 0;

  // Blocks until every batch up to `last` is replicated. False when it never will be (a
  // permanent failure, or GiveUpAfter's deadline passed): `why` says why.
  virtual bool WaitReplicated(engine::Seq last, std::string* why) = 0;

  // Any thread: from now on WaitReplicated gives up `ms` after this call at the latest (at
  // shutdown, so that replicas that never answer cannot hold the process forever).
  virtual void GiveUpAfter(int ms) = 0;
};

}  // namespace cm::runtime
