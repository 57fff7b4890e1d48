#pragma once
// Boost.Beast HTTP/1.1 server: an acceptor and keep-alive sessions on a pool of I/O threads.
// Limits: header and body size (413), an idle timeout while waiting for a request's headers and
// a read timeout for the rest of it, so a slow client cannot hold a connection. One request at
// a time per connection; the next is read once the response is written.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "engine/status.h"
#include "gateway/http_types.h"

namespace cm::gateway {

struct HttpServerOptions {
  std::string address = "0.0.0.0";
  uint16_t port = 8080;  // 0 = any free port (tests)
  int threads = 2;
  std::size_t header_limit = 8 * 1024;
  std::size_t body_limit = 1024 * 1024;
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds read_timeout{10'000};
};

class HttpServer {
 public:
  using Handler = std::function<void(std::shared_ptr<Exchange>)>;
  // Called with every finished response (for access logs and metrics).
  using Observer = std::function<void(const Exchange&, const Response&)>;

  // Takes over a connection that asked to upgrade to WebSocket on the configured path.
  using UpgradeHandler = std::function<void(boost::beast::tcp_stream, Request)>;

  HttpServer(HttpServerOptions options, Handler handler, Observer observer);
  // Before Start().
  void SetUpgradeHandler(std::string path, UpgradeHandler handler) {
    upgrade_path_ = std::move(path);
    upgrade_ = std::move(handler);
  }
  ~HttpServer();

  // Binds, listens and starts the I/O threads.
  Status Start();
  uint16_t port() const { return port_; }
  boost::asio::io_context& io() { return io_; }

  // Graceful shutdown, in steps: stop accepting; wait (bounded) for the requests in flight;
  // then stop the threads, dropping idle keep-alive connections.
  void StopAccepting();
  bool WaitIdle(std::chrono::milliseconds timeout);
  void Stop();

  int64_t in_flight() const { return in_flight_.load(); }
  int64_t connections() const { return connections_.load(); }
  bool draining() const { return draining_.load(); }

 private:
  class Session;
  void Accept();

  HttpServerOptions options_;
  Handler handler_;
  Observer observer_;
  std::string upgrade_path_;
  UpgradeHandler upgrade_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> connections_{0};
  std::atomic<uint64_t> next_request_{0};
  std::atomic<bool> draining_{false};
  bool stopped_ = false;
};

}  // namespace cm::gateway
