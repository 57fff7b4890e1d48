#pragma once
// Where an http:// URL points (the payment provider, a server the command-line tools call).

#include <optional>
#include <string>
#include <string_view>

namespace cm::http {

struct HttpUrl {
  std::string host;
  std::string port;  // "80" when the URL names none
};

// "http://host[:port][/path]"; nullopt for anything else (https:// included).
std::optional<HttpUrl> ParseHttpUrl(std::string_view url);

}  // namespace cm::http
