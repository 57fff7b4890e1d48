#include "http/problem.h"

namespace cm::http {

std::string_view ReasonPhrase(int status) {
  return http::obsolete_reason(static_cast<http::status>(status));
}

Problem::Problem(int status, std::string_view code, std::string_view detail) : status_(status) {
  std::string type = "https://concertmania.dev/problems/";
  for (char c : code) type.push_back(c == '_' ? '-' : static_cast<char>(std::tolower(c)));
  w_.BeginObject()
      .Field("type", type)
      .Field("title", ReasonPhrase(status))
      .Field("status", status)
      .Field("detail", detail)
      .Field("code", code);
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
