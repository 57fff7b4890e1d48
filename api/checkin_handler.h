#pragma once
// The door: door staff (STAFF or ADMIN) scan a code at a gate. The signature is checked here,
// so a forged or damaged code answers INVALID_TICKET and never reaches the engine; the engine
// decides the rest, once: ADMITTED, ALREADY_USED, REVOKED, WRONG_CONCERT or NOT_OPEN_YET.
// Gates that worked offline upload their scans (sync); a ticket two gates let in is reported
// as a conflict and kept for people to resolve.
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "api/request_context.h"
#include "metrics/prometheus_text.h"
#include "tickets/signing_key.h"

namespace cm::api {

class CheckinHandler {
 public:
  CheckinHandler(RequestContext& ctx, const tickets::SigningKey& key)
      : ctx_(ctx), reads_(ctx.reads()), key_(key) {}

  void CheckIn(const ExPtr& ex);
  void Sync(const ExPtr& ex);
  void Conflicts(const ExPtr& ex);
  // GET /api/checkin/bundle?concert=N: the door bundle for offline gates (tickets/door_bundle.h).
  void Bundle(const ExPtr& ex);
  // cm_checkins_total{gate}, cm_checkin_rejections_total{reason}.
  void WriteMetrics(metrics::PrometheusText* out) const;

 private:
  // Door staff only; answers 403 itself.
  std::optional<auth::AccessClaims> Staff(const ExPtr& ex);
  void Count(std::string_view gate, std::string_view result);

  RequestContext& ctx_;
  readmodel::ReadModel& reads_;
  const tickets::SigningKey& key_;
  mutable std::mutex metrics_mu_;
  std::map<std::string, uint64_t, std::less<>> admitted_by_gate_;
  std::map<std::string, uint64_t, std::less<>> refused_by_reason_;
};

}  // namespace cm::api
