#pragma once
// Where a follower (a standby or a read replica, runtime/follower.h) reads the leader's
// replicated journal: the batches the leader's JournalReplicator sent, in the order the log
// holds them. replication/kafka_journal_source.h reads them from Kafka. The log may hold
// batches a follower must not apply (runtime/follower.h says which); the source hands every
// one over and leaves the choice to the follower.

#include <chrono>
#include <cstdint>
#include <string>

#include "engine/status.h"
#include "engine/types.h"

namespace cm::runtime {

struct ReplicatedBatch {
  engine::Seq first = 0;  // as the leader labelled it; the follower checks it against the records
  engine::Seq last = 0;
  engine::Term term = 0;  // as labelled (the follower reads the events' own terms)
  int64_t leader_sent_us = 0;  // when the leader sent it (wall clock, us); 0 when not known
  std::string records;   // the journal's own bytes (engine/codec/event_codec.h)
};

class JournalSource {
 public:
  virtual ~JournalSource() = default;
  // The next batch of the log, waiting up to `wait` for one: true with *out filled, false when
  // none came in time. An error is for good (the follower stops).
  virtual Result<bool> Next(ReplicatedBatch* out, std::chrono::milliseconds wait) = 0;
  // Whether every batch the log held when this was called has been handed out by Next (for a
  // promotion, which must apply the whole log before it writes). Asks the log; may block up
  // to `timeout`.
  virtual Result<bool> AtEnd(std::chrono::milliseconds timeout) = 0;
  // How many batches the log holds past the last one handed out, as of the latest poll (for
  // the lag); -1 when not known yet.
  virtual int64_t batches_behind() const = 0;
};

}  // namespace cm::runtime
