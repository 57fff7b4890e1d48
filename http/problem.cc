#include "http/problem.h"

#include <array>

namespace cm::http {

std::string_view ReasonPhrase(int status) {
  return http::obsolete_reason(static_cast<http::status>(status));
}

Problem::Problem(int status, std::string_view code, std::string_view detail) : status_(status) {
  // Most problems are a few hundred bytes: one allocation, not a string grown in steps.
  w_.Reserve(256 + detail.size());
  // The type is the code in kebab case under our problems' base, built on the stack.
  static constexpr std::string_view kBase = "https://concertmania.dev/problems/";
  std::array<char, 128> type{};
  std::size_t n = kBase.copy(type.data(), kBase.size());
  for (std::size_t i = 0; i < code.size() && n < type.size(); ++i) {
    const char c = code[i];
    type[n++] = c == '_' ? '-' : (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  w_.BeginObject()
      .Field("type", std::string_view(type.data(), n))
      .Field("title", ReasonPhrase(status))
      .Field("status", status)
      .Field("detail", detail)
      .Field("code", code);
}

Problem::Head Problem::RenderHead(int status, std::string_view code, std::string_view detail) {
  Problem p(status, code, detail);
  return Head{status, p.w_.Take()};
}

Problem::Problem(const Head& head) : status_(head.status) {
  w_.Reserve(head.json.size() + 128);
  w_.OpenObjectFrom(head.json);
}

Problem& Problem::Header(http::field f, std::string value) {
  headers_.emplace_back(f, std::move(value));
  return *this;
}

Response Problem::Build(unsigned version, bool keep_alive) && {
  w_.EndObject();
  Response res{static_cast<http::status>(status_), version};
  res.set(http::field::content_type, "application/problem+json");
  for (auto& [f, v] : headers_) res.set(f, v);
  res.keep_alive(keep_alive);
  res.body() = w_.Take();
  res.prepare_payload();
  return res;
}

}  // namespace cm::http
