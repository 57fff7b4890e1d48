#pragma once
// One event as one line of JSON, for people and tools such as jq (replay --dump) and for the
// Kafka outbox's messages. Strings go through json::AppendQuoted: one escaper, one policy for
// invalid UTF-8 (U+FFFD) everywhere the project writes JSON.

#include <string>

#include "engine/event.h"

namespace cm::views {

// Appends `e` as a JSON object (no trailing newline) to *out.
void AppendEventJson(const engine::Event& e, std::string* out);

}  // namespace cm::views
