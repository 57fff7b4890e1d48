#include "http/json_input.h"

#include <boost/json/stream_parser.hpp>

#include <charconv>
#include <ctime>

namespace cm::http {

simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

namespace {

// simdjson says what is wrong but not where; on this cold path Boost.JSON's incremental parser
// finds the offset where the text stops being JSON.
std::string Locate(const std::string& body) {
  boost::json::stream_parser p;
  boost::system::error_code ec;
  std::size_t consumed = p.write_some(body.data(), body.size(), ec);
  if (!ec) {
    p.finish(ec);
    consumed = body.size();
  }
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < consumed && i < body.size(); ++i) {
    if (body[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "at line " + std::to_string(line) + ", column " + std::to_string(column) +
         " (offset " + std::to_string(consumed) + ")" + (ec ? ": " + ec.message() : "");
}

}  // namespace

std::optional<simdjson::dom::object> ParseObject(const std::string& body, InputError* err) {
  simdjson::dom::element doc;
  if (auto e = ThreadParser().parse(body.data(), body.size()).get(doc); e) {
    err->status = 400;
    err->code = "MALFORMED_JSON";
    err->detail = body.empty() ? "the request body is empty; a JSON object is expected"
                               : "malformed JSON " + Locate(body);
    return std::nullopt;
  }
  simdjson::dom::object obj;
  if (doc.get(obj)) {
    err->status = 422;
    err->code = "VALIDATION_FAILED";
    err->detail = "the request body must be a JSON object";
    return std::nullopt;
  }
  return obj;
}

std::optional<int64_t> ParseRfc3339(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM]
  auto num = [&](std::size_t pos, std::size_t len, int* out) {
    if (pos + len > t.size()) return false;
    auto r = std::from_chars(t.data() + pos, t.data() + pos + len, *out);
    return r.ec == std::errc{} && r.ptr == t.data() + pos + len;
  };
  int y, mo, d, h, mi, s;
  if (t.size() < 20 || !num(0, 4, &y) || t[4] != '-' || !num(5, 2, &mo) || t[7] != '-' ||
      !num(8, 2, &d) || (t[10] != 'T' && t[10] != 't' && t[10] != ' ') || !num(11, 2, &h) ||
      t[13] != ':' || !num(14, 2, &mi) || t[16] != ':' || !num(17, 2, &s))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::size_t i = 19;
  int millis = 0;
  if (i < t.size() && t[i] == '.') {
    int digits = 0;
    ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      if (digits < 3) millis = millis * 10 + (t[i] - '0');
      ++digits, ++i;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 3; ++digits) millis *= 10;
  }
  int offset_min = 0;
  if (i < t.size() && (t[i] == 'Z' || t[i] == 'z')) {
    ++i;
  } else if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
    int oh, om;
    if (!num(i + 1, 2, &oh) || t.size() <= i + 3 || t[i + 3] != ':' || !num(i + 4, 2, &om))
      return std::nullopt;
    offset_min = (oh * 60 + om) * (t[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != t.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const int64_t secs = static_cast<int64_t>(timegm(&tm)) - int64_t{offset_min} * 60;
  return secs * 1000 + millis;
}

bool FieldReader::Fail(std::string field, std::string why) {
  if (!ok()) return false;
  err_.field = std::move(field);
  err_.detail = err_.field + ": " + std::move(why);
  return false;
}

bool FieldReader::Has(const char* name) const {
  return obj_[name].error() != simdjson::NO_SUCH_FIELD;
}

bool FieldReader::String(const char* name, std::string* out, std::size_t min_len,
                         std::size_t max_len) {
  auto v = obj_[name];
  if (v.error() == simdjson::NO_SUCH_FIELD) return Fail(name, "is required");
  std::string_view s;
  if (v.get(s)) return Fail(name, "must be a string");
  if (s.size() < min_len)
    return Fail(name, "must be at least " + std::to_string(min_len) + " characters");
  if (s.size() > max_len)
    return Fail(name, "must be at most " + std::to_string(max_len) + " characters");
  out->assign(s);
  return true;
}

bool FieldReader::Int(const char* name, int64_t* out, int64_t min, int64_t max) {
  auto v = obj_[name];
  if (v.error() == simdjson::NO_SUCH_FIELD) return Fail(name, "is required");
  int64_t x;
  if (v.get(x)) return Fail(name, "must be an integer");
  if (x < min || x > max)
    return Fail(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  *out = x;
  return true;
}

bool FieldReader::OptionalInt(const char* name, int64_t* out, int64_t min, int64_t max) {
  if (!Has(name)) return true;
  return Int(name, out, min, max);
}

bool FieldReader::Time(const char* name, int64_t* out_ms) {
  auto v = obj_[name];
  if (v.error() == simdjson::NO_SUCH_FIELD) return Fail(name, "is required");
  // A concert's times fall in this century: anything else is a typo or an attack, and a time
  // past year 9999 could not even be written back as RFC 3339.
  constexpr int64_t kEarliestMs = 946'684'800'000;    // 2000-01-01T00:00:00Z
  constexpr int64_t kLatestMs = 4'102'444'800'000;    // 2100-01-01T00:00:00Z
  constexpr const char* kRange = "must be from 2000-01-01T00:00:00Z to before 2100-01-01T00:00:00Z";
  int64_t ms;
  std::string_view s;
  if (!v.get(ms)) {
    if (ms < kEarliestMs || ms >= kLatestMs) return Fail(name, kRange);
    *out_ms = ms;
    return true;
  }
  if (v.get(s)) return Fail(name, "must be an RFC 3339 time or Unix milliseconds");
  auto parsed = ParseRfc3339(s);
  if (!parsed) return Fail(name, "is not an RFC 3339 time such as 2026-12-24T19:00:00+09:00");
  if (*parsed < kEarliestMs || *parsed >= kLatestMs) return Fail(name, kRange);
  *out_ms = *parsed;
  return true;
}

bool FieldReader::Array(const char* name, simdjson::dom::array* out, std::size_t min_n,
                        std::size_t max_n) {
  auto v = obj_[name];
  if (v.error() == simdjson::NO_SUCH_FIELD) return Fail(name, "is required");
  if (v.get(*out)) return Fail(name, "must be an array");
  const std::size_t n = out->size();
  if (n < min_n || n > max_n)
    return Fail(name, "must have between " + std::to_string(min_n) + " and " +
                          std::to_string(max_n) + " items");
  return true;
}

bool FieldReader::IntArray(const char* name, std::vector<int64_t>* out, std::size_t min_n,
                           std::size_t max_n, int64_t min, int64_t max) {
  simdjson::dom::array arr;
  if (!Array(name, &arr, min_n, max_n)) return false;
  out->clear();
  std::size_t i = 0;
  for (auto item : arr) {
    int64_t x;
    const std::string at = std::string(name) + "[" + std::to_string(i++) + "]";
    if (item.get(x)) return Fail(at, "must be an integer");
    if (x < min || x > max)
      return Fail(at, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    out->push_back(x);
  }
  return true;
}

bool FieldReader::Object(const char* name, simdjson::dom::object* out) {
  auto v = obj_[name];
  if (v.error() == simdjson::NO_SUCH_FIELD) return Fail(name, "is required");
  if (v.get(*out)) return Fail(name, "must be an object");
  return true;
}

}  // namespace cm::http
