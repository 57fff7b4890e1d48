#pragma once
// The booking page (web/app/), embedded in the binary at build time (see api/CMakeLists.txt),
// so `concertmania serve` serves it with nothing else installed.

#include <string_view>

namespace cm::api {

struct WebAsset {
  std::string_view content;
  std::string_view content_type;
};

// `name`: index.html, app.js, style.css, checkin.html (the door's scanner page) or checkin.js.
// Null for anything else.
const WebAsset* FindWebAsset(std::string_view name);

}  // namespace cm::api
