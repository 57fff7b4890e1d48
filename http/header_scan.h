#pragma once
// Looks at a request's raw header bytes before Beast parses them, for what Beast would hide:
// Beast unfolds an obs-fold (a header line continued by a line that starts with a space or a
// tab) into one value, so after parsing a folded Transfer-Encoding or Content-Length looks
// like a plain one. RFC 9112 section 5.2 lets a server refuse folds with 400; a proxy in front
// may read them differently, so we do.

#include <cstddef>
#include <string_view>

namespace cm::http {

struct HeaderScan {
  enum class Verdict {
    kIncomplete,  // no end of header yet: read more
    kComplete,    // the header ends at `end` (just past its empty line) and has no fold
    kObsFold,     // a line of the header is folded
    kForParser,   // a bare LF or similar: let the parser give its own answer
  };
  Verdict verdict = Verdict::kIncomplete;
  std::size_t end = 0;
};

// Scans `bytes` (what is buffered of the request, from its first byte).
HeaderScan ScanHeader(std::string_view bytes);

}  // namespace cm::http
