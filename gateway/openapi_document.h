#pragma once
// docs/openapi.json, embedded in the binary at build time (see gateway/CMakeLists.txt).

#include <string_view>

namespace cm::gateway {
std::string_view OpenApiDocument();
}
