// The verified-token cache answers exactly what JwtCodec::Verify answers, at every time, for
// genuine, tampered, foreign and expired tokens, and however small it is.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "auth/verified_tokens.h"

using cm::auth::AccessClaims;
using cm::auth::JwtCodec;
using cm::auth::JwtError;
using cm::auth::VerifiedTokens;

namespace {

const JwtCodec kCodec("concertmania-test-secret-0123456789abcdef");
const JwtCodec kOther("another-secret-0123456789abcdef0123456789");

std::string Token(const JwtCodec& codec, uint64_t user, int64_t iat, int64_t exp, int64_t nbf = 0) {
  AccessClaims c;
  c.sub = user;
  c.iat = iat;
  c.exp = exp;
  c.nbf = nbf;
  c.sid = user * 7;
  return codec.Sign(c);
}

void CheckSame(VerifiedTokens& cache, const std::string& token, int64_t now) {
  const auto want = kCodec.Verify(token, now);
  const auto got = cache.Verify(token, now);
  REQUIRE(got.claims.has_value() == want.claims.has_value());
  if (want.claims) {
    CHECK(got.claims->sub == want.claims->sub);
    CHECK(got.claims->sid == want.claims->sid);
    CHECK(got.claims->exp == want.claims->exp);
    CHECK(got.claims->role == want.claims->role);
  } else {
    CHECK(got.error == want.error);
  }
}

}  // namespace

TEST_CASE("a token seen before is answered from the cache, and the clock still decides") {
  VerifiedTokens cache(kCodec, 64);
  const std::string token = Token(kCodec, 42, 1000, 1600);
  CheckSame(cache, token, 1000);
  CHECK(cache.hits() == 0);
  CheckSame(cache, token, 1200);
  CHECK(cache.hits() == 1);
  // Past exp (and its leeway): refused as Verify refuses it, then no longer kept.
  CHECK(cache.Verify(token, 1605).error == JwtError::kExpired);
  CHECK(cache.hits() == 2);
  CheckSame(cache, token, 1605);
  CHECK(cache.hits() == 2);
  // Not yet valid is never kept, and passes once its time comes.
  const std::string later = Token(kCodec, 43, 1000, 5000, 3000);
  CHECK(cache.Verify(later, 1000).error == JwtError::kNotYetValid);
  CHECK(cache.Verify(later, 3000).claims.has_value());
}

TEST_CASE("a tampered or foreign token is refused even while the genuine one is kept") {
  VerifiedTokens cache(kCodec, 64);
  const std::string token = Token(kCodec, 42, 1000, 1600);
  REQUIRE(cache.Verify(token, 1000).claims);
  std::string tampered = token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  CHECK(cache.Verify(tampered, 1000).error == JwtError::kBadSignature);
  CHECK(cache.Verify(token + "x", 1000).error == JwtError::kBadSignature);
  CHECK_FALSE(cache.Verify(token.substr(0, token.size() - 1), 1000).claims);
  CHECK_FALSE(cache.Verify("", 1000).claims);
  // Another secret's token with the same claims.
  CHECK(cache.Verify(Token(kOther, 42, 1000, 1600), 1000).error == JwtError::kBadSignature);
  CHECK(cache.Verify(token, 1000).claims);
}

TEST_CASE("however few places, many tokens at many times get Verify's answers") {
  for (const std::size_t slots : {1, 4, 8, 1024}) {
    CAPTURE(slots);
    VerifiedTokens cache(kCodec, slots);
    std::vector<std::string> tokens;
    for (uint64_t u = 1; u <= 40; ++u) tokens.push_back(Token(kCodec, u, 1000, 1000 + 10 * u));
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 4000; ++i) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      const std::string& token = tokens[x % tokens.size()];
      CheckSame(cache, token, 990 + static_cast<int64_t>((x >> 20) % 450));
    }
    if (slots == 1024) CHECK(cache.hits() > 0);
  }
}

TEST_CASE("tokens that share a set are kept together, and the least recently used one leaves") {
  VerifiedTokens cache(kCodec, 4);  // one set of four
  std::vector<std::string> tokens;
  for (uint64_t u = 1; u <= 5; ++u) tokens.push_back(Token(kCodec, u, 1000, 1600));
  for (int i = 0; i < 4; ++i) CheckSame(cache, tokens[i], 1000);
  CHECK(cache.hits() == 0);
  // Four tokens taking turns all stay: with one place they would evict each other every time.
  for (int round = 0; round < 3; ++round)
    for (int i = 0; i < 4; ++i) CheckSame(cache, tokens[i], 1000);
  CHECK(cache.hits() == 12);
  for (int i : {0, 2, 3}) CheckSame(cache, tokens[i], 1000);  // token 1 is now the oldest
  CheckSame(cache, tokens[4], 1000);                            // a miss: it takes token 1's place
  CHECK(cache.hits() == 15);
  for (int i : {0, 2, 3, 4}) CheckSame(cache, tokens[i], 1000);
  CHECK(cache.hits() == 19);
  CheckSame(cache, tokens[1], 1000);  // gone: verified again
  CHECK(cache.hits() == 19);
}
