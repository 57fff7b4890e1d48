#include "http/url.h"

namespace cm::http {

std::optional<HttpUrl> ParseHttpUrl(std::string_view url) {
  if (!url.starts_with("http://")) return std::nullopt;
  url.remove_prefix(7);
  if (const std::size_t slash = url.find('/'); slash != std::string_view::npos)
    url = url.substr(0, slash);
  const std::size_t colon = url.rfind(':');
  HttpUrl out{std::string(url.substr(0, colon)),
              colon == std::string_view::npos ? "80" : std::string(url.substr(colon + 1))};
  if (out.host.empty() || out.port.empty()) return std::nullopt;
  return out;
}

}  // namespace cm::http
