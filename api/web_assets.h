#pragma once
// The booking page (web/app/), embedded in the binary at build time (see api/CMakeLists.txt),
// so `concertmania serve` serves it with nothing else installed.

#include <string_view>

namespace cm::api {

struct WebAsset {
  std::string_view content;
  std::string_view content_type;
};

// `name`: a file of web/app/ that api/CMakeLists.txt lists (index.html, app.js, i18n.js, ...).
// Null for anything else.
const WebAsset* FindWebAsset(std::string_view name);

}  // namespace cm::api
