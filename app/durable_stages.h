#pragma once
// The durable fan-out as this server builds it: every part that learns from durable events,
// named, in the order it runs (runtime/durable_fanout.h runs them).

#include "api/seq_gate.h"
#include "app/engine_bridge.h"
#include "live/live_feed.h"
#include "live/notifier.h"
#include "live/queue_watch.h"
#include "payments/payment_worker.h"
#include "readmodel/queue_presence.h"
#include "readmodel/queue_stats.h"
#include "readmodel/read_model.h"
#include "runtime/durable_fanout.h"

namespace cm::app {

struct DurableParts {
  readmodel::ReadModel& reads;
  live::LiveFeed& live;
  live::Notifier& notifier;
  readmodel::QueueStats& queue_stats;
  readmodel::QueuePresence& presence;
  live::QueueWatch& queue_watch;
  payments::PaymentWorker* payments;  // null when payments are off
  EngineBridge& bridge;
  api::SeqGate* seq_gate = nullptr;  // requests waiting for a seq (CM-Min-Seq)
};

void AddDurableStages(runtime::DurableFanOut& fanout, const DurableParts& parts);

}  // namespace cm::app
