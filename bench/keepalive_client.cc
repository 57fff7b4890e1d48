#include "bench/keepalive_client.h"

#include "bench/bench_report.h"
#include "bench/http_setup.h"

namespace cm::bench {

namespace beast = boost::beast;
namespace http = beast::http;

KeepAliveClient::KeepAliveClient(boost::asio::io_context& io, uint16_t port)
    : stream_(ConnectLoopback(io, port)) {}

void KeepAliveClient::Post(const std::string& target, std::string json_body,
                           const std::string& token, const std::string& idempotency_key,
                           Then then) {
  req_ = {http::verb::post, target, 11};
  req_.set(http::field::host, "127.0.0.1");
  if (!json_body.empty()) req_.set(http::field::content_type, "application/json");
  if (!token.empty()) req_.set(http::field::authorization, "Bearer " + token);
  if (!idempotency_key.empty()) req_.set("Idempotency-Key", idempotency_key);
  req_.body() = std::move(json_body);
  req_.prepare_payload();
  then_ = std::move(then);
  sent_ns_ = NowNs();
  http::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return void(++self->errors_);
    self->res_ = {};
    http::async_read(self->stream_, self->buf_, self->res_, [self](beast::error_code ec2, std::size_t) {
      if (ec2) return void(++self->errors_);
      auto then = std::move(self->then_);
      then(static_cast<int>(self->res_.result_int()), self->res_.body(), NowNs() - self->sent_ns_);
    });
  });
}

}  // namespace cm::bench
