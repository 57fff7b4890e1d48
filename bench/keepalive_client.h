#pragma once
// One keep-alive HTTP/1.1 connection to 127.0.0.1 for the load generators: send a request,
// get its status, body and latency in a callback, send the next one from there. One request
// in flight at a time; the benchmarks run many of these on one io_context. Not thread-safe:
// use it from its io_context's thread.

#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace cm::bench {

class KeepAliveClient : public std::enable_shared_from_this<KeepAliveClient> {
 public:
  // status, body, nanoseconds from sending to the whole answer.
  using Then = std::function<void(int status, const std::string& body, int64_t latency_ns)>;

  KeepAliveClient(boost::asio::io_context& io, uint16_t port);

  // POST with a JSON body (or none when `json_body` is empty); `token` becomes a bearer token,
  // `idempotency_key` an Idempotency-Key header when not empty. A transport error counts in
  // errors() and ends this connection's chain (`then` is not called).
  void Post(const std::string& target, std::string json_body, const std::string& token,
            const std::string& idempotency_key, Then then);

  int errors() const { return errors_; }

 private:
  boost::beast::tcp_stream stream_;
  boost::beast::http::request<boost::beast::http::string_body> req_;
  boost::beast::http::response<boost::beast::http::string_body> res_;
  boost::beast::flat_buffer buf_;
  Then then_;
  int64_t sent_ns_ = 0;
  int errors_ = 0;
};

}  // namespace cm::bench
