#include "http/router.h"

#include <stdexcept>

namespace cm::http {
namespace {

// A path's segments, kept inline: paths past kMaxSegments match no route anyway.
struct Segments {
  static constexpr std::size_t kMaxSegments = 12;
  std::array<std::string_view, kMaxSegments> values;
  std::size_t count = 0;
  bool too_many = false;
  std::size_t size() const { return too_many ? kMaxSegments + 1 : count; }
  std::string_view operator[](std::size_t i) const { return values[i]; }
};

Segments Split(std::string_view path) {
  Segments out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const std::size_t j = path.find('/', i);
    const std::size_t end = j == std::string_view::npos ? path.size() : j;
    if (out.count == Segments::kMaxSegments) {
      out.too_many = true;
      break;
    }
    out.values[out.count++] = path.substr(i, end - i);
    i = end;
  }
  return out;
}

bool Matches(const Route& r, const Segments& segs, PathParams* params) {
  if (r.segments.size() != segs.size()) return false;
  PathParams p;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const std::string& want = r.segments[i];
    if (want.size() > 1 && want.front() == '{') {
      if (segs[i].empty() || p.count == p.values.size()) return false;
      p.values[p.count++] = segs[i];
    } else if (want != segs[i]) {
      return false;
    }
  }
  *params = p;
  return true;
}

}  // namespace

void Router::Add(http::verb method, std::string pattern, RouteHandler handler) {
  auto r = std::make_unique<Route>();
  r->method = method;
  r->name = std::string(http::to_string(method)) + " " + pattern;
  const Segments segments = Split(pattern);
  for (std::size_t i = 0; i < segments.count; ++i) r->segments.emplace_back(segments[i]);
  // A template longer than any path we split could never match.
  if (segments.too_many)
    throw std::invalid_argument("route pattern has too many segments: " + pattern);
  if (by_length_.size() <= segments.count) by_length_.resize(segments.count + 1);
  by_length_[segments.count].push_back(r.get());
  r->pattern = std::move(pattern);
  r->handler = std::move(handler);
  routes_.push_back(std::move(r));
}

Router::Match Router::Find(http::verb method, std::string_view path) const {
  Match m;
  const Segments segs = Split(path);
  if (segs.size() >= by_length_.size()) return m;
  // Only templates of the path's length can match it, in the order they were added.
  for (const Route* r : by_length_[segs.size()]) {
    PathParams p;
    if (!Matches(*r, segs, &p)) continue;
    if (r->method == method || (method == http::verb::head && r->method == http::verb::get)) {
      m.route = r;
      m.params = p;
      return m;
    }
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += std::string(http::to_string(r->method));
  }
  return m;
}

std::string_view PathOf(std::string_view target) {
  const std::size_t q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

std::string_view QueryParam(std::string_view target, std::string_view name) {
  const std::size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return {};
}

std::optional<std::string> PercentDecode(std::string_view value) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '+') {
      out.push_back(' ');
    } else if (value[i] != '%') {
      out.push_back(value[i]);
    } else {
      if (i + 2 >= value.size()) return std::nullopt;
      const int hi = hex(value[i + 1]), lo = hex(value[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    }
  }
  return out;
}

}  // namespace cm::http
