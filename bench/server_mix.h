#pragma once
// A command mix shaped like a server's during a sale (bench/purchases.sh): holds of explicit
// seats and best-available holds, releases, payments requested with idempotency keys, the
// payment worker's charge reports (most captured, some declined), logins and token refreshes,
// and a clock tick every 100 ms of simulated time. It learns ids from the events it sees. So
// that the venue never sells out in a long run, an admin refunds the oldest sales once 2,000
// are confirmed (the worker reports those refunds too): seats keep coming back on sale.

#include <cstdint>
#include <variant>
#include <vector>

#include "bench/bench_report.h"
#include "bench/workload.h"
#include "engine/command.h"
#include "engine/event.h"
#include "engine/sequencer.h"

namespace cm::bench {

class ServerMix : public engine::EventSink {
 public:
  ServerMix(const WorldSpec& spec, uint64_t seed);
  // Fills *cmd (reusing its storage) with the next command at time `now`.
  void Next(engine::TimeMs now, engine::Command* cmd);
  void OnEvent(const engine::Event& e, uint64_t, bool) override;

  uint64_t events = 0;
  // Events by EventType; sized from the event variant, so a new type cannot write past it.
  uint64_t by_type[std::variant_size_v<engine::EventBody>] = {};
  uint64_t rejected_by_code[1000] = {};  // CommandRejected by ResultCode

 private:
  struct Held {
    engine::ReservationId id;
    engine::UserId user;
  };
  struct Pending {
    engine::PaymentId id;
    uint32_t attempt;
  };
  template <class T>
  static T TakeAt(std::vector<T>& v, std::size_t i) {
    T t = v[i];
    v[i] = v.back();
    v.pop_back();
    return t;
  }

  WorldSpec spec_;
  uint32_t seats_per_concert_;
  FastRng rng_;
  engine::TimeMs last_tick_ = 0;
  uint64_t next_key_ = 0;
  std::vector<Held> held_;
  std::vector<Pending> pending_;
  std::vector<engine::ReservationId> sold_;  // confirmed, oldest first from sold_head_
  std::size_t sold_head_ = 0;
  std::vector<std::pair<engine::PaymentId, int64_t>> refunds_;  // decided: for the worker
  std::vector<std::pair<engine::UserId, engine::TokenDigest>> sessions_;
};

}  // namespace cm::bench
