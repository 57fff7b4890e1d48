#pragma once
// gzip for large responses (the seat map of a big venue), with zlib.

#include <string>
#include <string_view>

namespace cm::http {

// The gzip member (RFC 1952) holding `data`, at zlib's fastest level: seat maps are rebuilt
// often under load, and their repetitive JSON shrinks several-fold even so.
std::string Gzip(std::string_view data);

// True when an Accept-Encoding value accepts gzip (a "gzip" coding without q=0).
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace cm::http
