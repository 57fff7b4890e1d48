#pragma once
// A consumer's view of a ring: what it may process next. A first-stage consumer waits for
// published slots; a later stage also waits for the stages it depends on (for example the
// publisher waits for the journal), so a slot reaches it only after they are done with it.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <vector>

#include "engine/ring/sequence.h"

namespace cm::engine {

template <class Ring>
class SequenceBarrier {
 public:
  // `dependencies` must outlive the barrier; empty means "wait for producers only".
  explicit SequenceBarrier(Ring& ring, std::vector<const Sequence*> dependencies = {})
      : ring_(ring), dependencies_(std::move(dependencies)) {}

  // Blocks until at least `next` is ready or the barrier is alerted. Returns the highest sequence
  // that may be consumed (a batch), or next - 1 when alerted with nothing ready.
  int64_t WaitFor(int64_t next) {
    int64_t available = next - 1;
    ring_.wait_strategy().Wait(
        [&] {
          available = Available(next);
          return available >= next;
        },
        alerted_);
    return available;
  }

  // WaitFor that also returns once `also()` is true: another reason to wake, which whoever
  // makes it true signals through the ring's wait strategy.
  template <class Also>
  int64_t WaitFor(int64_t next, Also&& also) {
    int64_t available = next - 1;
    ring_.wait_strategy().Wait(
        [&] {
          available = Available(next);
          return available >= next || also();
        },
        alerted_);
    return available;
  }

  // Non-blocking form of WaitFor.
  int64_t Available(int64_t next) const {
    if (dependencies_.empty()) return ring_.HighestPublished(next, ring_.Claimed());
    int64_t upto = dependencies_.front()->Get();
    for (const Sequence* d : dependencies_) upto = std::min(upto, d->Get());
    return upto;
  }

  void Alert() {
    alerted_.store(true, std::memory_order_seq_cst);
    ring_.wait_strategy().WakeAll();
  }
  void ClearAlert() { alerted_.store(false, std::memory_order_release); }
  bool alerted() const { return alerted_.load(std::memory_order_acquire); }

 private:
  Ring& ring_;
  std::vector<const Sequence*> dependencies_;
  std::atomic<bool> alerted_{false};
};

}  // namespace cm::engine
