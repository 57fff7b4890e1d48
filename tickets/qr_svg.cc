#include "tickets/qr_svg.h"

#include <qrencode.h>

#include <memory>

namespace cm::tickets {

std::optional<std::string> QrSvg(std::string_view text) {
  const std::string input(text);
  std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(
      QRcode_encodeString8bit(input.c_str(), 0, QR_ECLEVEL_M), &QRcode_free);
  if (!qr) return std::nullopt;
  constexpr int kQuiet = 4;
  const int n = qr->width;
  const int size = n + 2 * kQuiet;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
                    std::to_string(size) + " " + std::to_string(size) +
                    "\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" "
                    "fill=\"#fff\"/><path fill=\"#000\" d=\"";
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n;) {
      if ((qr->data[y * n + x] & 1) == 0) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < n && (qr->data[y * n + x + run] & 1) != 0) ++run;
      svg += "M" + std::to_string(x + kQuiet) + " " + std::to_string(y + kQuiet) + "h" +
             std::to_string(run) + "v1h-" + std::to_string(run) + "z";
      x += run;
    }
  }
  svg += "\"/></svg>\n";
  return svg;
}

}  // namespace cm::tickets
