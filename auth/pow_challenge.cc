#include "auth/pow_challenge.h"

#include <cstring>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>
#include <sodium.h>

#include "engine/concert_spec.h"

namespace cm::auth {

namespace {

constexpr std::string_view kAlgorithm = "PBKDF2/SHA-256";
constexpr std::size_t kMaxPayload = 4096;  // a real one is about 600 bytes

std::string Hex(const uint8_t* bytes, std::size_t n) {
  std::string out(2 * n + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, n);  // lower case, as the canonical form is
  out.pop_back();
  return out;
}

template <std::size_t N>
bool FromHex(std::string_view hex, std::array<uint8_t, N>* out) {
  if (hex.size() != 2 * N) return false;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;  // lower case only: the canonical form is
  };
  for (std::size_t i = 0; i < N; ++i) {
    const int hi = digit(hex[2 * i]), lo = digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

simdjson::dom::parser& Parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// Reads an object whose keys are exactly `names`, each once (in any order); false on any other
// key or a repeat. (simdjson keeps repeated keys: counting them would let a repeat stand in for
// a missing key, whose element is then empty.)
template <std::size_t N>
bool ExactKeys(simdjson::dom::object obj, const std::array<std::string_view, N>& names,
               std::array<simdjson::dom::element, N>* out) {
  static_assert(N < 32);
  uint32_t seen = 0;
  for (auto field : obj) {
    std::size_t i = 0;
    while (i < N && names[i] != field.key) ++i;
    if (i == N || (seen >> i & 1) != 0) return false;
    (*out)[i] = field.value;
    seen |= 1u << i;
  }
  return seen == (1u << N) - 1;
}

bool AsUint(simdjson::dom::element e, uint64_t max, uint64_t* out) {
  uint64_t v;
  if (e.get_uint64().get(v) != simdjson::SUCCESS || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

std::string_view ToString(PowVerdict v) {
  switch (v) {
    case PowVerdict::kOk: return "ok";
    case PowVerdict::kMalformed: return "malformed";
    case PowVerdict::kForged: return "forged";
    case PowVerdict::kExpired: return "expired";
    case PowVerdict::kWrongConcert: return "wrong concert";
    case PowVerdict::kWrongUser: return "wrong user";
    case PowVerdict::kUnsolved: return "unsolved";
    case PowVerdict::kStopped: return "stopped";
  }
  return "unknown";
}

std::string CanonicalPowParameters(const PowTerms& t, std::string_view nonce_hex,
                                   std::string_view salt_hex, std::string_view key_prefix_hex) {
  std::string out;
  out.reserve(256);
  out += R"({"algorithm":")";
  out += kAlgorithm;
  out += R"(","cost":)" + std::to_string(t.cost);
  out += R"(,"data":{"concert":)" + std::to_string(t.concert);
  out += R"(,"user":)" + std::to_string(t.user);
  out += R"(},"expiresAt":)" + std::to_string(t.expires_at_s);
  out += R"(,"keyLength":32,"keyPrefix":")";
  out += key_prefix_hex;
  out += R"(","nonce":")";
  out += nonce_hex;
  out += R"(","salt":")";
  out += salt_hex;
  out += R"("})";
  return out;
}

PowIssuer::PowIssuer() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialize");
  secret_.resize(32);
  randombytes_buf(secret_.data(), secret_.size());
}

PowIssuer::PowIssuer(std::string_view secret) : secret_(secret) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialize");
}

std::array<uint8_t, 32> PowIssuer::Derive(const std::array<uint8_t, 16>& nonce, uint32_t counter,
                                          const std::array<uint8_t, 16>& salt, uint32_t cost) {
  uint8_t password[20];
  std::memcpy(password, nonce.data(), nonce.size());
  for (int i = 0; i < 4; ++i) password[16 + i] = static_cast<uint8_t>(counter >> (24 - 8 * i));
  std::array<uint8_t, 32> key{};
  PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password), sizeof password, salt.data(),
                    static_cast<int>(salt.size()), static_cast<int>(cost), EVP_sha256(),
                    static_cast<int>(key.size()), key.data());
  return key;
}

std::string PowIssuer::Sign(std::string_view canonical) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), mac, &len);
  return Hex(mac, len);
}

std::string PowIssuer::Issue(const PowTerms& terms) const {
  std::array<uint8_t, 16> nonce, salt;
  randombytes_buf(nonce.data(), nonce.size());
  randombytes_buf(salt.data(), salt.size());
  const uint32_t d = terms.difficulty == 0 ? 1 : terms.difficulty;
  // From 0: a solver starting anywhere else gains nothing, whatever it knows of d.
  const uint32_t counter = randombytes_uniform(2 * d);
  const std::array<uint8_t, 32> key = Derive(nonce, counter, salt, terms.cost);
  const std::string canonical = CanonicalPowParameters(
      terms, Hex(nonce.data(), nonce.size()), Hex(salt.data(), salt.size()), Hex(key.data(), 16));
  return R"({"difficulty":)" + std::to_string(d) + R"(,"parameters":)" + canonical +
         R"(,"signature":")" + Sign(canonical) + R"("})";
}

PowVerdict PowIssuer::Verify(std::string_view payload, engine::ConcertId concert,
                             engine::UserId user, int64_t now_s, SolvedPow* solved,
                             const std::function<bool(const SolvedPow&)>& before_derivation) const {
  if (payload.empty() || payload.size() > kMaxPayload) return PowVerdict::kMalformed;
  std::string json(payload.size(), '\0');
  std::size_t json_len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(json.data()), json.size(),
                        payload.data(), payload.size(), nullptr, &json_len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0)
    return PowVerdict::kMalformed;
  json.resize(json_len);

  simdjson::dom::element root;
  if (Parser().parse(json).get(root) != simdjson::SUCCESS) return PowVerdict::kMalformed;
  simdjson::dom::object top, challenge, parameters, data, solution;
  if (root.get_object().get(top) != simdjson::SUCCESS ||
      top["challenge"].get_object().get(challenge) != simdjson::SUCCESS ||
      top["solution"].get_object().get(solution) != simdjson::SUCCESS ||
      challenge["parameters"].get_object().get(parameters) != simdjson::SUCCESS)
    return PowVerdict::kMalformed;
  std::string_view signature;
  if (challenge["signature"].get_string().get(signature) != simdjson::SUCCESS ||
      signature.size() != 64)
    return PowVerdict::kMalformed;

  static constexpr std::array<std::string_view, 8> kNames = {
      "algorithm", "cost", "data", "expiresAt", "keyLength", "keyPrefix", "nonce", "salt"};
  std::array<simdjson::dom::element, 8> p;
  if (!ExactKeys(parameters, kNames, &p)) return PowVerdict::kMalformed;
  std::string_view algorithm, key_prefix_hex, nonce_hex, salt_hex;
  uint64_t cost = 0, key_length = 0, expires_at = 0, data_concert = 0, data_user = 0;
  std::array<simdjson::dom::element, 2> d;
  if (p[0].get_string().get(algorithm) != simdjson::SUCCESS || algorithm != kAlgorithm ||
      !AsUint(p[1], engine::kMaxPowCost, &cost) || cost == 0 ||
      p[2].get_object().get(data) != simdjson::SUCCESS ||
      !ExactKeys(data, std::array<std::string_view, 2>{"concert", "user"}, &d) ||
      !AsUint(d[0], INT64_MAX, &data_concert) || !AsUint(d[1], INT64_MAX, &data_user) ||
      !AsUint(p[3], INT64_MAX, &expires_at) || !AsUint(p[4], 32, &key_length) ||
      key_length != 32 || p[5].get_string().get(key_prefix_hex) != simdjson::SUCCESS ||
      p[6].get_string().get(nonce_hex) != simdjson::SUCCESS ||
      p[7].get_string().get(salt_hex) != simdjson::SUCCESS)
    return PowVerdict::kMalformed;
  std::array<uint8_t, 16> nonce, salt, key_prefix;
  if (!FromHex(nonce_hex, &nonce) || !FromHex(salt_hex, &salt) ||
      !FromHex(key_prefix_hex, &key_prefix))
    return PowVerdict::kMalformed;
  uint64_t counter = 0;
  simdjson::dom::element counter_element;
  if (solution["counter"].get(counter_element) != simdjson::SUCCESS ||
      !AsUint(counter_element, UINT32_MAX, &counter))
    return PowVerdict::kMalformed;

  PowTerms terms;
  terms.concert = data_concert;
  terms.user = data_user;
  terms.cost = static_cast<uint32_t>(cost);
  terms.expires_at_s = static_cast<int64_t>(expires_at);
  const std::string expected =
      Sign(CanonicalPowParameters(terms, nonce_hex, salt_hex, key_prefix_hex));
  if (sodium_memcmp(expected.data(), signature.data(), expected.size()) != 0)
    return PowVerdict::kForged;
  solved->nonce = nonce;
  solved->expires_at_s = terms.expires_at_s;
  if (data_concert != concert) return PowVerdict::kWrongConcert;
  if (data_user != user) return PowVerdict::kWrongUser;
  if (terms.expires_at_s <= now_s) return PowVerdict::kExpired;
  if (before_derivation && !before_derivation(*solved)) return PowVerdict::kStopped;
  const std::array<uint8_t, 32> key =
      Derive(nonce, static_cast<uint32_t>(counter), salt, terms.cost);
  if (std::memcmp(key.data(), key_prefix.data(), key_prefix.size()) != 0)
    return PowVerdict::kUnsolved;
  return PowVerdict::kOk;
}

std::string SolvePowChallenge(std::string_view challenge_json, uint64_t* derivations) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::object parameters;
  std::string_view nonce_hex, salt_hex, prefix_hex, signature;
  uint64_t cost = 0;
  if (parser.parse(challenge_json.data(), challenge_json.size()).get(root) != simdjson::SUCCESS ||
      root["parameters"].get_object().get(parameters) != simdjson::SUCCESS ||
      root["signature"].get_string().get(signature) != simdjson::SUCCESS ||
      parameters["nonce"].get_string().get(nonce_hex) != simdjson::SUCCESS ||
      parameters["salt"].get_string().get(salt_hex) != simdjson::SUCCESS ||
      parameters["keyPrefix"].get_string().get(prefix_hex) != simdjson::SUCCESS ||
      parameters["cost"].get_uint64().get(cost) != simdjson::SUCCESS)
    return "";
  std::array<uint8_t, 16> nonce, salt, prefix;
  if (!FromHex(nonce_hex, &nonce) || !FromHex(salt_hex, &salt) || !FromHex(prefix_hex, &prefix))
    return "";
  for (uint64_t counter = 0; counter <= UINT32_MAX; ++counter) {
    const auto key = PowIssuer::Derive(nonce, static_cast<uint32_t>(counter), salt,
                                       static_cast<uint32_t>(cost));
    if (std::memcmp(key.data(), prefix.data(), prefix.size()) != 0) continue;
    if (derivations != nullptr) *derivations = counter + 1;
    const std::string json = R"({"challenge":{"parameters":)" + simdjson::to_string(parameters) +
                             R"(,"signature":")" + std::string(signature) +
                             R"("},"solution":{"counter":)" + std::to_string(counter) +
                             R"(,"derivedKey":")" + Hex(key.data(), key.size()) + R"("}})";
    std::string b64(sodium_base64_ENCODED_LEN(json.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(json.data()),
                      json.size(), sodium_base64_VARIANT_ORIGINAL);
    b64.resize(std::strlen(b64.c_str()));
    return b64;
  }
  return "";
}

}  // namespace cm::auth
