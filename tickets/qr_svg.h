#pragma once
// A QR code as an SVG image (libqrencode makes the matrix; error correction M, a 4-module
// quiet zone). Dark modules are drawn as one path of horizontal runs.

#include <optional>
#include <string>
#include <string_view>

namespace cm::tickets {

// nullopt when the text does not fit in a QR code.
std::optional<std::string> QrSvg(std::string_view text);

}  // namespace cm::tickets
