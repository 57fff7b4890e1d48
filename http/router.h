#pragma once
// Method + path-template routing. Templates are literal segments and "{name}" placeholders
// ("/api/concerts/{id}/seats"). A path that matches no template is 404; one that matches a
// template under other methods is 405 with those methods in Allow.

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_types.h"

namespace cm::http {

struct PathParams {
  std::array<std::string_view, 4> values{};
  std::size_t count = 0;
  std::string_view operator[](std::size_t i) const { return values[i]; }
};

using RouteHandler = std::function<void(const std::shared_ptr<Exchange>&, const PathParams&)>;

struct Route {
  http::verb method;
  std::string pattern;
  std::string name;  // for metrics: "GET /api/concerts/{id}"
  RouteHandler handler;
  std::vector<std::string> segments;
};

class Router {
 public:
  void Add(http::verb method, std::string pattern, RouteHandler handler);

  struct Match {
    const Route* route = nullptr;  // null: see allow
    PathParams params;
    std::string allow;  // non-empty: the path exists under these methods (405)
  };
  Match Find(http::verb method, std::string_view path) const;

  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  std::vector<std::unique_ptr<Route>> routes_;
  std::vector<std::vector<const Route*>> by_length_;  // by segment count, in the order added
};

// The path part of a request target (before '?').
std::string_view PathOf(std::string_view target);
// The value of a query parameter, percent-decoding not needed for our numeric/enum params.
std::string_view QueryParam(std::string_view target, std::string_view name);
// A query value with its %XX escapes (and '+' for space) decoded; nullopt for a malformed escape.
std::optional<std::string> PercentDecode(std::string_view value);

}  // namespace cm::http
