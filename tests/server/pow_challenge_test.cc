// Proof-of-work challenges (ALTCHA v3) and their single use.
#include <doctest/doctest.h>

#include <cctype>
#include <cstring>
#include <string>

#include "auth/pow_challenge.h"
#include "auth/pow_spends.h"
#include "tests/support/base64_text.h"

using namespace cm::auth;
using cm::test::B64;
using cm::test::Unb64;

namespace {

constexpr int64_t kNow = 1'800'000'000;

PowTerms Terms(uint64_t concert = 5, uint64_t user = 7) {
  PowTerms t;
  t.concert = concert;
  t.user = user;
  t.difficulty = 40;
  t.cost = 10;
  t.expires_at_s = kNow + 300;
  return t;
}


// Replaces the first `from` in the payload's JSON by `to`.
std::string Tampered(const std::string& payload, const std::string& from, const std::string& to) {
  std::string json = Unb64(payload);
  const auto at = json.find(from);
  REQUIRE(at != std::string::npos);
  json.replace(at, from.size(), to);
  return B64(json);
}

}  // namespace

TEST_CASE("a solved challenge checks out for its concert and user, with the work it named") {
  const PowIssuer issuer("a test secret of thirty-two bytes!");
  const std::string challenge = issuer.Issue(Terms());
  CHECK(challenge.find(R"("algorithm":"PBKDF2/SHA-256")") != std::string::npos);
  CHECK(challenge.find(R"("data":{"concert":5,"user":7})") != std::string::npos);
  uint64_t derivations = 0;
  const std::string payload = SolvePowChallenge(challenge, &derivations);
  REQUIRE_FALSE(payload.empty());
  // The counter was drawn in [0, 2d): that many derivations, plus the one at 0.
  CHECK(derivations >= 1);
  CHECK(derivations <= 80);
  SolvedPow solved;
  CHECK(issuer.Verify(payload, 5, 7, kNow, &solved) == PowVerdict::kOk);
  CHECK(solved.expires_at_s == kNow + 300);
}

TEST_CASE("unsolved, expired, forged and misdirected solutions are refused") {
  const PowIssuer issuer("a test secret of thirty-two bytes!");
  const std::string payload = SolvePowChallenge(issuer.Issue(Terms()));
  SolvedPow solved;
  SUBCASE("another concert's, or another user's") {
    CHECK(issuer.Verify(payload, 6, 7, kNow, &solved) == PowVerdict::kWrongConcert);
    CHECK(issuer.Verify(payload, 5, 8, kNow, &solved) == PowVerdict::kWrongUser);
  }
  SUBCASE("expired") {
    CHECK(issuer.Verify(payload, 5, 7, kNow + 300, &solved) == PowVerdict::kExpired);
  }
  SUBCASE("signed by another secret (another gateway, or one before a restart)") {
    const PowIssuer other("another secret, thirty-two bytes!!");
    CHECK(other.Verify(payload, 5, 7, kNow, &solved) == PowVerdict::kForged);
    CHECK(PowIssuer().Verify(payload, 5, 7, kNow, &solved) == PowVerdict::kForged);
  }
  SUBCASE("parameters changed after signing") {
    // A later expiry, a cheaper cost, or another concert: each breaks the signature.
    CHECK(issuer.Verify(Tampered(payload, "\"expiresAt\":", "\"expiresAt\":9"), 5, 7, kNow,
                        &solved) == PowVerdict::kForged);
    CHECK(issuer.Verify(Tampered(payload, "\"cost\":10", "\"cost\":1"), 5, 7, kNow, &solved) ==
          PowVerdict::kForged);
    CHECK(issuer.Verify(Tampered(payload, "\"concert\":5", "\"concert\":6"), 6, 7, kNow,
                        &solved) == PowVerdict::kForged);
  }
  SUBCASE("a counter that does not give the key") {
    const std::string json = Unb64(payload);
    const auto at = json.find("\"counter\":") + 10;
    const auto end = json.find_first_of(",}", at);
    const uint64_t counter = std::stoull(json.substr(at, end - at));
    std::string wrong = json;
    wrong.replace(at, end - at, std::to_string(counter + 1));
    CHECK(issuer.Verify(B64(wrong), 5, 7, kNow, &solved) == PowVerdict::kUnsolved);
    wrong.replace(at, wrong.find_first_of(",}", at) - at, std::to_string(counter + 2));
    CHECK(issuer.Verify(B64(wrong), 5, 7, kNow, &solved) == PowVerdict::kUnsolved);
  }
  SUBCASE("malformed") {
    CHECK(issuer.Verify("", 5, 7, kNow, &solved) == PowVerdict::kMalformed);
    CHECK(issuer.Verify("not base64!", 5, 7, kNow, &solved) == PowVerdict::kMalformed);
    CHECK(issuer.Verify(B64("{}"), 5, 7, kNow, &solved) == PowVerdict::kMalformed);
    CHECK(issuer.Verify(B64("[1,2]"), 5, 7, kNow, &solved) == PowVerdict::kMalformed);
    CHECK(issuer.Verify(B64(R"({"challenge":null,"solution":null,"test":true})"), 5, 7, kNow,
                        &solved) == PowVerdict::kMalformed);  // the widget's test mode
    // Another algorithm, an extra parameter, upper-case hex, a counter beyond 32 bits.
    CHECK(issuer.Verify(Tampered(payload, "PBKDF2/SHA-256", "SHA-256"), 5, 7, kNow, &solved) ==
          PowVerdict::kMalformed);
    CHECK(issuer.Verify(Tampered(payload, "\"algorithm\"", "\"x\":1,\"algorithm\""), 5, 7, kNow,
                        &solved) == PowVerdict::kMalformed);
    CHECK(issuer.Verify(Tampered(payload, "\"counter\":", "\"counter\":99999999999"), 5, 7,
                        kNow, &solved) == PowVerdict::kMalformed);
    CHECK(issuer.Verify(std::string(5000, 'A'), 5, 7, kNow, &solved) == PowVerdict::kMalformed);
    // A repeated key standing in for a missing one (it once read an empty element: a crash).
    CHECK(issuer.Verify(Tampered(payload, "\"user\":7", "\"concert\":5"), 5, 7, kNow, &solved) ==
          PowVerdict::kMalformed);
    CHECK(issuer.Verify(Tampered(payload, "\"salt\"", "\"nonce\""), 5, 7, kNow, &solved) ==
          PowVerdict::kMalformed);
    CHECK(issuer.Verify(Tampered(payload, "\"signature\":\"", "\"signature\":\"A"), 5, 7,
                        kNow, &solved) == PowVerdict::kMalformed);  // 65 characters
    // Upper-case hex is not the canonical form the signature covers.
    const std::string json = Unb64(payload);
    const auto nonce_at = json.find("\"nonce\":\"") + 9;
    std::string upper = json;
    for (std::size_t i = nonce_at; i < nonce_at + 32; ++i)
      upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
    if (upper != json)
      CHECK(issuer.Verify(B64(upper), 5, 7, kNow, &solved) == PowVerdict::kMalformed);
  }
}

TEST_CASE("before the derivation, a caller may stop a check; the challenge is named by then") {
  const PowIssuer issuer("a test secret of thirty-two bytes!");
  const std::string payload = SolvePowChallenge(issuer.Issue(Terms()));
  SolvedPow named;
  int asked = 0;
  CHECK(issuer.Verify(payload, 5, 7, kNow, &named, [&](const SolvedPow& s) {
    ++asked;
    return s.expires_at_s != kNow + 300;  // no
  }) == PowVerdict::kStopped);
  CHECK(asked == 1);
  CHECK(named.expires_at_s == kNow + 300);
  // Not asked for a forged one.
  CHECK(issuer.Verify(Tampered(payload, "\"cost\":10", "\"cost\":1"), 5, 7, kNow, &named,
                      [&](const SolvedPow&) { return ++asked > 0; }) == PowVerdict::kForged);
  CHECK(asked == 1);
}

TEST_CASE("a solution is spent once; the same request's retry passes, another request not") {
  PowSpends spends(3);
  SolvedPow a;
  a.nonce[0] = 1;
  a.expires_at_s = kNow + 10;
  const cm::engine::IdemKey key{1, 2};
  CHECK(spends.Spend(a, 5, 7, key, kNow) == PowSpend::kFirst);
  CHECK(spends.Spend(a, 5, 7, key, kNow) == PowSpend::kRetry);
  CHECK(spends.Spend(a, 5, 7, {3, 4}, kNow) == PowSpend::kReused);
  CHECK(spends.Spend(a, 5, 8, key, kNow) == PowSpend::kReused);  // another user's key
  SolvedPow b = a;
  b.nonce[0] = 2;
  CHECK(spends.Spend(b, 5, 7, {}, kNow) == PowSpend::kFirst);
  CHECK(spends.Spend(b, 5, 7, {}, kNow) == PowSpend::kReused);  // no key: no retry
  SolvedPow c = a, d = a;
  c.nonce[0] = 3;
  d.nonce[0] = 4;
  CHECK(spends.Spend(c, 5, 7, {}, kNow) == PowSpend::kFirst);
  CHECK(spends.Spend(d, 5, 7, {}, kNow) == PowSpend::kFull);  // capacity 3
  // Once their challenges expire they are forgotten, and refused as expired: by the latest time
  // any caller brought, so one whose clock read earlier cannot spend one again.
  SolvedPow e = a;
  e.nonce[0] = 5;
  e.expires_at_s = kNow + 20;
  CHECK(spends.Spend(e, 5, 7, {}, kNow + 10) == PowSpend::kFirst);
  CHECK(spends.remembered() == 1);
  CHECK(spends.Spend(a, 5, 7, key, kNow + 9) == PowSpend::kExpired);
  CHECK(spends.Check(a, 7, key, kNow) == PowSpend::kExpired);
  CHECK(spends.Check(e, 7, {}, kNow) == PowSpend::kReused);
  // A burnt wrong answer is spent, and is no arrival.
  SolvedPow f = e;
  f.nonce[0] = 6;
  CHECK(spends.Spend(f, 9, 7, {}, kNow + 10, /*arrival=*/false) == PowSpend::kFirst);
  CHECK(spends.Check(f, 7, {}, kNow + 10) == PowSpend::kReused);
  CHECK(spends.ArrivalRate(9, kNow + 10) == 0);
}

TEST_CASE("the arrival rate counts first spends over the last ten seconds, per concert") {
  PowSpends spends;
  SolvedPow s;
  s.expires_at_s = kNow + 100;
  for (int i = 0; i < 30; ++i) {
    s.nonce[0] = static_cast<uint8_t>(i);
    REQUIRE(spends.Spend(s, 5, 7, {}, kNow + i / 10) == PowSpend::kFirst);
  }
  s.nonce[0] = 0;
  CHECK(spends.Spend(s, 5, 7, {}, kNow + 2) == PowSpend::kReused);  // not an arrival
  CHECK(spends.ArrivalRate(5, kNow + 2) == doctest::Approx(3.0));
  CHECK(spends.ArrivalRate(6, kNow + 2) == 0);
  CHECK(spends.ArrivalRate(5, kNow + 11) == doctest::Approx(1.0));  // only the last second's 10
  CHECK(spends.ArrivalRate(5, kNow + 12) == 0);
}
