#pragma once
// Standard base64 (with padding), as ALTCHA's widget writes its payloads, for tests that take
// a payload apart and put it back together.
#include <sodium.h>

#include <cstring>
#include <string>

namespace cm::test {

inline std::string B64(const std::string& s) {
  std::string out(sodium_base64_ENCODED_LEN(s.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(s.data()),
                    s.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

// "" when `s` is not base64.
inline std::string Unb64(const std::string& s) {
  std::string out(s.size(), '\0');
  std::size_t n = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), s.data(),
                        s.size(), nullptr, &n, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return "";
  out.resize(n);
  return out;
}

}  // namespace cm::test
