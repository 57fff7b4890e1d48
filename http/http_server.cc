#include "http/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <sstream>

#include "http/header_scan.h"
#include "http/problem.h"
#include "http/response_head.h"

namespace cm::http {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

class HttpServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpServer& server, tcp::socket socket, std::string address, std::string remote,
          std::shared_ptr<void> slot)
      : server_(server),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        remote_(std::move(remote)),
        address_(std::move(address)),
        slot_(std::move(slot)) {}

  // From the acceptor's thread: the session starts on its own.
  void Start() {
    net::post(socket_.get_executor(), [self = shared_from_this()] { self->ReadRequest(); });
  }

  // From any thread: hand the response to this session's thread, or write it at once when
  // called there (a handler that answered right away, or a reply run by Responder::Run).
  void Deliver(std::shared_ptr<Exchange> ex, Response res) {
    net::dispatch(socket_.get_executor(),
                  [self = shared_from_this(), ex = std::move(ex), res = std::move(res)]() mutable {
                    self->Write(std::move(ex), std::move(res));
                  });
  }
  void Run(std::function<void()> f) { net::post(socket_.get_executor(), std::move(f)); }

 private:
  class SessionResponder : public Responder {
   public:
    SessionResponder(std::shared_ptr<Session> s, std::weak_ptr<Exchange> ex)
        : session_(std::move(s)), exchange_(std::move(ex)) {}
    void Send(Response res) override {
      if (sent_.exchange(true)) return;  // exactly one response per request
      auto ex = exchange_.lock();
      if (ex) session_->Deliver(std::move(ex), std::move(res));
    }
    void Run(std::function<void()> f) override { session_->Run(std::move(f)); }

   private:
    std::shared_ptr<Session> session_;
    std::weak_ptr<Exchange> exchange_;
    std::atomic<bool> sent_{false};
  };

  void ReadRequest() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_.options_.header_limit));
    parser_->body_limit(server_.options_.body_limit);
    // The header alone first: its framing is checked before any of the body is parsed.
    parser_->eager(false);
    framing_checked_ = false;
    SetDeadline(server_.options_.idle_timeout);
    Parse();
  }

  // Parses what the buffer holds; reads only when the request is not all there. A pipelined
  // request that came with the one before is parsed without a read.
  void Parse() {
    if (!parser_->is_header_done()) {
      // The raw header lines are checked for folds (which the parser would hide) before the
      // parser sees them, so the whole header must be in the buffer first.
      const auto& data = buffer_.cdata();
      switch (ScanHeader({static_cast<const char*>(data.data()), data.size()}).verdict) {
        case HeaderScan::Verdict::kObsFold:
          return Refuse(400, "BAD_FRAMING", "a header line is folded (obs-fold), which is refused");
        case HeaderScan::Verdict::kIncomplete:
          // Past the limit, the parser answers header_limit.
          if (buffer_.size() < server_.options_.header_limit) return ReadMore();
          break;
        case HeaderScan::Verdict::kComplete:
        case HeaderScan::Verdict::kForParser:
          break;
      }
    }
    for (;;) {
      beast::error_code ec;
      const std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == http::error::need_more) return ReadMore();
      // (Beast itself refuses a declared Content-Length past the body limit with body_limit.)
      if (ec) return Fail(ec);
      if (parser_->is_header_done() && !framing_checked_) {
        framing_checked_ = true;
        if (const std::string_view why = FramingError(parser_->get()); !why.empty())
          return Refuse(400, "BAD_FRAMING", why);
        SetDeadline(server_.options_.read_timeout);
        parser_->eager(true);
      }
      if (parser_->is_done()) return OnRequest();
      if (buffer_.size() == 0) return ReadMore();
    }
  }

  void ReadMore() {
    socket_.async_read_some(
        buffer_.prepare(kReadSize),
        [self = shared_from_this()](beast::error_code ec, std::size_t n) {
          if (ec) return self->Fail(ec == net::error::eof ? http::error::end_of_stream : ec);
          self->buffer_.commit(n);
          self->Parse();
        });
  }

  void OnRequest() {
    deadline_ = Clock::time_point::max();  // the handler takes the time it takes
    if (server_.upgrade_ && boost::beast::websocket::is_upgrade(parser_->get()) &&
        parser_->get().target() == server_.upgrade_path_) {
      timer_.cancel();
      return server_.upgrade_(beast::tcp_stream(std::move(socket_)), parser_->release(),
                              std::move(slot_));
    }
    auto ex = std::make_shared<Exchange>();
    ex->req = parser_->release();
    ex->remote = remote_;
    ex->remote_address = address_;
    ex->started = std::chrono::steady_clock::now();
    ex->received_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
    // A client's request id is kept only when it is short and plain, since it goes into a
    // response header and the logs.
    const std::string_view rid = ex->req["X-Request-Id"];
    const bool plain = std::all_of(rid.begin(), rid.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
    if (!rid.empty() && rid.size() <= 128 && plain) {
      ex->request_id = std::string(rid);
    } else {
      ex->request_id = std::to_string(server_.next_request_.fetch_add(1) + 1);
    }
    ex->responder = std::make_shared<SessionResponder>(shared_from_this(), ex);
    server_.in_flight_.fetch_add(1);
    server_.handler_(std::move(ex));
  }

  // Parse failures that deserve an answer get one (then the connection closes); timeouts and
  // resets just close.
  void Fail(beast::error_code ec) {
    int status = 0;
    std::string_view code, detail;
    if (ec == http::error::body_limit) {
      status = 413, code = "BODY_TOO_LARGE", detail = "request body exceeds the limit";
    } else if (ec == http::error::header_limit) {
      status = 413, code = "HEADER_TOO_LARGE", detail = "request header exceeds the limit";
    } else if (ec.category() == beast::error_code(http::error::bad_method).category() &&
               ec != http::error::end_of_stream && ec != http::error::partial_message) {
      status = 400, code = "MALFORMED_REQUEST", detail = "malformed HTTP request";
    }
    if (status == 0) return Close();
    Refuse(status, code, std::string(detail) + " (" + ec.message() + ")");
  }

  // Answers a request that cannot be served, and closes the connection after it.
  void Refuse(int status, std::string_view code, std::string_view detail) {
    auto ex = std::make_shared<Exchange>();
    ex->remote = remote_;
    ex->started = std::chrono::steady_clock::now();
    ex->request_id = std::to_string(server_.next_request_.fetch_add(1) + 1);
    if (parser_ && parser_->is_header_done()) {
      ex->req.method(parser_->get().method());
      ex->req.target(parser_->get().target());
    }
    server_.in_flight_.fetch_add(1);
    Response res = Problem(status, code, detail).Build(11, false);
    Write(std::move(ex), std::move(res));
  }

  void Write(std::shared_ptr<Exchange> ex, Response res) {
    if (server_.draining()) res.keep_alive(false);
    res.set(http::field::server, "concertmania");
    res.set("X-Request-Id", ex->request_id);
    if (res.find(http::field::content_length) == res.end()) res.prepare_payload();
    if (server_.observer_) server_.observer_(*ex, res);
    // One request at a time: the next is read only after this write, so the session keeps the
    // response and its serialized head itself, and reuses the head's buffer.
    response_ = std::move(res);
    SerializeHead(response_, head_);
    const std::array<net::const_buffer, 2> parts{net::buffer(head_),
                                                 net::buffer(response_.body())};
    SetDeadline(server_.options_.read_timeout);
    // Head and body in one gathered write (one sendmsg when the socket takes it all).
    net::async_write(socket_, parts,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->server_.in_flight_.fetch_sub(1);
                       const bool keep_alive = !ec && self->response_.keep_alive();
                       self->response_ = {};  // an idle connection holds no body
                       if (!keep_alive) return self->Close();
                       self->ReadRequest();
                     });
  }

  void Close() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    socket_.close(ec);
    timer_.cancel();
  }

  // Timeouts: a request's steps move one deadline, and one timer per connection checks it. The
  // timer is armed only when none is pending and re-armed when it fires early, so a request
  // costs a clock read instead of a timer cancelled and scheduled at every step. When the
  // deadline passes, the socket closes and what waits on it fails.
  using Clock = std::chrono::steady_clock;
  void SetDeadline(std::chrono::milliseconds timeout) {
    deadline_ = Clock::now() + timeout;
    if (!timer_armed_) ArmTimer();
  }
  void ArmTimer() {
    timer_armed_ = true;
    timer_.expires_at(deadline_);
    // The timer does not keep the session alive: what waits on the socket does.
    timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (!self) return;
      self->timer_armed_ = false;
      if (ec || !self->socket_.is_open() || self->deadline_ == Clock::time_point::max()) return;
      if (Clock::now() < self->deadline_) return self->ArmTimer();
      beast::error_code ignored;
      self->socket_.close(ignored);
    });
  }

  static constexpr std::size_t kReadSize = 4096;

  HttpServer& server_;
  tcp::socket socket_;
  net::steady_timer timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool timer_armed_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool framing_checked_ = false;
  Response response_;  // the one being written
  std::string head_;   // its status line and fields, serialized
  std::string remote_;
  std::string address_;
  std::shared_ptr<void> slot_;  // our place under the connection caps
};

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
          std::make_shared<Session>(*this, std::move(s), std::move(address), std::move(remote),
                                    std::move(slot))
              ->Start();
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
