#include "http/header_scan.h"

#include <cstring>

namespace cm::http {

HeaderScan ScanHeader(std::string_view bytes) {
  using V = HeaderScan::Verdict;
  bool folded = false;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    // From line end to line end (memchr looks at many bytes at a time).
    const void* lf = std::memchr(bytes.data() + i, '\n', bytes.size() - i);
    if (lf == nullptr) break;
    i = static_cast<std::size_t>(static_cast<const char*>(lf) - bytes.data());
    if (i == 0 || bytes[i - 1] != '\r') return {V::kForParser, 0};
    if (i + 1 >= bytes.size()) return {V::kIncomplete, 0};
    const char next = bytes[i + 1];
    if (next == '\r') {
      // An empty line: the header's end, unless it opens the request (the parser's case).
      if (i + 2 >= bytes.size()) return {V::kIncomplete, 0};
      if (bytes[i + 2] != '\n') return {V::kForParser, 0};
      if (i == 1) return {V::kForParser, 0};
      return {folded ? V::kObsFold : V::kComplete, i + 3};
    }
    if (next == ' ' || next == '\t') folded = true;
  }
  return {V::kIncomplete, 0};
}

}  // namespace cm::http
