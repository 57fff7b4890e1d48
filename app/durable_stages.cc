#include "app/durable_stages.h"

#include <stdexcept>

#include "runtime/wall_clock.h"

namespace cm::app {

void AddDurableStages(runtime::DurableFanOut& fanout, const DurableParts& p) {
  using Stage = runtime::DurableFanOut::Stage;
  // First, so that everything after it (and every reply) reads the state this event made.
  fanout.Add(Stage{
      .name = "read model",
      .on_recovered =
          [p](const engine::EngineState& state) {
            if (Status s = p.reads.Load(state); !s.ok())
              throw std::runtime_error("read model cannot load the recovered state: " +
                                       s.ToString());
          },
      .on_durable =
          [p](const engine::EventSlot& slot) {
            if (Status s = p.reads.Apply(slot.event); !s.ok())
              throw std::runtime_error("read model rejected a durable event: " + s.ToString());
          },
  });
  // Presence is not journaled: after a restart everyone waiting counts as seen now, so nobody
  // loses a place to the downtime.
  fanout.Add(
      Stage{.name = "waiting-room presence", .on_recovered = [p](const engine::EngineState& state) {
              const int64_t now = runtime::WallNowMs();
              for (engine::ConcertId id : state.rooms())
                if (const engine::WaitingRoom* room = state.FindConcert(id)->room.get())
                  for (const auto& [user, t] : room->ticket_map())
                    if (t.status == engine::TicketStatus::kWaiting) p.presence.Seen(id, user, now);
            }});
  fanout.Add(Stage{.name = "live seat map",
                   // At startup, a promotion, and when a follower cut its tail back.
                   .on_recovered =
                       [p](const engine::EngineState& state) { p.live.Reset(state.last_seq()); },
                   .on_durable = [p](const engine::EventSlot& s) { p.live.Collect(s.event); },
                   .on_batch = [p](engine::Seq) { p.live.Flush(); },
                   .on_replicated_batch = [p](int64_t us) { p.live.NoteLeaderSent(us); }});
  fanout.Add(Stage{.name = "hold notices",
                   .on_durable = [p](const engine::EventSlot& s) { p.notifier.Collect(s.event); },
                   .on_batch = [p](engine::Seq) { p.notifier.Flush(); }});
  fanout.Add(Stage{.name = "admission rate", .on_durable = [p](const engine::EventSlot& s) {
                     p.queue_stats.Collect(s.event);
                   }});
  fanout.Add(
      Stage{.name = "waiting-room places",
            .on_durable = [p](const engine::EventSlot& s) { p.queue_watch.Collect(s.event); },
            .on_batch = [p](engine::Seq) { p.queue_watch.Flush(); }});
  // The payment saga's worker gets the recovered state and every durable event after it.
  if (p.payments != nullptr)
    fanout.Add(Stage{
        .name = "payment worker",
        .on_recovered = [p](const engine::EngineState& state) { p.payments->OnRecovered(state); },
        .on_durable = [p](const engine::EventSlot& s) { p.payments->Collect(s.event); }});
  fanout.Add(Stage{.name = "domain counters",
                   .on_durable = [p](const engine::EventSlot& s) { p.bridge.Count(s.event); }});
  // Last: a request is answered once every part above has seen its events. Readiness too.
  fanout.Add(Stage{.name = "replies",
                   .on_recovered = [p](const engine::EngineState&) { p.bridge.OnRecovered(); },
                   .on_durable = [p](const engine::EventSlot& s) { p.bridge.Answer(s); },
                   .on_halted = [p](const std::string& why) { p.bridge.OnHalted(why); }});
  if (p.seq_gate != nullptr)
    fanout.Add(Stage{.name = "read your writes",
                     .on_batch = [p](engine::Seq seq) { p.seq_gate->Advance(seq); }});
}

}  // namespace cm::app
