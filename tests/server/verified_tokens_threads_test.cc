// The verified-token cache shared by the I/O threads, also under TSan: threads verifying the same
// and colliding tokens at once all get Verify's answers.
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "auth/verified_tokens.h"

using cm::auth::AccessClaims;
using cm::auth::JwtCodec;
using cm::auth::VerifiedTokens;

TEST_CASE("threads sharing the token cache get Verify's answers") {
  const JwtCodec codec("concertmania-test-secret-0123456789abcdef");
  VerifiedTokens cache(codec, 8);  // few slots: tokens evict each other all the time
  std::vector<std::string> tokens;
  for (uint64_t u = 1; u <= 32; ++u) {
    AccessClaims c;
    c.sub = u;
    c.iat = 1000;
    c.exp = 1000 + 20 * static_cast<int64_t>(u);
    tokens.push_back(codec.Sign(c));
  }
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      uint64_t x = 0x9E3779B97F4A7C15ull * (t + 1);
      for (int i = 0; i < 3000; ++i) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const std::string& token = tokens[x % tokens.size()];
        const int64_t now = 1000 + static_cast<int64_t>((x >> 24) % 700);
        const auto want = codec.Verify(token, now);
        const auto got = cache.Verify(token, now);
        if (want.claims.has_value() != got.claims.has_value() ||
            (want.claims && want.claims->sub != got.claims->sub) ||
            (!want.claims && want.error != got.error))
          wrong.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(wrong.load() == 0);
  CHECK(cache.hits() > 0);
}
