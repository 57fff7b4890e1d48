#pragma once
// One event as one line of JSON (replay --dump), for people and tools such as jq.

#include <string>

#include "engine/event.h"

namespace cm::replay {

// Appends `e` as a JSON object (no trailing newline) to *out.
void AppendEventJson(const engine::Event& e, std::string* out);

// Appends `s` as a JSON string literal, escaping quotes, backslashes and control characters.
void AppendJsonString(std::string_view s, std::string* out);

}  // namespace cm::replay
