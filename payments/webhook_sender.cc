#include "payments/webhook_sender.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <chrono>

#include "auth/deposit_signature.h"

namespace cm::payments {

namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = boost::asio::ip::tcp;

WebhookSender::WebhookSender(Clock now_ms, int max_tries, int64_t retry_ms)
    : now_ms_(std::move(now_ms)), max_tries_(max_tries), retry_ms_(retry_ms) {
  thread_ = std::thread([this] { Loop(); });
}

WebhookSender::~WebhookSender() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool WebhookSender::Configure(const std::string& url, const std::string& secret) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme) || secret.empty()) return false;
  const std::string rest = url.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  const std::size_t colon = authority.rfind(':');
  if (authority.empty() || colon == 0) return false;
  std::lock_guard lock(mu_);
  host_ = colon == std::string::npos ? authority : authority.substr(0, colon);
  port_ = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  target_ = slash == std::string::npos ? "/" : rest.substr(slash);
  secret_ = secret;
  return true;
}

bool WebhookSender::configured() const {
  std::lock_guard lock(mu_);
  return !secret_.empty();
}

std::string WebhookSender::url() const {
  std::lock_guard lock(mu_);
  return secret_.empty() ? std::string() : "http://" + host_ + ":" + port_ + target_;
}

void WebhookSender::Send(std::string body, int64_t delay_ms) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= kMaxQueued) {  // the merchant has been away long: the oldest waits no more
      queue_.pop_front();
      ++counts_.dropped;
    }
    queue_.push_back(Notice{std::move(body), now_ms_() + std::max<int64_t>(0, delay_ms), 0});
  }
  cv_.notify_one();
}

WebhookSender::Counts WebhookSender::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

void WebhookSender::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    // The notice due first; the queue is short (one per deposit a test makes).
    auto next = std::min_element(queue_.begin(), queue_.end(),
                                 [](const Notice& a, const Notice& b) { return a.due < b.due; });
    if (next == queue_.end()) {
      cv_.wait(lock);
      continue;
    }
    if (const int64_t wait = next->due - now_ms_(); wait > 0) {
      cv_.wait_for(lock, std::chrono::milliseconds(std::min<int64_t>(wait, 200)));
      continue;
    }
    Notice notice = std::move(*next);
    queue_.erase(next);
    ++counts_.tries;
    lock.unlock();
    const int status = Post(notice.body);
    lock.lock();
    if (status >= 200 && status < 300) {
      ++counts_.delivered;
    } else if (status >= 400 && status < 500 && status != 409 && status != 429) {
      ++counts_.refused;  // read and refused; 409 (the same notice in flight) and 429 wait
    } else if (++notice.tries < max_tries_) {
      notice.due = now_ms_() + retry_ms_;
      queue_.push_back(std::move(notice));
    } else {
      ++counts_.dropped;
    }
  }
}

int WebhookSender::Post(const std::string& body) {
  std::string host, port, target, secret;
  {
    std::lock_guard lock(mu_);
    host = host_;
    port = port_;
    target = target_;
    secret = secret_;
  }
  if (secret.empty()) return 0;  // nowhere to send it yet: kept and tried again
  try {
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(3));
    tcp::resolver resolver(io);
    stream.connect(resolver.resolve(host, port));
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, target, 11};
    req.set(bhttp::field::host, host + ":" + port);
    req.set(bhttp::field::content_type, "application/json");
    req.set(auth::kDepositSignatureHeader, auth::SignDepositNotice(secret, now_ms_(), body));
    req.body() = body;
    req.prepare_payload();
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream, buffer, res);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return res.result_int();
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace cm::payments
