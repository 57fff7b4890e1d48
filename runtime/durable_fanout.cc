#include "runtime/durable_fanout.h"

namespace cm::runtime {

void DurableFanOut::Add(Stage stage) {
  if (stage.on_durable) on_durable_.push_back(stage.on_durable);
  if (stage.on_batch) on_batch_.push_back(stage.on_batch);
  stages_.push_back(std::move(stage));
}

std::vector<std::string> DurableFanOut::names() const {
  std::vector<std::string> out;
  for (const Stage& s : stages_) out.push_back(s.name);
  return out;
}

void DurableFanOut::OnRecovered(const engine::EngineState& state) {
  for (const Stage& s : stages_)
    if (s.on_recovered) s.on_recovered(state);
}

void DurableFanOut::OnDurable(const engine::EventSlot& slot) {
  for (const auto& f : on_durable_) f(slot);
}

void DurableFanOut::OnBatchDelivered(Seq durable_seq) {
  for (const auto& f : on_batch_) f(durable_seq);
}

void DurableFanOut::OnReplicatedBatch(int64_t leader_sent_us) {
  for (const Stage& s : stages_)
    if (s.on_replicated_batch) s.on_replicated_batch(leader_sent_us);
}

void DurableFanOut::OnHalted(const std::string& reason) {
  for (const Stage& s : stages_)
    if (s.on_halted) s.on_halted(reason);
}

}  // namespace cm::runtime
