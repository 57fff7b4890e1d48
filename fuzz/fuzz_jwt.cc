// The access-token verifier. The first byte picks what the rest is:
//   even: a whole token, as a client would send it; the fuzzer cannot forge HMAC-SHA256, so
//         accepting anything but the one token we signed is a verifier bug;
//   odd:  a payload (JSON claims) that the harness signs, so the claim parser itself is
//         fuzzed; an accepted `sub` must be spelled exactly as the number it became (no
//         wrapping, no leading zeros).
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "auth/jwt.h"

namespace {
constexpr std::string_view kSecret = "fuzz-secret-0123456789abcdef0123456789abcdef";

std::string SignPayload(std::string_view payload) {
  using cm::auth::Base64UrlEncode;
  const std::string input =
      Base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})") + "." + Base64UrlEncode(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + Base64UrlEncode(std::string_view(reinterpret_cast<char*>(mac), len));
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const cm::auth::JwtCodec codec{std::string(kSecret)};
  static const std::string signed_once = codec.Sign({7, cm::engine::Role::kUser, 1000, 5000, 0});
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    const auto v = codec.Verify(rest, 2000);
    if (v.claims && rest != signed_once) throw std::logic_error("accepted a token it never signed");
    return 0;
  }
  const auto v = codec.Verify(SignPayload(rest), 2000);
  if (!v.claims) return 0;
  simdjson::dom::parser parser;
  std::string_view sub;
  if (parser.parse(rest.data(), rest.size()).get_object()["sub"].get(sub) ||
      sub != std::to_string(v.claims->sub))
    throw std::logic_error("accepted a sub that is not the canonical spelling of its number");
  return 0;
}
