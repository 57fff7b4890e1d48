#pragma once
// docs/openapi.json, embedded in the binary at build time (see api/CMakeLists.txt).

#include <string_view>

namespace cm::api {
std::string_view OpenApiDocument();
}
