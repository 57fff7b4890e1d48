#include "payments/http_provider.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <simdjson.h>

#include <charconv>

#include "http/url.h"

namespace cm::payments {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

struct HttpPaymentProvider::Connection {
  explicit Connection(boost::asio::io_context& io) : stream(io) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
};

// One request and its answer, on one connection, within one deadline. A reused keep-alive
// connection the provider has meanwhile closed fails before any answer; the call then tries
// once more on a fresh connection (every call is idempotent by its key).
class HttpPaymentProvider::Call : public std::enable_shared_from_this<Call> {
 public:
  using Done = std::function<void(int status, std::string body, std::string error)>;
  Call(HttpPaymentProvider& owner, http::request<http::string_body> req, Done done)
      : owner_(owner),
        req_(std::move(req)),
        done_(std::move(done)),
        deadline_(std::chrono::steady_clock::now() + owner.options_.timeout) {}

  void Start() {
    conn_ = owner_.TakeIdle();
    if (conn_ != nullptr) return Write(true);
    Connect();
  }

 private:
  void Connect() {
    conn_ = std::make_shared<Connection>(owner_.io_);
    conn_->stream.expires_at(deadline_);
    conn_->stream.async_connect(owner_.endpoint_, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->Finish(0, "connect: " + ec.message());
      self->Write(false);
    });
  }

  void Write(bool reused) {
    conn_->stream.expires_at(deadline_);
    http::async_write(conn_->stream, req_,
                      [self = shared_from_this(), reused](beast::error_code ec, std::size_t) {
                        if (ec) return self->Retry(reused, "send: " + ec.message());
                        self->Read(reused);
                      });
  }

  void Read(bool reused) {
    http::async_read(conn_->stream, conn_->buffer, res_,
                     [self = shared_from_this(), reused](beast::error_code ec, std::size_t) {
                       if (ec) return self->Retry(reused, "answer: " + ec.message());
                       self->Finish(self->res_.result_int(), {});
                     });
  }

  void Retry(bool reused, std::string error) {
    const bool stale = reused && std::chrono::steady_clock::now() < deadline_;
    if (!stale || retried_) return Finish(0, std::move(error));
    retried_ = true;
    conn_.reset();
    res_ = {};
    Connect();
  }

  void Finish(int status, std::string error) {
    if (status != 0 && res_.keep_alive()) {
      conn_->stream.expires_never();
      owner_.GiveBack(std::move(conn_));
    } else if (conn_ != nullptr) {
      beast::error_code ignored;
      conn_->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      conn_->stream.close();
    }
    done_(status, std::move(res_.body()), std::move(error));
  }

  HttpPaymentProvider& owner_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  Done done_;
  std::chrono::steady_clock::time_point deadline_;
  std::shared_ptr<Connection> conn_;
  bool retried_ = false;
};

namespace {

// "status", "amount" and "reason" of a provider answer; missing fields stay empty.
struct Answer {
  std::string status, reason;
  int64_t amount = 0;
};

Answer ParseAnswer(const std::string& body) {
  thread_local simdjson::dom::parser parser;
  Answer a;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) return a;
  std::string_view text;
  if (doc["status"].get_string().get(text) == simdjson::SUCCESS) a.status = text;
  if (doc["reason"].get_string().get(text) == simdjson::SUCCESS) a.reason = text;
  if (doc["detail"].get_string().get(text) == simdjson::SUCCESS && a.reason.empty()) a.reason = text;
  int64_t amount;
  if (doc["amount"].get_int64().get(amount) == simdjson::SUCCESS) a.amount = amount;
  return a;
}

}  // namespace

Result<std::unique_ptr<HttpPaymentProvider>> HttpPaymentProvider::Open(HttpProviderOptions options) {
  const auto url = cm::http::ParseHttpUrl(options.url);
  if (!url)
    return Status::InvalidArgument("payment provider URL must be http://host[:port]: " +
                                   options.url);
  const std::string& host = url->host;
  const std::string& port = url->port;
  boost::asio::io_context io;
  tcp::resolver resolver(io);
  beast::error_code ec;
  auto results = resolver.resolve(host, port, ec);
  if (ec || results.empty())
    return Status::InvalidArgument("cannot resolve payment provider " + options.url + ": " +
                                   ec.message());
  tcp::endpoint endpoint = results.begin()->endpoint();
  return std::unique_ptr<HttpPaymentProvider>(
      new HttpPaymentProvider(std::move(options), endpoint, host + ":" + port));
}

HttpPaymentProvider::HttpPaymentProvider(HttpProviderOptions options, tcp::endpoint endpoint,
                                         std::string host)
    : options_(std::move(options)), endpoint_(endpoint), host_(std::move(host)) {
  thread_ = std::thread([this] {
    auto guard = boost::asio::make_work_guard(io_);
    io_.run();
  });
}

HttpPaymentProvider::~HttpPaymentProvider() {
  io_.stop();
  thread_.join();
}

std::shared_ptr<HttpPaymentProvider::Connection> HttpPaymentProvider::TakeIdle() {
  if (idle_.empty()) return nullptr;
  auto c = std::move(idle_.back());
  idle_.pop_back();
  return c;
}

void HttpPaymentProvider::GiveBack(std::shared_ptr<Connection> c) {
  if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(c));
}

void HttpPaymentProvider::Send(std::string target, std::string key, std::string body,
                               std::function<void(int, std::string, std::string)> done,
                               bool get) {
  http::request<http::string_body> req{get ? http::verb::get : http::verb::post, target, 11};
  req.set(http::field::host, host_);
  req.set(http::field::content_type, "application/json");
  req.set("Idempotency-Key", key);
  req.keep_alive(true);
  req.body() = std::move(body);
  req.prepare_payload();
  boost::asio::post(io_, [this, req = std::move(req), done = std::move(done)]() mutable {
    std::make_shared<Call>(*this, std::move(req), std::move(done))->Start();
  });
}

void HttpPaymentProvider::Charge(const ChargeRequest& request, ChargeDone done) {
  std::string body = "{\"amount\":" + std::to_string(request.amount) + ",\"method\":\"" +
                     std::string(engine::ToString(request.method)) + "\"";
  if (request.wallet != engine::EasyPayProvider::kNone)
    body += ",\"wallet\":\"" + std::string(engine::ToString(request.wallet)) + "\"";
  body += "}";
  Send("/v1/charges", request.key, std::move(body),
       [done = std::move(done)](int status, std::string body, std::string error) {
         ChargeResult r;
         if (status == 0) {
           r.detail = std::move(error);
           return done(std::move(r));
         }
         const Answer a = ParseAnswer(body);
         if (status == 200 && a.status == "CAPTURED") {
           r.outcome = engine::ChargeOutcome::kCaptured;
         } else if (status == 402 || (status == 409 && a.status == "REFUNDED")) {
           // Declined, or an order the provider already refunded: nothing is taken now.
           r.outcome = engine::ChargeOutcome::kDeclined;
           r.detail = a.reason.empty() ? "declined" : a.reason;
         } else {
           r.detail = "HTTP " + std::to_string(status) + (a.reason.empty() ? "" : ": " + a.reason);
         }
         done(std::move(r));
       });
}

void HttpPaymentProvider::Refund(const std::string& key, int64_t up_to, RefundDone done) {
  Send("/v1/refunds", key, "{\"amount\":" + std::to_string(up_to) + "}",
       [done = std::move(done)](int status, std::string body, std::string error) {
         RefundResult r;
         const Answer a = ParseAnswer(body);
         if (status == 200 && a.status == "REFUNDED") {
           r.ok = true;
           r.refunded = a.amount;
         } else {
           r.detail = status == 0 ? std::move(error) : "HTTP " + std::to_string(status);
         }
         done(std::move(r));
       });
}

void HttpPaymentProvider::IssueAccount(const AccountRequest& request, AccountDone done) {
  Send("/v1/virtual-accounts", request.key,
       "{\"amount\":" + std::to_string(request.amount) +
           ",\"dueAt\":" + std::to_string(request.due_at_ms) + "}",
       [done = std::move(done)](int status, std::string body, std::string error) {
         AccountResult r;
         if (status != 200) {
           r.detail = status == 0 ? std::move(error) : "HTTP " + std::to_string(status);
           return done(std::move(r));
         }
         thread_local simdjson::dom::parser parser;
         simdjson::dom::element doc;
         std::string_view bank, account, holder;
         if (parser.parse(body).get(doc) != simdjson::SUCCESS ||
             doc["bank"].get_string().get(bank) != simdjson::SUCCESS ||
             doc["accountNumber"].get_string().get(account) != simdjson::SUCCESS) {
           r.detail = "an account answer without bank and accountNumber";
           return done(std::move(r));
         }
         if (doc["holder"].get_string().get(holder) != simdjson::SUCCESS) holder = {};
         r.ok = true;
         r.bank = bank;
         r.account = account;
         r.holder = holder;
         done(std::move(r));
       });
}

void HttpPaymentProvider::DepositStatus(const std::string& key, StateDone done) {
  Send("/v1/charges/" + key, key, {},
       [done = std::move(done)](int status, std::string body, std::string) {
         DepositState s;
         if (status != 200) return done(s);
         const Answer a = ParseAnswer(body);
         s.ok = !a.status.empty();
         s.captured = a.status == "CAPTURED" ? a.amount : 0;  // REFUNDED: nothing held
         done(s);
       },
       true);
}

}  // namespace cm::payments
