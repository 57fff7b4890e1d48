#pragma once
// JSON Web Tokens, HS256 only (RFC 7519 / 7515), signed and checked with OpenSSL's HMAC.
// The header must say exactly {"alg":"HS256"} (a "typ" of "JWT" is allowed): "none" and every
// other algorithm are refused, so a token cannot pick its own verification.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/types.h"

namespace cm::auth {

struct AccessClaims {
  engine::UserId sub = 0;
  engine::Role role = engine::Role::kUser;
  int64_t iat = 0;  // seconds since the epoch
  int64_t exp = 0;
  int64_t nbf = 0;  // 0 = absent
  // The login session the token was issued under: once it ends (logout, a reused refresh
  // token, eviction) the token is refused at once. 0 = absent (tokens from older servers).
  engine::SessionId sid = 0;
};

enum class JwtError {
  kMalformed,      // not three base64url parts, bad JSON, missing or mistyped claims
  kBadAlgorithm,   // alg is not HS256
  kBadSignature,
  kExpired,
  kNotYetValid,
};

std::string_view ToString(JwtError e);

std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

class JwtCodec {
 public:
  // REQUIRES: secret.size() >= 32.
  explicit JwtCodec(std::string secret) : secret_(std::move(secret)) {}

  std::string Sign(const AccessClaims& claims) const;

  // Checks the algorithm, the signature (constant-time), then exp and nbf against `now_s`
  // with `leeway_s` of clock skew allowed.
  struct Verified {
    std::optional<AccessClaims> claims;
    JwtError error = JwtError::kMalformed;
  };
  Verified Verify(std::string_view token, int64_t now_s, int64_t leeway_s = 5) const;
  // Verify's last step: exp, nbf and iat of claims whose signature checked out.
  static Verified CheckTimes(const AccessClaims& claims, int64_t now_s, int64_t leeway_s);

 private:
  std::string Mac(std::string_view signing_input) const;
  std::string secret_;
};

}  // namespace cm::auth
