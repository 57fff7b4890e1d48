#include "auth/deposit_signature.h"

#include <sodium.h>

#include <charconv>

namespace cm::auth {
namespace {

void Mac(std::string_view secret, int64_t at_ms, std::string_view body,
         unsigned char out[crypto_auth_hmacsha256_BYTES]) {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  const std::string prefix = std::to_string(at_ms) + ".";
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(prefix.data()),
                                prefix.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  crypto_auth_hmacsha256_final(&st, out);
}

}  // namespace

std::string SignDepositNotice(std::string_view secret, int64_t at_ms, std::string_view body) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  Mac(secret, at_ms, body, mac);
  char hex[2 * crypto_auth_hmacsha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return "t=" + std::to_string(at_ms) + ",v1=" + hex;
}

SignatureCheck CheckDepositNotice(std::string_view secret, std::string_view header,
                                  std::string_view body, int64_t now_ms, int64_t tolerance_ms) {
  if (!header.starts_with("t=")) return SignatureCheck::kMalformed;
  const std::size_t comma = header.find(",v1=");
  if (comma == std::string_view::npos) return SignatureCheck::kMalformed;
  int64_t at = 0;
  const std::string_view t = header.substr(2, comma - 2);
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), at);
  if (ec != std::errc() || end != t.data() + t.size() || t.empty())
    return SignatureCheck::kMalformed;
  const std::string_view hex = header.substr(comma + 4);
  unsigned char given[crypto_auth_hmacsha256_BYTES];
  std::size_t length = 0;
  if (hex.size() != 2 * sizeof given ||
      sodium_hex2bin(given, sizeof given, hex.data(), hex.size(), nullptr, &length, nullptr) != 0 ||
      length != sizeof given)
    return SignatureCheck::kMalformed;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  Mac(secret, at, body, mac);
  if (sodium_memcmp(mac, given, sizeof mac) != 0) return SignatureCheck::kForged;
  // Checked after the MAC: an expired answer says the notice was genuine, only late.
  if (at < now_ms - tolerance_ms || at > now_ms + tolerance_ms) return SignatureCheck::kExpired;
  return SignatureCheck::kOk;
}

}  // namespace cm::auth
