#pragma once
// Request bodies: parsed with simdjson (one parser per I/O thread), read field by field with
// checks that name the field and say why it was refused.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

namespace cm::http {

struct InputError {
  int status = 422;
  std::string code = "VALIDATION_FAILED";
  std::string field;  // empty for whole-body errors
  std::string detail;
};

// Parses `body` as a JSON object. On failure, the error says where (line, column, offset):
// 400 MALFORMED_JSON, or 422 when it is valid JSON but not an object.
std::optional<simdjson::dom::object> ParseObject(const std::string& body, InputError* err);

// "2026-11-24T10:00:00Z" (RFC 3339, with optional fraction and offset) to Unix milliseconds.
std::optional<int64_t> ParseRfc3339(std::string_view text);

// Reads typed fields of one object; the first failure is kept in error().
class FieldReader {
 public:
  explicit FieldReader(simdjson::dom::object obj) : obj_(obj) {}

  bool Has(const char* name) const;
  bool String(const char* name, std::string* out, std::size_t min_len, std::size_t max_len);
  bool Int(const char* name, int64_t* out, int64_t min, int64_t max);
  bool OptionalInt(const char* name, int64_t* out, int64_t min, int64_t max);
  // An RFC 3339 string or a number of Unix milliseconds.
  bool Time(const char* name, int64_t* out_ms);
  bool IntArray(const char* name, std::vector<int64_t>* out, std::size_t min_n, std::size_t max_n,
                int64_t min, int64_t max);
  bool Array(const char* name, simdjson::dom::array* out, std::size_t min_n, std::size_t max_n);
  bool Object(const char* name, simdjson::dom::object* out);

  bool Fail(std::string field, std::string why);
  const InputError& error() const { return err_; }
  bool ok() const { return err_.detail.empty(); }

 private:
  simdjson::dom::object obj_;
  InputError err_;
};

// The per-thread simdjson parser.
simdjson::dom::parser& ThreadParser();

}  // namespace cm::http
