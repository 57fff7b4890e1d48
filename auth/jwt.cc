#include "auth/jwt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <charconv>
#include <simdjson.h>

#include "json/json_writer.h"

namespace cm::auth {

using json::JsonWriter;
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

std::string_view RoleClaim(engine::Role r) {
  switch (r) {
    case engine::Role::kAdmin: return "ADMIN";
    case engine::Role::kStaff: return "STAFF";
    default: return "USER";
  }
}

// Parses and checks the header: exactly HS256; typ, when present, must be JWT.
bool HeaderIsHs256(std::string_view json) {
  thread_local simdjson::dom::parser parser;  // not ThreadParser(): a body may be live
  simdjson::dom::object obj;
  if (parser.parse(json.data(), json.size()).get(obj)) return false;
  bool alg_ok = false;
  for (auto [key, value] : obj) {
    std::string_view v;
    if (key == "alg") {
      alg_ok = !value.get(v) && v == "HS256";
      if (!alg_ok) return false;
    } else if (key == "typ") {
      if (value.get(v) || v != "JWT") return false;
    } else if (key == "crit" || key == "jku" || key == "jwk" || key == "x5u" || key == "kid") {
      return false;  // we honour none of these, so refuse rather than ignore them
    }
  }
  return alg_ok;
}

}  // namespace

std::string_view ToString(JwtError e) {
  switch (e) {
    case JwtError::kMalformed: return "malformed token";
    case JwtError::kBadAlgorithm: return "unsupported token algorithm (only HS256)";
    case JwtError::kBadSignature: return "invalid token signature";
    case JwtError::kExpired: return "token expired";
    case JwtError::kNotYetValid: return "token not yet valid";
  }
  return "invalid token";
}

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = acc << 8 | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : text) {
    const int v = DecodeChar(ch);
    if (v < 0) return std::nullopt;
    acc = acc << 6 | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Leftover bits must be zero, so each token has exactly one encoding.
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string JwtCodec::Mac(std::string_view signing_input) const {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(),
       mac.data(), &len);
  return std::string(reinterpret_cast<const char*>(mac.data()), len);
}

std::string JwtCodec::Sign(const AccessClaims& c) const {
  JsonWriter payload;
  payload.BeginObject()
      .Field("sub", std::to_string(c.sub))
      .Field("role", RoleClaim(c.role))
      .Field("iat", c.iat)
      .Field("exp", c.exp);
  if (c.nbf != 0) payload.Field("nbf", c.nbf);
  if (c.sid != 0) payload.Field("sid", c.sid);
  payload.EndObject();
  std::string token = Base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})");
  token.push_back('.');
  token += Base64UrlEncode(payload.str());
  const std::string mac = Mac(token);
  token.push_back('.');
  token += Base64UrlEncode(mac);
  return token;
}

JwtCodec::Verified JwtCodec::Verify(std::string_view token, int64_t now_s,
                                    int64_t leeway_s) const {
  Verified out;
  const std::size_t d1 = token.find('.');
  const std::size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos ||
      token.size() > 4096)
    return out;
  const auto header = Base64UrlDecode(token.substr(0, d1));
  const auto payload = Base64UrlDecode(token.substr(d1 + 1, d2 - d1 - 1));
  const auto signature = Base64UrlDecode(token.substr(d2 + 1));
  if (!header || !payload || !signature) return out;
  if (!HeaderIsHs256(*header)) {
    out.error = JwtError::kBadAlgorithm;
    return out;
  }
  const std::string expected = Mac(token.substr(0, d2));
  if (signature->size() != expected.size() ||
      CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    out.error = JwtError::kBadSignature;
    return out;
  }

  thread_local simdjson::dom::parser parser;  // not ThreadParser(): a body may be live
  simdjson::dom::object obj;
  if (parser.parse(payload->data(), payload->size()).get(obj)) return out;
  AccessClaims c;
  std::string_view sub, role;
  if (obj["sub"].get(sub) || obj["role"].get(role) || obj["iat"].get(c.iat) ||
      obj["exp"].get(c.exp))
    return out;
  if (auto nbf = obj["nbf"]; nbf.error() != simdjson::NO_SUCH_FIELD && nbf.get(c.nbf)) return out;
  if (auto sid = obj["sid"]; sid.error() != simdjson::NO_SUCH_FIELD && sid.get(c.sid)) return out;
  // A decimal u64 in its one canonical spelling: digits only, no leading zero, no overflow.
  uint64_t id = 0;
  const auto [end, ec] = std::from_chars(sub.data(), sub.data() + sub.size(), id);
  if (ec != std::errc{} || end != sub.data() + sub.size() || sub.empty() || sub[0] == '0' ||
      sub[0] == '+' || sub[0] == '-')
    return out;
  c.sub = id;
  if (role == "ADMIN") c.role = engine::Role::kAdmin;
  else if (role == "USER") c.role = engine::Role::kUser;
  else if (role == "STAFF") c.role = engine::Role::kStaff;
  else return out;

  return CheckTimes(c, now_s, leeway_s);
}

JwtCodec::Verified JwtCodec::CheckTimes(const AccessClaims& c, int64_t now_s, int64_t leeway_s) {
  Verified out;
  if (now_s >= c.exp + leeway_s) {
    out.error = JwtError::kExpired;
    return out;
  }
  if (c.nbf != 0 && now_s + leeway_s < c.nbf) {
    out.error = JwtError::kNotYetValid;
    return out;
  }
  if (c.iat > now_s + leeway_s) {
    out.error = JwtError::kNotYetValid;
    return out;
  }
  out.claims = c;
  return out;
}

}  // namespace cm::auth
