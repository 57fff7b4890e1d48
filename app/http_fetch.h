#pragma once
// A blocking HTTP/1.1 call to a Concert Mania server, for the command-line tools (one
// connection per call; they make a handful).

#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <string>

#include "engine/status.h"

namespace cm::app {

struct FetchReply {
  int status = 0;
  std::string body;
};

// `base_url` is "http://host:port"; `target` starts with '/'. An empty `bearer` sends no
// Authorization header. Errors: a bad URL, no connection, or no whole answer within `timeout`
// (the whole call).
Result<FetchReply> Fetch(const std::string& base_url, boost::beast::http::verb method,
                         const std::string& target, const std::string& body,
                         const std::string& bearer, std::chrono::milliseconds timeout);

// `s` for a query string: everything but unreserved characters as %XX.
std::string QueryEscape(const std::string& s);

// An admin's access token for the tools: `token` when given, else a login with `email` and
// `password` at `base_url`.
Result<std::string> AdminToken(const std::string& base_url, const std::string& token,
                               const std::string& email, const std::string& password);

}  // namespace cm::app
