#pragma once
// What every handler shares: who is calling (Authenticate), the read model, and the way into
// the engine (Submit). A handler answers its request through api/replies.h.

#include <functional>
#include <optional>
#include <vector>

#include "api/engine_port.h"
#include "api/replies.h"
#include "api/reply_router.h"
#include "api/request_guards.h"
#include "auth/jwt.h"
#include "auth/verified_tokens.h"
#include "engine/command.h"
#include "readmodel/read_model.h"

namespace cm::api {

class RequestContext {
 public:
  using Then = std::function<void(const engine::Event&)>;

  RequestContext(EnginePort& engine, readmodel::ReadModel& reads, const auth::JwtCodec& jwt,
                 ReplyRouter& replies);

  // The caller of a Bearer token, with the role on record now; answers 401/403 itself.
  std::optional<auth::AccessClaims> Authenticate(const ExPtr& ex, bool admin);
  // Publishes `cmd`; `then` runs with the answering event once it is durable, where the
  // request's response is written. Answers 409/503 itself when the command cannot go in.
  void Submit(const ExPtr& ex, engine::Command cmd, Then then);
  // Publishes every command (none with an Idempotency-Key); `then` runs once, with every
  // answering event in command order, when the last is durable. When one cannot go in, the
  // request gets 503 (once) and `then` never runs; the commands already in are still decided.
  void SubmitAll(const ExPtr& ex, std::vector<engine::Command> cmds,
                 std::function<void(std::vector<engine::Event>)> then);

  EnginePort& engine() { return engine_; }
  readmodel::ReadModel& reads() { return reads_; }
  const auth::JwtCodec& jwt() const { return jwt_; }
  const auth::VerifiedTokens& tokens() const { return tokens_; }

 private:
  EnginePort& engine_;
  readmodel::ReadModel& reads_;
  const auth::JwtCodec& jwt_;
  auth::VerifiedTokens tokens_;  // jwt_'s answers for tokens seen before
  ReplyRouter& replies_;
  InflightKeys inflight_;
};

}  // namespace cm::api
