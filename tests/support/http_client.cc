#include "tests/support/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <stdexcept>

namespace cm::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

boost::json::value HttpResult::Json() const { return boost::json::parse(body); }

std::string HttpResult::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

struct HttpClient::Impl {
  net::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  bool connected = false;
};

HttpClient::HttpClient(uint16_t port) : impl_(std::make_unique<Impl>()), port_(port) {}
HttpClient::~HttpClient() {
  beast::error_code ec;
  if (impl_) impl_->stream.socket().close(ec);
}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

static HttpResult ToResult(http::response<http::string_body>& res) {
  HttpResult r;
  r.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(f.value());
  }
  r.body = res.body();
  return r;
}

HttpResult HttpClient::Request(const std::string& method, const std::string& target,
                               const std::string& body,
                               const std::map<std::string, std::string>& headers) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!impl_->connected) {
      impl_->stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
      impl_->connected = true;
    }
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    beast::error_code ec;
    http::write(impl_->stream, req, ec);
    http::response<http::string_body> res;
    if (!ec) http::read(impl_->stream, impl_->buffer, res, ec);
    if (ec) {
      // The server closed an idle keep-alive connection: reconnect once.
      impl_->stream.socket().close(ec);
      impl_->buffer.clear();
      impl_->connected = false;
      if (attempt == 0) continue;
      throw std::runtime_error("HTTP request failed: " + ec.message());
    }
    if (!res.keep_alive()) {
      impl_->stream.socket().close(ec);
      impl_->connected = false;
    }
    return ToResult(res);
  }
  throw std::runtime_error("unreachable");
}

HttpResult HttpClient::Post(const std::string& target, const std::string& json,
                            const std::string& token, std::map<std::string, std::string> headers) {
  headers.emplace("Content-Type", "application/json");
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  return Request("POST", target, json, headers);
}

HttpResult HttpClient::Get(const std::string& target, const std::string& token) {
  std::map<std::string, std::string> headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  return Request("GET", target, "", headers);
}

HttpResult HttpClient::Delete(const std::string& target, const std::string& token) {
  std::map<std::string, std::string> headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  return Request("DELETE", target, "", headers);
}

HttpResult HttpClient::Raw(const std::string& bytes) {
  beast::error_code ec;
  impl_->stream.socket().close(ec);
  impl_->buffer.clear();
  impl_->stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
  net::write(impl_->stream, net::buffer(bytes));
  http::response<http::string_body> res;
  http::read(impl_->stream, impl_->buffer, res, ec);
  impl_->stream.socket().close();
  impl_->connected = false;
  if (ec) throw std::runtime_error("no response: " + ec.message());
  return ToResult(res);
}

std::string Login(uint16_t port, const std::string& email, const std::string& password) {
  HttpClient c(port);
  auto r = c.Post("/api/users/login",
                  boost::json::serialize(boost::json::object{{"email", email}, {"password", password}}));
  if (r.status != 200) throw std::runtime_error("login failed: " + r.body);
  return std::string(r.Json().at("accessToken").as_string());
}

std::string SignupAndLogin(uint16_t port, const std::string& email, const std::string& password) {
  HttpClient c(port);
  auto r = c.Post("/api/users/signup",
                  boost::json::serialize(boost::json::object{
                      {"email", email}, {"password", password}, {"name", "Test " + email}}));
  if (r.status != 201) throw std::runtime_error("signup failed: " + r.body);
  return Login(port, email, password);
}

}  // namespace cm::test
