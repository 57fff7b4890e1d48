#pragma once
// Reservations: hold seats (explicit or best-available), read one, release a hold, extend a
// hold once, cancel a paid reservation under the refund policy. A hold is
// decided by the engine: Sequencer::Execute -> EngineState's hold rules (engine/sequencer.cc).
#include <atomic>
#include <string_view>

#include "api/api_options.h"
#include "api/pow_gate.h"
#include "api/request_context.h"
#include "api/request_guards.h"
#include "metrics/prometheus_text.h"

namespace cm::api {

class ReservationsHandler {
 public:
  ReservationsHandler(RequestContext& ctx, const ApiOptions& options, PowGate& pow)
      : ctx_(ctx),
        reads_(ctx.reads()),
        pow_(pow),
        hold_limiter_(options.hold_rate_per_s, options.hold_burst) {}

  void CreateReservation(const ExPtr& ex, std::string_view concert_id);
  void GetReservation(const ExPtr& ex, std::string_view id);
  void CancelReservation(const ExPtr& ex, std::string_view id);  // DELETE: releases a hold
  void CancelPaid(const ExPtr& ex, std::string_view id);  // POST .../cancel: refund less fee
  void ExtendHold(const ExPtr& ex, std::string_view id);
  void WriteMetrics(metrics::PrometheusText* out) const;

 private:
  // Reservations on a concert with a waiting room need an admission; answers 403 when missing.
  bool CheckAdmission(const ExPtr& ex, const AccessClaims& claims, engine::ConcertId concert);

  RequestContext& ctx_;
  readmodel::ReadModel& reads_;
  PowGate& pow_;  // asked of each hold in a concert without a waiting room
  RateLimiter hold_limiter_;  // per user
  // Holds refused for a taken seat without the engine (engine/hold_precheck.h).
  std::atomic<uint64_t> taken_at_gateway_{0};
};

}  // namespace cm::api
