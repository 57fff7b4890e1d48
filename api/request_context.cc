#include "api/request_context.h"

#include <spdlog/spdlog.h>

#include <mutex>

#include "api/replies.h"

namespace cm::api {

using engine::Event;

RequestContext::RequestContext(EnginePort& engine, readmodel::ReadModel& reads, const JwtCodec& jwt,
                               ReplyRouter& replies)
    : engine_(engine), reads_(reads), jwt_(jwt), tokens_(jwt), replies_(replies) {}

std::optional<AccessClaims> RequestContext::Authenticate(const ExPtr& ex, bool admin) {
  const std::string_view h = ex->req[http::field::authorization];
  auto unauthorized = [&](std::string_view code, std::string_view detail) {
    Fail(ex, Problem(401, code, detail)
                 .Header(http::field::www_authenticate,
                         std::string("Bearer error=\"invalid_token\", error_description=\"") +
                             std::string(detail) + "\""));
    return std::nullopt;
  };
  if (h.empty()) return unauthorized("MISSING_TOKEN", "an Authorization: Bearer token is required");
  if (h.size() < 8 || !(h.substr(0, 7) == "Bearer " || h.substr(0, 7) == "bearer "))
    return unauthorized("MALFORMED_TOKEN", "the Authorization header must be 'Bearer <token>'");
  const auto v = tokens_.Verify(h.substr(7), ex->received_ms / 1000);
  if (!v.claims) {
    switch (v.error) {
      case JwtError::kExpired:
        return unauthorized("TOKEN_EXPIRED", ToString(v.error));
      case JwtError::kNotYetValid:
        return unauthorized("TOKEN_NOT_YET_VALID", ToString(v.error));
      case JwtError::kBadAlgorithm:
        return unauthorized("UNSUPPORTED_ALGORITHM", ToString(v.error));
      case JwtError::kBadSignature:
        return unauthorized("INVALID_SIGNATURE", ToString(v.error));
      case JwtError::kMalformed:
        return unauthorized("MALFORMED_TOKEN", ToString(v.error));
    }
  }
  // Authority comes from the engine's records, not from what the token says: the user must
  // exist, and its role is the one on record now (a demoted admin's token stops working as an
  // admin's at once).
  AccessClaims claims = *v.claims;
  const readmodel::ReadModel::Authority authority = reads_.AuthorityOf(claims.sub, claims.sid);
  if (!authority.role) return unauthorized("UNKNOWN_USER", "the token's user does not exist");
  if (authority.disabled) {
    Fail(ex, 403, "ACCOUNT_DISABLED", "this account has been disabled by an administrator");
    return std::nullopt;
  }
  if (authority.session_ended)
    return unauthorized("SESSION_ENDED",
                        "the token's session ended (logged out or revoked): log in again");
  claims.role = *authority.role;
  ex->user = claims.sub;
  if (admin && claims.role != engine::Role::kAdmin) {
    Fail(ex, 403, "ADMIN_ONLY", "this endpoint requires the ADMIN role");
    return std::nullopt;
  }
  return claims;
}

void RequestContext::Submit(const ExPtr& ex, engine::Command cmd, Then then) {
  const bool keyed = cmd.has_idem;
  const engine::UserId actor = cmd.actor;
  const engine::IdemKey key = cmd.idem;
  if (keyed && !inflight_.TryBegin(actor, key))
    return Fail(ex, 409, "IDEMPOTENCY_KEY_IN_FLIGHT",
                "a request with this Idempotency-Key is still being processed; retry later");
  const uint64_t token = replies_.Register(
      ex->responder, [this, ex, then = std::move(then), keyed, actor, key](const Event* e) {
        if (keyed) inflight_.End(actor, key);
        if (e == nullptr)
          return Fail(ex, 503, "ENGINE_HALTED",
                      "the engine stopped before answering; the request may not have been "
                      "applied, and it needs an operator before it takes writes again");
        try {
          then(*e);
        } catch (const std::exception& err) {
          spdlog::error("request {} reply failed: {}", ex->request_id, err.what());
          Fail(ex, 500, "INTERNAL_ERROR", "the server failed to build the reply");
        }
      });
  cmd.request_token = token;
  cmd.now = ex->received_ms;
  switch (engine_.TryPublish(std::move(cmd))) {
    case EnginePort::Publish::kOk:
      return;
    case EnginePort::Publish::kFull:
      replies_.Cancel(token);
      if (keyed) inflight_.End(actor, key);
      return Fail(ex, Problem(503, "ENGINE_BUSY", "the engine's input ring is full; retry shortly")
                          .Header(http::field::retry_after, "1"));
    case EnginePort::Publish::kUnavailable:
      replies_.Cancel(token);
      if (keyed) inflight_.End(actor, key);
      return Fail(ex, Problem(503, "ENGINE_UNAVAILABLE",
                              "the engine is not taking writes (starting or shutting down)")
                          .Header(http::field::retry_after, "5"));
    case EnginePort::Publish::kNotReplicated:
      replies_.Cancel(token);
      if (keyed) inflight_.End(actor, key);
      return Fail(ex, Problem(503, "REPLICATION_UNAVAILABLE",
                              "the journal's replicas are not acknowledging writes; nothing "
                              "new is taken until they do (reads go on)")
                          .Header(http::field::retry_after, "2"));
    case EnginePort::Publish::kNotLeader:
      replies_.Cancel(token);
      if (keyed) inflight_.End(actor, key);
      return NotLeader(ex, engine_.LeaderUrl());
    case EnginePort::Publish::kHalted: {
      replies_.Cancel(token);
      if (keyed) inflight_.End(actor, key);
      // No Retry-After: retrying cannot help until an operator fixes the journal and restarts.
      std::string why;
      engine_.Ready(&why);
      return Fail(ex, 503, "ENGINE_HALTED",
                  "the engine stopped taking writes and needs an operator (" + why + ")");
    }
  }
}

void RequestContext::SubmitAll(const ExPtr& ex, std::vector<engine::Command> cmds,
                               std::function<void(std::vector<engine::Event>)> then) {
  struct Batch {
    std::mutex mu;
    std::vector<engine::Event> answers;
    std::size_t left = 0;
    bool failed = false;
    std::function<void(std::vector<engine::Event>)> then;
  };
  auto batch = std::make_shared<Batch>();
  batch->answers.resize(cmds.size());
  batch->left = cmds.size();
  batch->then = std::move(then);
  auto fail_once = [ex, batch](http::Problem p) {
    {
      std::lock_guard lock(batch->mu);
      if (batch->failed) return;
      batch->failed = true;
    }
    Fail(ex, std::move(p));
  };
  if (cmds.empty()) return batch->then({});
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    const uint64_t token =
        replies_.Register(ex->responder, [ex, batch, i, fail_once](const Event* e) {
          if (e == nullptr)
            return fail_once(Problem(503, "ENGINE_HALTED",
                                     "the engine stopped before answering every scan"));
          std::vector<engine::Event> done;
          {
            std::lock_guard lock(batch->mu);
            batch->answers[i] = *e;
            if (--batch->left > 0 || batch->failed) return;
            done = std::move(batch->answers);
          }
          try {
            batch->then(std::move(done));
          } catch (const std::exception& err) {
            spdlog::error("request {} reply failed: {}", ex->request_id, err.what());
            Fail(ex, 500, "INTERNAL_ERROR", "the server failed to build the reply");
          }
        });
    cmds[i].request_token = token;
    cmds[i].now = ex->received_ms;
    cmds[i].has_idem = false;
    if (engine_.TryPublish(std::move(cmds[i])) == EnginePort::Publish::kOk) continue;
    // This one and the rest never go in: answer now (the ones in are still decided).
    replies_.Cancel(token);
    {
      std::lock_guard lock(batch->mu);
      batch->left -= cmds.size() - i;
    }
    return fail_once(Problem(503, "ENGINE_BUSY",
                             "the engine could not take every scan; " + std::to_string(i) +
                                 " of " + std::to_string(cmds.size()) +
                                 " went in; upload again (recorded scans answer "
                                 "SCAN_ALREADY_RECORDED)")
                         .Header(http::field::retry_after, "1"));
  }
}

}  // namespace cm::api
