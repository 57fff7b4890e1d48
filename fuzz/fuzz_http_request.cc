// Raw bytes off the wire: the fold check, Beast's parser with the server's limits, the RFC 9112 framing rules,
// then routing and the handlers, for every request in the input (pipelined, as a client may).
#include <boost/beast/http/parser.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/api_harness.h"
#include "http/header_scan.h"
#include "http/http_server.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static cm::fuzz::ApiHarness harness;
  namespace http = cm::http;
  boost::asio::const_buffer in(data, size);
  for (int requests = 0; requests < 8 && in.size() > 0; ++requests) {
    // The server refuses a folded header before its parser runs.
    const std::string_view rest(static_cast<const char*>(in.data()), in.size());
    if (cm::http::ScanHeader(rest).verdict == cm::http::HeaderScan::Verdict::kObsFold) return 0;
    http::request_parser<http::string_body> parser;
    parser.header_limit(8 * 1024);
    parser.body_limit(1024 * 1024);
    parser.eager(true);
    boost::beast::error_code ec;
    bool framing_checked = false;
    while (in.size() > 0 && !parser.is_done()) {
      const std::size_t n = parser.put(in, ec);
      in += n;
      if (ec == http::error::need_more) {
        ec = {};
        if (n == 0) break;
        continue;
      }
      if (ec) break;
      if (parser.is_header_done() && !framing_checked) {
        framing_checked = true;
        // The server refuses the connection here, before reading any body.
        if (!cm::http::FramingError(parser.get().base()).empty()) return 0;
      }
    }
    if (ec || !parser.is_done()) return 0;
    harness.Handle(parser.release());
  }
  return 0;
}
