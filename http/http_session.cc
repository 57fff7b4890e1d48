// One keep-alive connection of the HTTP server (http/http_server.h): reads and parses requests,
// hands them to the handler, writes their responses, and keeps the connection's deadline.
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

#include "http/header_scan.h"
#include "http/http_server.h"
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
      return server_.upgrade_(std::move(socket_), parser_->release(), std::move(slot_));
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
    // The head is written as the fields say, and the body as it is: a whole body, never chunks.
    if (res.chunked()) res.chunked(false);
    if (res.find(http::field::content_length) == res.end()) res.prepare_payload();
    if (server_.observer_) server_.observer_(*ex, res);
    // One request at a time: the next is read only after this write, so the session keeps the
    // response and its serialized head itself, and reuses the head's buffer.
    response_ = std::move(res);
    SerializeHead(response_, head_);
    // A HEAD gets the head alone (its Content-Length is the GET's, as RFC 9110 allows).
    const bool head_only = ex->req.method() == http::verb::head;
    const std::size_t body_bytes = head_only ? 0 : response_.body().size();
    const std::array<net::const_buffer, 2> parts{
        net::buffer(head_), net::buffer(response_.body().data(), body_bytes)};
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
  // costs a clock read instead of a timer cancelled and scheduled at every step. It is never
  // armed further ahead than the shorter of the two timeouts: a deadline set later (now plus
  // one of them) is then never before it. When the deadline passes, the socket closes and what
  // waits on it fails.
  using Clock = std::chrono::steady_clock;
  void SetDeadline(std::chrono::milliseconds timeout) {
    deadline_ = Clock::now() + timeout;
    if (!timer_armed_) ArmTimer();
  }
  void ArmTimer() {
    timer_armed_ = true;
    const auto shortest = std::min(server_.options_.idle_timeout, server_.options_.read_timeout);
    timer_.expires_at(std::min(deadline_, Clock::now() + shortest));
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

void HttpServer::StartSession(tcp::socket socket, std::string address, std::string remote,
                              std::shared_ptr<void> slot) {
  std::make_shared<Session>(*this, std::move(socket), std::move(address), std::move(remote),
                            std::move(slot))
      ->Start();
}

}  // namespace cm::http
