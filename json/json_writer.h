#pragma once
// A small JSON writer for replies: appends to one string, escapes every string it is given
// (control characters, quotes, backslashes, and invalid UTF-8, which becomes U+FFFD), and
// places commas itself. Faster and simpler than building a DOM for every reply.

#include <cstdint>
#include <string>
#include <string_view>

namespace cm::json {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view k);
  JsonWriter& String(std::string_view v);
  JsonWriter& Int(int64_t v);
  JsonWriter& Uint(uint64_t v);
  JsonWriter& Double(double v);  // shortest round-trip form; null for NaN and infinities
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // An already-serialized JSON value, inserted as is.
  JsonWriter& Raw(std::string_view json);
  // The start of an object written before (its brace and at least one member, not closed),
  // appended as is to an empty writer: what follows continues that object.
  JsonWriter& OpenObjectFrom(std::string_view object_start);

  // Key + value shorthands.
  JsonWriter& Field(std::string_view k, std::string_view v) { return Key(k).String(v); }
  JsonWriter& Field(std::string_view k, const char* v) { return Key(k).String(v); }
  JsonWriter& Field(std::string_view k, int64_t v) { return Key(k).Int(v); }
  JsonWriter& Field(std::string_view k, uint64_t v) { return Key(k).Uint(v); }
  JsonWriter& Field(std::string_view k, int v) { return Key(k).Int(v); }
  JsonWriter& Field(std::string_view k, unsigned v) { return Key(k).Uint(v); }
  JsonWriter& Field(std::string_view k, bool v) { return Key(k).Bool(v); }
  JsonWriter& Field(std::string_view k, double v) { return Key(k).Double(v); }

  // Room for `bytes` of output, so a writer of known size allocates once.
  void Reserve(std::size_t bytes) { out_.reserve(bytes); }
  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void Separate();
  std::string out_;
  bool need_comma_ = false;
};

// Appends `s` as a quoted, escaped JSON string.
void AppendQuoted(std::string_view s, std::string* out);

// Milliseconds since the epoch as RFC 3339 UTC, e.g. "2026-11-24T10:00:00.000Z".
std::string FormatTime(int64_t unix_ms);

}  // namespace cm::json
