#pragma once
// The HTTP vocabulary shared by the server, the router and the handlers.

#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace cm::http {

// The Beast vocabulary we use, so that `http::field` names the same thing in this namespace and
// in the ones that use it (cm::api, cm::live, ...).
using boost::beast::http::async_read;
using boost::beast::http::async_read_header;
using boost::beast::http::async_write;
using boost::beast::http::error;
using boost::beast::http::field;
using boost::beast::http::obsolete_reason;
using boost::beast::http::read;
using boost::beast::http::request;
using boost::beast::http::request_header;
using boost::beast::http::request_parser;
using boost::beast::http::response;
using boost::beast::http::status;
using boost::beast::http::string_body;
using boost::beast::http::string_to_verb;
using boost::beast::http::to_string;
using boost::beast::http::verb;
using boost::beast::http::write;

using Request = request<string_body>;
using Response = response<string_body>;

// Delivers the one response of a request. Thread-safe: a handler may answer from any thread,
// now or later (for example once the command's events are durable).
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void Send(Response res) = 0;
  // Runs `f` later where the response is written (its connection's thread), so that a reply
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

}  // namespace cm::http
