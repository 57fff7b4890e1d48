#pragma once
// The proof-of-work gate (ConcertSpec::proof_of_work): hands out ALTCHA challenges and checks
// the solutions that come back, in the gateway and never in the sequencer. A concert with a
// waiting room asks it of each join (admission then gates the holds); one without asks it of
// each hold. The difficulty rises with the concert's arrival rate (solutions first spent per
// second over the last 10 s). A solution is good for one request (auth/pow_spends.h).
// Thread-safety: every method may be called from any I/O thread.
#include <atomic>
#include <string_view>

#include "api/api_options.h"
#include "api/request_context.h"
#include "api/request_guards.h"
#include "auth/pow_challenge.h"
#include "auth/pow_spends.h"
#include "metrics/prometheus_text.h"

namespace cm::api {

// The header a solution travels in: the widget's payload, as ALTCHA's form field holds it.
inline constexpr std::string_view kPowHeader = "Altcha";
inline constexpr int64_t kPowChallengeTtlS = 300;

class PowGate {
 public:
  enum class Step : uint8_t { kJoinQueue, kHold };

  PowGate(RequestContext& ctx, const ApiOptions& options);

  // GET /api/v1/concerts/{id}/pow-challenge
  void IssueChallenge(const ExPtr& ex, std::string_view concert_id);
  // True when `step` of `concert` needs no proof here, or the request carries a good one
  // (spent now). Otherwise answers the request (403 POW_*, or 503 POW_BUSY) and returns false.
  bool Pass(const ExPtr& ex, const AccessClaims& claims, engine::ConcertId concert, Step step,
            const engine::Command& cmd);
  void WriteMetrics(metrics::PrometheusText* out) const;

 private:
  RequestContext& ctx_;
  readmodel::ReadModel& reads_;
  auth::PowIssuer issuer_;
  auth::PowSpends spends_;
  RateLimiter challenge_limiter_;  // per user: each challenge costs us one derivation
  std::atomic<uint64_t> issued_{0};
  std::atomic<uint64_t> passed_{0};
  std::atomic<uint64_t> refused_{0};
};

}  // namespace cm::api
