#pragma once
// Reading a request: its JSON body, ids in the path, query numbers, the Idempotency-Key. Each
// check answers the request itself (415, 422, 404) when it fails.

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/replies.h"
#include "auth/jwt.h"
#include "engine/command.h"

namespace cm::api {

bool RequireJson(const ExPtr& ex);
// The body as a JSON object (Content-Type application/json).
std::optional<simdjson::dom::object> Body(const ExPtr& ex);
std::optional<uint64_t> IdParam(const ExPtr& ex, std::string_view text, std::string_view what);
// A command from the caller in `claims`, with the request's Idempotency-Key if it has one.
std::optional<engine::Command> NewCommand(const ExPtr& ex, const auth::AccessClaims& claims);
// A deliberately plain check: local@domain.tld, printable ASCII, no spaces, and lower-cased so
// that emails are unique regardless of case. False, with the reason, for anything else.
bool NormaliseEmail(std::string* email, std::string* why);
bool QueryNumber(const ExPtr& ex, std::string_view name, int64_t fallback, int64_t lo, int64_t hi,
                 int64_t* out);
// ?page= (from 0) and ?size= (1..100, default 20).
bool Paging(const ExPtr& ex, int64_t* page, int64_t* size);

}  // namespace cm::api
