#pragma once
// The HTTP vocabulary shared by the server, the router and the handlers.

#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace cm::gateway {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// Delivers the one response of a request. Thread-safe: a handler may answer from any thread,
// now or later (for example once the command's events are durable).
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void Send(Response res) = 0;
  // Runs `f` later where the response is written (its connection's strand), so that a reply
  // built in `f` and sent there goes out without one more hand-off between threads.
  virtual void Run(std::function<void()> f) = 0;
};

// One request in flight.
struct Exchange {
  Request req;
  std::string request_id;
  std::string remote;          // address:port, for logs
  std::string remote_address;  // the address alone, for per-client limits
  int64_t received_ms = 0;  // wall clock, the time stamped on commands
  std::chrono::steady_clock::time_point started;
  std::shared_ptr<Responder> responder;
  std::size_t route = SIZE_MAX;  // index of the matched route, for metrics
  uint64_t user = 0;             // the authenticated user, for access logs
};

}  // namespace cm::gateway
