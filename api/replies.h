#pragma once
// Answers to a request: JSON, a resource with its Location, and problems (RFC 9457), including
// how an engine rejection is shown. Each sends the exchange's one response; any thread may call.

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "api/vocabulary.h"
#include "engine/event.h"

namespace cm::api {

using ExPtr = std::shared_ptr<http::Exchange>;

void Json(const ExPtr& ex, int status, std::string body,
          std::initializer_list<std::pair<http::field, std::string>> headers = {});
// A resource rendered from the read model: its JSON with Location, and Idempotent-Replayed
// when this answers a retried request.
void ReplyResource(const ExPtr& ex, int status, std::string body, const std::string& location,
                   bool replayed);
void Fail(const ExPtr& ex, http::Problem p);
void Fail(const ExPtr& ex, int status, std::string_view code, std::string_view detail);
void FailInput(const ExPtr& ex, const http::InputError& err);
// 429 or 503 with Retry-After.
void TryLater(const ExPtr& ex, int status, std::string_view code, std::string_view detail,
              int retry_after_s);
// A write sent to a follower: 307 to the same path on the leader when its address is known,
// else 503 NOT_LEADER.
void NotLeader(const ExPtr& ex, const std::string& leader_url);
// A CommandRejected or DuplicateCommand that carries a failure.
void FailEvent(const ExPtr& ex, const engine::Event& e);

}  // namespace cm::api
