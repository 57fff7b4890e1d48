#include "api/request_input.h"

#include <algorithm>
#include <cctype>

#include <cctype>
#include <charconv>

#include "api/replies.h"

namespace cm::api {

bool RequireJson(const ExPtr& ex) {
  std::string_view ct = ex->req[http::field::content_type];
  const std::size_t semi = ct.find(';');
  if (semi != std::string_view::npos) ct = ct.substr(0, semi);
  while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
  std::string lower(ct);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "application/json") return true;
  Fail(ex, 415, "UNSUPPORTED_MEDIA_TYPE",
       ct.empty() ? "a Content-Type: application/json body is required"
                  : "the body must be application/json, not " + std::string(ct));
  return false;
}

std::optional<simdjson::dom::object> Body(const ExPtr& ex) {
  if (!RequireJson(ex)) return std::nullopt;
  InputError err;
  auto obj = ParseObject(ex->req.body(), &err);
  if (!obj) FailInput(ex, err);
  return obj;
}

std::optional<uint64_t> IdParam(const ExPtr& ex, std::string_view text, std::string_view what) {
  uint64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || ptr != text.data() + text.size() || id == 0) {
    Fail(ex, 404, "NOT_FOUND", "no " + std::string(what) + " with id '" + std::string(text) + "'");
    return std::nullopt;
  }
  return id;
}

std::optional<engine::Command> NewCommand(const ExPtr& ex, const AccessClaims& claims) {
  engine::Command cmd;
  cmd.actor = claims.sub;
  cmd.actor_role = claims.role;
  const std::string_view key = ex->req["Idempotency-Key"];
  if (key.empty()) return cmd;
  if (key.size() > 255) {
    Fail(ex, Problem(422, "VALIDATION_FAILED", "Idempotency-Key: must be at most 255 characters")
                 .With([](JsonWriter& w) { w.Field("field", "Idempotency-Key"); }));
    return std::nullopt;
  }
  cmd.has_idem = true;
  cmd.idem = engine::IdemKeyFromString(key);
  return cmd;
}

bool QueryNumber(const ExPtr& ex, std::string_view name, int64_t fallback, int64_t lo, int64_t hi,
                 int64_t* out) {
  const std::string_view text = QueryParam(ex->req.target(), name);
  *out = fallback;
  if (text.empty()) return true;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  if (ec == std::errc{} && p == text.data() + text.size() && *out >= lo && *out <= hi) return true;
  Fail(ex, Problem(422, "VALIDATION_FAILED",
                   std::string(name) + ": must be an integer from " + std::to_string(lo) + " to " +
                       std::to_string(hi))
               .With([&](JsonWriter& w) { w.Field("field", name); }));
  return false;
}

bool Paging(const ExPtr& ex, int64_t* page, int64_t* size) {
  return QueryNumber(ex, "page", 0, 0, 1'000'000, page) &&
         QueryNumber(ex, "size", 20, 1, 100, size);
}

bool NormaliseEmail(std::string* email, std::string* why) {
  std::string& e = *email;
  std::transform(e.begin(), e.end(), e.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::size_t at = e.find('@');
  if (at == std::string::npos || at == 0 || e.find('@', at + 1) != std::string::npos) {
    *why = "must be an address like name@example.com";
    return false;
  }
  const std::string_view domain = std::string_view(e).substr(at + 1);
  const std::size_t dot = domain.rfind('.');
  if (domain.empty() || dot == std::string_view::npos || dot == 0 || dot + 2 > domain.size() ||
      domain.find("..") != std::string_view::npos) {
    *why = "must have a domain like example.com";
    return false;
  }
  for (unsigned char c : e) {
    if (c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' || c == '\\' || c == ',') {
      *why = "contains a character that is not allowed in an email address";
      return false;
    }
  }
  return true;
}

}  // namespace cm::api
