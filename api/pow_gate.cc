#include "api/pow_gate.h"

#include "api/replies.h"
#include "api/request_input.h"

namespace cm::api {

namespace {

std::string ChallengePath(engine::ConcertId concert) {
  return "/api/v1/concerts/" + std::to_string(concert) + "/pow-challenge";
}

// The settings when `step` of the concert asks a proof of work; nullopt when it does not, or
// there is no such concert (the handler's own checks answer that).
std::optional<engine::ProofOfWorkSettings> GateOf(const engine::EngineState& s,
                                                  engine::ConcertId concert, PowGate::Step step,
                                                  bool* found) {
  const engine::Concert* c = s.FindConcert(concert);
  *found = c != nullptr;
  if (c == nullptr || !c->spec->proof_of_work.enabled()) return std::nullopt;
  const bool queue_step = step == PowGate::Step::kJoinQueue;
  if (queue_step != (c->room != nullptr)) return std::nullopt;
  return c->spec->proof_of_work;
}

}  // namespace

PowGate::PowGate(RequestContext& ctx, const ApiOptions& options)
    : ctx_(ctx),
      reads_(ctx.reads()),
      challenge_limiter_(options.pow_challenge_rate_per_s, options.pow_challenge_burst) {}

void PowGate::IssueChallenge(const ExPtr& ex, std::string_view concert_text) {
  auto claims = ctx_.Authenticate(ex, false);
  if (!claims) return;
  auto concert = IdParam(ex, concert_text, "concert");
  if (!concert) return;
  bool found = false;
  const auto settings = reads_.Read([&](const engine::EngineState& s) {
    auto queue = GateOf(s, *concert, Step::kJoinQueue, &found);
    return queue ? queue : GateOf(s, *concert, Step::kHold, &found);
  });
  if (!found)
    return Fail(ex, 404, "UNKNOWN_CONCERT", "no concert with id " + std::to_string(*concert));
  if (!settings)
    return Fail(ex, 409, "POW_NOT_REQUIRED", "this concert asks no proof of work");
  int retry_after = 1;
  if (!challenge_limiter_.Allow(claims->sub, ex->received_ms, &retry_after))
    return TryLater(ex, 429, "RATE_LIMITED", "too many challenges; solve the one you have",
                    retry_after);
  const int64_t now_s = ex->received_ms / 1000;
  auth::PowTerms terms;
  terms.concert = *concert;
  terms.user = claims->sub;
  terms.difficulty = settings->DifficultyAt(spends_.ArrivalRate(*concert, now_s));
  terms.cost = settings->cost;
  terms.expires_at_s = now_s + kPowChallengeTtlS;
  issued_.fetch_add(1, std::memory_order_relaxed);
  Json(ex, 200, issuer_.Issue(terms), {{http::field::cache_control, "no-store"}});
}

bool PowGate::Pass(const ExPtr& ex, const AccessClaims& claims, engine::ConcertId concert,
                   Step step, const engine::Command& cmd) {
  if (claims.role == engine::Role::kAdmin) return true;  // the box office sells without one
  bool found = false;
  const auto settings =
      reads_.Read([&](const engine::EngineState& s) { return GateOf(s, concert, step, &found); });
  if (!settings) return true;
  auto refuse = [&](std::string_view code, std::string detail) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    Fail(ex, Problem(403, code, std::move(detail)).With([&](JsonWriter& w) {
      w.Field("challenge", ChallengePath(concert));
    }));
    return false;
  };
  const std::string_view payload = ex->req[kPowHeader];
  if (payload.empty())
    return refuse("POW_REQUIRED",
                  std::string(step == Step::kJoinQueue ? "joining this waiting room"
                                                       : "holding seats in this concert") +
                      " takes a proof of work: solve GET " + ChallengePath(concert) +
                      " and send the solution in the Altcha header");
  const int64_t now_s = ex->received_ms / 1000;
  const engine::IdemKey idem = cmd.has_idem ? cmd.idem : engine::IdemKey{};
  auth::SolvedPow solved;
  // A spent or expired one is refused before the derivation, so a replay costs no derivation.
  auth::PowSpend seen = auth::PowSpend::kFirst;
  const auto unspent = [&](const auth::SolvedPow& s) {
    seen = spends_.Check(s, claims.sub, idem, now_s);
    return seen == auth::PowSpend::kFirst || seen == auth::PowSpend::kRetry;
  };
  switch (issuer_.Verify(payload, concert, claims.sub, now_s, &solved, unspent)) {
    case auth::PowVerdict::kOk:
      break;
    case auth::PowVerdict::kStopped:
      break;  // answered below, from `seen`
    case auth::PowVerdict::kMalformed:
      return refuse("POW_MALFORMED", "the Altcha header is not a solution ALTCHA's widget made");
    case auth::PowVerdict::kForged:
      return refuse("POW_FORGED",
                    "this challenge was not issued here, or was changed (challenges issued "
                    "before the server restarted are refused too)");
    case auth::PowVerdict::kExpired:
      return refuse("POW_EXPIRED", "the challenge expired; solve a new one");
    case auth::PowVerdict::kWrongConcert:
      return refuse("POW_WRONG_CONCERT", "the challenge was issued for another concert");
    case auth::PowVerdict::kWrongUser:
      return refuse("POW_WRONG_USER", "the challenge was issued to another account");
    case auth::PowVerdict::kUnsolved:
      // Burnt: guessing counters against one challenge costs a derivation each time.
      spends_.Spend(solved, concert, claims.sub, idem, now_s, /*arrival=*/false);
      return refuse("POW_UNSOLVED", "the solution does not solve the challenge; solve a new one");
  }
  if (seen == auth::PowSpend::kFirst) seen = spends_.Spend(solved, concert, claims.sub, idem, now_s);
  switch (seen) {
    case auth::PowSpend::kFirst:
    case auth::PowSpend::kRetry:
      passed_.fetch_add(1, std::memory_order_relaxed);
      return true;
    case auth::PowSpend::kReused:
      return refuse("POW_REUSED", "this solution was spent already; each takes one request");
    case auth::PowSpend::kExpired:
      return refuse("POW_EXPIRED", "the challenge expired; solve a new one");
    case auth::PowSpend::kFull:
      refused_.fetch_add(1, std::memory_order_relaxed);
      TryLater(ex, 503, "POW_BUSY", "too many solutions to remember; try again shortly", 5);
      return false;
  }
  return false;
}

void PowGate::WriteMetrics(metrics::PrometheusText* out) const {
  out->Counter("cm_pow_challenges_issued_total", "Proof-of-work challenges handed out", issued_);
  out->Counter("cm_pow_passed_total", "Requests let through by a good proof of work", passed_);
  out->Counter("cm_pow_refused_total",
               "Requests refused for a missing, bad, reused or expired proof of work", refused_);
}

}  // namespace cm::api
