#pragma once
// Where the journal thread sends each group-commit batch besides the local journal, so that a
// standby can take over (replication/kafka_journal_replicator.h puts it on Kafka). The journal
// thread hands the batch over before its local sync and waits for both: a command is answered
// only once its batch is durable locally and replicated, and the added latency is one round
// trip to the replicas rather than a second sync after the first.

#include <string>
#include <string_view>

#include "engine/event.h"

namespace cm::runtime {

class JournalReplicator {
 public:
  virtual ~JournalReplicator() = default;

  // Journal thread: queues the batch of events first..last, `records` being the journal's own
  // bytes for it (journal/journal_writer.h; checksums included). Batches come in seq order,
  // each starting right after the previous one.
  virtual void Send(engine::Seq first, engine::Seq last, std::string_view records) = 0;

  // Journal thread: blocks until every batch up to `last` is replicated. False when it never
  // will be (a permanent failure, or GiveUpAfter's deadline passed): `why` says why, and the
  // pipeline halts rather than answer for a batch that may exist only here.
  virtual bool WaitReplicated(engine::Seq last, std::string* why) = 0;

  // Any thread: from now on WaitReplicated gives up `ms` after its call at the latest (at
  // shutdown, so that a replica that never answers cannot hold the process forever).
  virtual void GiveUpAfter(int ms) = 0;

  // Any thread: the highest seq known to be replicated (0 before the first).
  virtual engine::Seq replicated_seq() const = 0;
};

}  // namespace cm::runtime
