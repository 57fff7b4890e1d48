#include "app/http_fetch.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <simdjson.h>

#include <cctype>
#include <cstdio>

#include "http/url.h"
#include "json/json_writer.h"

namespace cm::app {

namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;

Result<FetchReply> Fetch(const std::string& base_url, beast::http::verb method,
                         const std::string& target, const std::string& body,
                         const std::string& bearer, std::chrono::milliseconds timeout) {
  const auto url = http::ParseHttpUrl(base_url);
  if (!url)
    return Status::InvalidArgument("the server URL must be http://host[:port]: " + base_url);
  const std::string& host = url->host;
  const std::string& port = url->port;

  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return Status::IOError("cannot resolve " + base_url + ": " + ec.message());

  beast::http::request<beast::http::string_body> req{method, target, 11};
  req.set(beast::http::field::host, host + ":" + port);
  if (!bearer.empty()) req.set(beast::http::field::authorization, "Bearer " + bearer);
  if (!body.empty()) req.set(beast::http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  beast::flat_buffer buffer;
  beast::http::response_parser<beast::http::string_body> parser;
  parser.body_limit(std::uint64_t{4} << 30);  // backup files (RocksDB tables are 64 MiB)

  // Asynchronous steps, because only they honour the stream's deadline: the whole call takes
  // at most `timeout`.
  Status failed;
  stream.expires_after(timeout);
  stream.async_connect(endpoints, [&](beast::error_code connect_ec, const tcp::endpoint&) {
    if (connect_ec) {
      failed = Status::IOError("cannot connect to " + base_url + ": " + connect_ec.message());
      return;
    }
    beast::http::async_write(stream, req, [&](beast::error_code write_ec, std::size_t) {
      if (write_ec) {
        failed = Status::IOError("cannot send to " + base_url + ": " + write_ec.message());
        return;
      }
      beast::http::async_read(stream, buffer, parser, [&](beast::error_code read_ec, std::size_t) {
        if (read_ec)
          failed = Status::IOError("no answer to " + target + " from " + base_url + ": " +
                                   read_ec.message());
      });
    });
  });
  io.run();
  if (!failed.ok()) return failed;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return FetchReply{static_cast<int>(parser.get().result_int()), std::move(parser.get().body())};
}

std::string QueryEscape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

Result<std::string> AdminToken(const std::string& base_url, const std::string& token,
                               const std::string& email, const std::string& password) {
  if (!token.empty()) return token;
  if (email.empty() || password.empty())
    return Status::InvalidArgument("give --token, or --email and --password of an admin");
  std::string body = "{\"email\":";
  json::AppendQuoted(email, &body);
  body += ",\"password\":";
  json::AppendQuoted(password, &body);
  body += "}";
  auto r = Fetch(base_url, beast::http::verb::post, "/api/users/login", body, "",
                 std::chrono::seconds(30));
  if (!r.ok()) return r.status();
  if (r.value().status != 200)
    return Status::InvalidArgument("login refused (" + std::to_string(r.value().status) +
                                   "): " + r.value().body);
  simdjson::dom::parser parser;
  std::string_view access;
  if (parser.parse(r.value().body)["accessToken"].get(access))
    return Status::Corruption("the login answer has no accessToken");
  return std::string(access);
}

}  // namespace cm::app
