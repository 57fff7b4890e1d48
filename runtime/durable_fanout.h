#pragma once
// The durable fan-out: the publisher stage of the pipeline (runtime/pipeline.h draws it). Its
// listeners are named stages, called in the order they were added, each with every durable
// event; what one stage has done is visible to the next (the read model is applied before the
// reply that reads it goes out). The server's list is in app/durable_stages.cc. A stage that
// throws halts the pipeline (fail-stop), as any listener would.

#include <functional>
#include <string>
#include <vector>

#include "runtime/pipeline.h"

namespace cm::runtime {

class DurableFanOut final : public DurableListener {
 public:
  // Each callback is optional (and defaulted, so a stage names only those it has).
  struct Stage {
    std::string name;
    std::function<void(const engine::EngineState&)> on_recovered = {};
    std::function<void(const engine::EventSlot&)> on_durable = {};
    std::function<void(Seq durable_seq)> on_batch = {};
    std::function<void(int64_t leader_sent_us)> on_replicated_batch = {};
    std::function<void(const std::string& reason)> on_halted = {};
  };

  // Before the pipeline opens: the stages are read without a lock.
  void Add(Stage stage);
  std::vector<std::string> names() const;

  void OnRecovered(const engine::EngineState& state) override;
  void OnDurable(const engine::EventSlot& slot) override;
  void OnBatchDelivered(Seq durable_seq) override;
  void OnReplicatedBatch(int64_t leader_sent_us) override;
  void OnHalted(const std::string& reason) override;

 private:
  std::vector<Stage> stages_;
  // The callbacks alone, so the per-event loop walks a dense array.
  std::vector<std::function<void(const engine::EventSlot&)>> on_durable_;
  std::vector<std::function<void(Seq)>> on_batch_;
};

}  // namespace cm::runtime
