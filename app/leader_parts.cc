#include "app/leader_parts.h"

#include <spdlog/spdlog.h>

#include <optional>
#include <string>

#include "app/replication_parts.h"
#include "runtime/wall_clock.h"

namespace cm::app {
namespace {

// Once a second, from the ticker: waiting users who went silent (see QueuePresence) are
// reported as AbandonQueueTickets commands.
void ReportSilentWaiters(EngineBridge& bridge, const readmodel::ReadModel& reads,
                         readmodel::QueuePresence& presence) {
  const int64_t now = runtime::WallNowMs();
  auto policy = [&reads](engine::ConcertId concert, engine::UserId user) -> std::optional<int64_t> {
    return reads.Read([&](const engine::EngineState& s) -> std::optional<int64_t> {
      const engine::Concert* c = s.FindConcert(concert);
      const engine::QueueTicket* t = c && c->room ? c->room->Find(user) : nullptr;
      if (t == nullptr || t->status != engine::TicketStatus::kWaiting) return std::nullopt;
      return c->room->settings().abandon_after_ms;
    });
  };
  for (auto& silent : presence.Sweep(now, policy)) {
    engine::Command cmd;
    cmd.now = now;
    cmd.actor_role = engine::Role::kSystem;
    cmd.body = engine::AbandonQueueTicketsCmd{silent.concert, silent.users};
    if (bridge.TryPublish(std::move(cmd)) != EngineBridge::Publish::kOk) {
      // Not taken (a full ring): they get another period rather than being lost.
      for (engine::UserId u : silent.users) presence.Seen(silent.concert, u, now);
    }
  }
}

// The outbox reads the durable journal through the running pipeline.
class PipelineTail final : public outbox::JournalTail {
 public:
  explicit PipelineTail(runtime::Pipeline& p) : p_(p) {}
  engine::Seq durable_seq() const override { return p_.durable_seq(); }
  Status Scan(engine::Seq from,
              const std::function<bool(engine::Seq, std::string_view)>& visit) override {
    return p_.ScanJournal(from, visit);
  }

 private:
  runtime::Pipeline& p_;
};

Status StartOutbox(const ServeOptions& o, outbox::JournalTail& tail,
                   const readmodel::ReadModel& reads, OutboxParts* out) {
  if (o.kafka_brokers.empty()) return Status::OK();
  auto producer = outbox::KafkaProducer::Open(o.kafka_brokers);
  if (!producer.ok()) return producer.status();
  out->kafka = std::move(producer).value();
  outbox::OutboxOptions oo;
  oo.offset_file = o.data_dir + "/kafka-outbox-offset";
  oo.topic_prefix = o.kafka_topic_prefix;
  oo.timelines = reads.Read([](const engine::EngineState& s) { return s.timelines(); });
  out->publisher = std::make_unique<outbox::OutboxPublisher>(oo, *out->kafka, tail);
  if (Status s = out->publisher->Start(); !s.ok()) return s;
  spdlog::info("publishing domain events to Kafka at {} from seq {}", o.kafka_brokers,
               out->publisher->acked_seq() + 1);
  return Status::OK();
}

}  // namespace

LeaderParts::~LeaderParts() = default;

Status LeaderParts::Lead(std::unique_ptr<journal::JournalStore> journal,
                         std::unique_ptr<replication::KafkaJournalReplicator> opened_replicator) {
  if (!opened_replicator) {
    auto opened = OpenReplicator(w_.o);
    if (!opened.ok()) return opened.status();
    opened_replicator = std::move(opened).value();
  }
  replicator = std::move(opened_replicator);
  // The replicated journal: opened before the pipeline, which first sends it the tail it lacks.
  w_.po.replicator = replicator.get();
  w_.bridge.SetReplicator(replicator.get());
  auto opened = journal ? runtime::Pipeline::Open(w_.po, std::move(journal), &w_.fanout)
                        : runtime::Pipeline::Open(w_.po, &w_.fanout);
  if (!opened.ok())
    return Status::IOError("cannot open the engine on " + w_.o.data_dir + ": " +
                           opened.status().ToString());
  pipeline = std::move(opened).value();
  w_.bridge.Attach(pipeline.get());
  w_.backups.Attach(pipeline.get());
  journal_tail = std::make_unique<PipelineTail>(*pipeline);
  if (Status s = StartOutbox(w_.o, *journal_tail, w_.reads, &outbox); !s.ok()) return s;
  w_.bridge.SetOutbox(outbox.publisher.get());
  w_.outbox_floor.store(outbox.publisher.get());
  if (w_.seat_history != nullptr) {
    runtime::Pipeline& p = *pipeline;
    seat_history_tail = std::make_unique<history::SeatHistoryTail>(
        *w_.seat_history,
        history::SeatHistoryTailOptions{
            [&p] { return p.durable_seq(); },
            [&p](engine::Seq from, const std::function<bool(engine::Seq, std::string_view)>& visit) {
              return p.ScanJournal(from, visit);
            }});
    seat_history_tail->Start();
  }
  if (w_.payment_worker) w_.payment_worker->Start();
  EngineBridge& bridge = w_.bridge;
  const readmodel::ReadModel& reads = w_.reads;
  readmodel::QueuePresence& presence = w_.presence;
  ticker = std::make_unique<runtime::Ticker>(
      [&bridge](engine::Command tick) {
        return bridge.TryPublish(std::move(tick)) == EngineBridge::Publish::kOk;
      },
      runtime::WallNowMs, std::chrono::milliseconds(w_.o.tick_ms),
      [&bridge, &reads, &presence] { ReportSilentWaiters(bridge, reads, presence); });
  return Status::OK();
}

}  // namespace cm::app
