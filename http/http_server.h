#pragma once
// Boost.Beast HTTP/1.1 server: one acceptor and keep-alive sessions on I/O threads that each run
// an io_context of their own. A connection lives on one thread from accept to close, so its
// session needs no strand: whatever another thread hands it (a durable reply) is posted to
// that thread's io_context. Connections are dealt to the threads in turn.
// Limits: header and body size (413), an idle timeout while waiting for a request's headers and
// a read timeout for the rest of it, so a slow client cannot hold a connection; open
// connections in all (503) and per address (429), each answered once and closed. Out of file
// handles, accepting pauses briefly instead of spinning. Framing follows RFC 9112 strictly:
// a Transfer-Encoding other than exactly "chunked", Transfer-Encoding with Content-Length,
// repeated Content-Length or Transfer-Encoding, and a missing or repeated Host (HTTP/1.1) get
// 400 and the connection closes before any body is read. One request at a time per
// connection; pipelined requests wait in the read buffer and are parsed from it, without a
// read, once the response before them is written.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http/connection_limits.h"
#include "http/http_types.h"

namespace cm::http {

struct HttpServerOptions {
  std::string address = "0.0.0.0";
  uint16_t port = 8080;  // 0 = any free port (tests)
  int threads = 2;
  std::size_t header_limit = 8 * 1024;
  std::size_t body_limit = 1024 * 1024;
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds read_timeout{10'000};
  std::size_t max_connections = 0;              // 0: DefaultMaxConnections()
  std::size_t max_connections_per_address = 0;  // 0: no cap
};

// Why a request's header breaks the framing rules above, or empty when it does not.
std::string_view FramingError(const http::request_header<>& header);

class HttpServer {
 public:
  using Handler = std::function<void(std::shared_ptr<Exchange>)>;
  // Called with every finished response just before it is sent (for access logs and metrics,
  // and the headers every response carries).
  using Observer = std::function<void(const Exchange&, Response&)>;

  // Takes over a connection that asked to upgrade to WebSocket on the configured path, with
  // the connection's slot under the caps, to be kept for as long as the socket is open.
  using UpgradeHandler =
      std::function<void(boost::asio::ip::tcp::socket, Request, std::shared_ptr<void> slot)>;

  HttpServer(HttpServerOptions options, Handler handler, Observer observer);
  // Before Start().
  void SetUpgradeHandler(std::string path, UpgradeHandler handler) {
    upgrade_path_ = std::move(path);
    upgrade_ = std::move(handler);
  }
  ~HttpServer();

  // Binds, listens and starts the I/O threads. Returns why it could not listen (empty: it does).
  [[nodiscard]] std::string Start();
  uint16_t port() const { return port_; }
  // The first I/O thread's io_context, for timers of the parts around the server.
  boost::asio::io_context& io() { return workers_.front()->io; }

  // Graceful shutdown, in steps: stop accepting; wait (bounded) for the requests in flight;
  // then stop the threads, dropping idle keep-alive connections.
  void StopAccepting();
  bool WaitIdle(std::chrono::milliseconds timeout);
  void Stop();

  int64_t in_flight() const { return in_flight_.load(); }
  int64_t connections() const { return static_cast<int64_t>(limits_->open()); }
  const ConnectionLimits& limits() const { return *limits_; }
  uint64_t refused_connections() const { return refused_connections_.load(); }
  bool draining() const { return draining_.load(); }

 private:
  class Session;  // http/http_session.cc
  void StartSession(boost::asio::ip::tcp::socket socket, std::string address, std::string remote,
                    std::shared_ptr<void> slot);
  // One I/O thread and the connections it serves.
  struct Worker {
    boost::asio::io_context io{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work =
        boost::asio::make_work_guard(io);
    std::thread thread;
  };
  static std::vector<std::unique_ptr<Worker>> MakeWorkers(int threads);
  void Accept();
  // Answers a connection over the caps with one short response, then closes it.
  void Refuse(boost::asio::ip::tcp::socket socket, ConnectionLimits::Verdict verdict);

  HttpServerOptions options_;
  Handler handler_;
  Observer observer_;
  std::string upgrade_path_;
  UpgradeHandler upgrade_;
  std::vector<std::unique_ptr<Worker>> workers_;  // built in the constructor, run by Start
  std::size_t next_worker_ = 0;                    // the acceptor's thread only
  boost::asio::ip::tcp::acceptor acceptor_;        // on the first worker
  uint16_t port_ = 0;
  std::atomic<int64_t> in_flight_{0};
  std::shared_ptr<ConnectionLimits> limits_;
  boost::asio::steady_timer accept_pause_;
  std::atomic<uint64_t> refused_connections_{0};
  std::atomic<uint64_t> next_request_{0};
  std::atomic<bool> draining_{false};
  bool stopped_ = false;
};

}  // namespace cm::http
