#pragma once
// The one error shape: application/problem+json (RFC 9457) with type, title, status, detail,
// a stable machine-readable code, and optional extra members (the seats that were taken, the
// field that failed validation).

#include <string>
#include <string_view>

#include "http/http_types.h"
#include "json/json_writer.h"

namespace cm::http {

class Problem {
 public:
  Problem(int status, std::string_view code, std::string_view detail);
  // The standard members of a problem given often, rendered once (the same bytes the
  // constructor above writes), and a problem that starts from them.
  struct Head {
    int status;
    std::string json;  // the object's start: brace and standard members, not closed
  };
  static Head RenderHead(int status, std::string_view code, std::string_view detail);
  explicit Problem(const Head& head);
  // Adds members after the standard ones; `fill` writes Key/value pairs.
  template <class Fill>
  Problem& With(Fill&& fill) {
    fill(w_);
    return *this;
  }
  Problem& Header(http::field f, std::string value);
  Response Build(unsigned version, bool keep_alive) &&;
  int status() const { return status_; }

 private:
  int status_;
  json::JsonWriter w_;
  std::vector<std::pair<http::field, std::string>> headers_;
};

std::string_view ReasonPhrase(int status);

}  // namespace cm::http
