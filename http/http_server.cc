#include "http/http_server.h"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>

#include <algorithm>
#include <cctype>
#include <sstream>
#include <thread>

#include "http/problem.h"

namespace cm::http {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// A whole HTTP/1.1 response, closing, for answers given before any session exists.
std::string RawProblem(int status, std::string_view code, std::string_view detail) {
  Problem p(status, code, detail);
  p.Header(http::field::retry_after, "5");
  Response res = std::move(p).Build(11, false);
  res.set(http::field::server, "concertmania");
  res.prepare_payload();
  std::ostringstream out;
  out << res;
  return out.str();
}

}  // namespace

std::string_view FramingError(const http::request_header<>& h) {
  std::size_t te = 0, cl = 0, host = 0;
  std::string_view te_value;
  for (const auto& field : h) {
    switch (field.name()) {
      case http::field::transfer_encoding: ++te, te_value = field.value(); break;
      case http::field::content_length: ++cl; break;
      case http::field::host: ++host; break;
      default: break;
    }
  }
  if (te > 1) return "Transfer-Encoding must appear at most once";
  if (te == 1 && !EqualsNoCase(te_value, "chunked"))
    return "the only Transfer-Encoding accepted in a request is exactly 'chunked'";
  if (te == 1 && cl > 0) return "Transfer-Encoding and Content-Length must not both appear";
  if (cl > 1) return "Content-Length must appear at most once";
  if (host > 1) return "Host must appear at most once";
  if (host == 0 && h.version() >= 11) return "an HTTP/1.1 request must carry a Host header";
  return {};
}

std::vector<std::unique_ptr<HttpServer::Worker>> HttpServer::MakeWorkers(int threads) {
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < std::max(1, threads); ++i) workers.push_back(std::make_unique<Worker>());
  return workers;
}

HttpServer::HttpServer(HttpServerOptions options, Handler handler, Observer observer)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      observer_(std::move(observer)),
      workers_(MakeWorkers(options_.threads)),
      acceptor_(workers_.front()->io),
      limits_(std::make_shared<ConnectionLimits>(options_.max_connections != 0
                                                     ? options_.max_connections
                                                     : DefaultMaxConnections(),
                                                 options_.max_connections_per_address)),
      accept_pause_(acceptor_.get_executor()) {}

HttpServer::~HttpServer() { Stop(); }

std::string HttpServer::Start() {
  beast::error_code ec;
  const auto address = net::ip::make_address(options_.address, ec);
  if (ec) return "bad listen address " + options_.address;
  const tcp::endpoint ep(address, options_.port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return "cannot listen on " + options_.address + ":" + std::to_string(options_.port) + ": " +
           ec.message();
  port_ = acceptor_.local_endpoint().port();
  Accept();
  for (auto& w : workers_) w->thread = std::thread([io = &w->io] { io->run(); });
  return {};
}

// One acceptor deals connections to the threads in turn. (SO_REUSEPORT acceptors, one per
// thread, would spare the hand-off at accept, once per connection, but would also let a second
// server started by mistake on the same port take a share of the connections silently, where
// now it fails to listen.)
void HttpServer::Accept() {
  Worker& next = *workers_[next_worker_++ % workers_.size()];
  acceptor_.async_accept(next.io, [this](beast::error_code ec, tcp::socket s) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
        ec == net::error::no_memory || ec.value() == ENFILE) {
      // Out of handles: the pending connection stays in the backlog. Accepting again at once
      // would fail again at once (a spin), so wait for some connections to close.
      accept_pause_.expires_after(std::chrono::milliseconds(100));
      accept_pause_.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec && acceptor_.is_open()) Accept();
      });
      return;
    }
    if (!ec) {
      s.set_option(tcp::no_delay(true), ec);
      const auto ep = s.remote_endpoint(ec);
      if (!ec) {
        std::string address = ep.address().to_string();
        ConnectionLimits::Verdict verdict;
        if (auto slot = limits_->TryAdmit(address, &verdict)) {
          std::string remote = address + ":" + std::to_string(ep.port());
          StartSession(std::move(s), std::move(address), std::move(remote), std::move(slot));
        } else {
          Refuse(std::move(s), verdict);
        }
      }
    }
    Accept();
  });
}

void HttpServer::Refuse(tcp::socket socket, ConnectionLimits::Verdict verdict) {
  refused_connections_.fetch_add(1, std::memory_order_relaxed);
  static const std::string kPerAddress =
      RawProblem(429, "TOO_MANY_CONNECTIONS", "too many open connections from this address");
  static const std::string kInAll =
      RawProblem(503, "SERVER_FULL", "the server has no room for another connection");
  const std::string& reply =
      verdict == ConnectionLimits::Verdict::kTooManyFromAddress ? kPerAddress : kInAll;
  auto owned = std::make_shared<tcp::socket>(std::move(socket));
  // One short write that fits any socket buffer; a client that never reads cannot hold it,
  // since the socket closes as soon as the write is queued in the kernel.
  net::async_write(*owned, net::buffer(reply), [owned](beast::error_code, std::size_t) {
    beast::error_code ignored;
    owned->shutdown(tcp::socket::shutdown_both, ignored);
    owned->close(ignored);
  });
}

void HttpServer::StopAccepting() {
  draining_.store(true);
  net::post(acceptor_.get_executor(), [this] {
    beast::error_code ec;
    acceptor_.close(ec);
  });
}

bool HttpServer::WaitIdle(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (in_flight_.load() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void HttpServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& w : workers_) w->io.stop();
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
}

}  // namespace cm::http
