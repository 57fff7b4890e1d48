#pragma once
// One event as one line of JSON, for people and tools such as jq (replay --dump) and for the
// Kafka outbox's messages. Strings go through json::AppendQuoted: one escaper, one policy for
// invalid UTF-8 (U+FFFD) everywhere the project writes JSON.

#include <string>

#include "engine/event.h"

namespace cm::views {

// Appends `e` as a JSON object (no trailing newline) to *out.
void AppendEventJson(const engine::Event& e, std::string* out);
// The same, with `"timeline":N` after the seq when `timeline` is not 0: a seq names one event
// only within its timeline (engine/types.h), so a consumer keys what it has seen by both.
void AppendEventJson(const engine::Event& e, engine::Timeline timeline, std::string* out);

}  // namespace cm::views
