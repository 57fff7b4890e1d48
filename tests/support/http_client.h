#pragma once
// A blocking HTTP/1.1 client for tests (Beast), one keep-alive connection to 127.0.0.1.

#include <boost/json.hpp>

#include <map>
#include <memory>
#include <string>

namespace cm::test {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  boost::json::value Json() const;  // throws on a non-JSON body
  std::string Header(const std::string& lower_name) const;
};

class HttpClient {
 public:
  explicit HttpClient(uint16_t port);
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  HttpResult Request(const std::string& method, const std::string& target,
                     const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {});
  // JSON body with Content-Type: application/json, and an optional bearer token.
  HttpResult Post(const std::string& target, const std::string& json, const std::string& token = "",
                  std::map<std::string, std::string> headers = {});
  HttpResult Get(const std::string& target, const std::string& token = "");
  HttpResult Delete(const std::string& target, const std::string& token = "");
  // Sends raw bytes and reads one response (for malformed requests).
  HttpResult Raw(const std::string& bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint16_t port_;
};

// Logs in and returns the access token (throws on failure).
std::string Login(uint16_t port, const std::string& email, const std::string& password);
// Signs up and logs in; returns the access token.
std::string SignupAndLogin(uint16_t port, const std::string& email,
                           const std::string& password = "password-123");

}  // namespace cm::test
