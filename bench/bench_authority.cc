// What authenticating a request costs on one core, part by part: the JWT's HS256 check, the
// role lookup it needed before (AuthorityOf with no session), and the lookup it needs now (role and login session, so a
// revoked session's tokens are refused at once). Over N users with a session each.
//
//   bench_authority --users 100000
#include <CLI/CLI.hpp>

#include "auth/jwt.h"
#include "bench/bench_report.h"
#include "engine/engine_state.h"
#include "readmodel/read_model.h"

using cm::bench::NowNs;
using namespace cm::engine;

int main(int argc, char** argv) {
  int n = 100'000;
  int lookups = 2'000'000;
  CLI::App app{"Per-request authentication cost"};
  app.add_option("--users", n, "Users, each with one session")->capture_default_str();
  app.add_option("--lookups", lookups, "Lookups timed per part")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  EngineConfig config;
  EngineState state(config);
  std::vector<std::pair<UserId, SessionId>> who;
  Seq seq = 0;
  for (int i = 0; i < n; ++i) {
    Event user{};
    user.seq = ++seq;
    user.ts = 1'000;
    user.body = UserRegistered{seq, "fan" + std::to_string(i) + "@x.io", "h", Role::kUser, "F"};
    if (!state.Apply(user).ok()) return 2;
    Event session{};
    session.seq = ++seq;
    session.ts = 1'000;
    session.body = SessionStarted{seq, user.seq, TokenDigest{seq, ~seq}, 1'000'000'000};
    if (!state.Apply(session).ok()) return 2;
    who.emplace_back(user.seq, seq);
  }
  cm::readmodel::ReadModel reads(config);
  if (!reads.Load(state).ok()) return 2;

  uint64_t sink = 0;
  auto time_ns = [&](auto&& one) {
    const int64_t t0 = NowNs();
    for (int i = 0; i < lookups; ++i) one(who[static_cast<std::size_t>(i * 7919) % who.size()]);
    return static_cast<double>(NowNs() - t0) / lookups;
  };
  const double role_ns = time_ns([&](const auto& w) {
    sink += static_cast<uint64_t>(reads.AuthorityOf(w.first, 0).role.value_or(Role::kAdmin));
  });
  const double authority_ns = time_ns([&](const auto& w) {
    const auto a = reads.AuthorityOf(w.first, w.second);
    sink += a.session_ended ? 1 : static_cast<uint64_t>(a.role.value_or(Role::kAdmin));
  });
  const cm::auth::JwtCodec jwt(std::string(48, 's'));
  cm::auth::AccessClaims c;
  c.sub = who[0].first;
  c.sid = who[0].second;
  c.iat = 1'700'000'000;
  c.exp = c.iat + 900;
  const std::string token = jwt.Sign(c);
  const int verifies = std::max(1, lookups / 10);
  const int64_t t0 = NowNs();
  for (int i = 0; i < verifies; ++i) sink += jwt.Verify(token, c.iat + 1).claims.has_value();
  const double verify_ns = static_cast<double>(NowNs() - t0) / verifies;

  cm::bench::Report report("authority");
  report.Note("setup", std::to_string(n) + " users with a session each, one thread");
  report.Add("jwt_verify_ns", verify_ns, "ns");
  report.Add("role_lookup_ns", role_ns, "ns");
  report.Add("role_and_session_lookup_ns", authority_ns, "ns");
  report.Add("session_check_extra_ns", authority_ns - role_ns, "ns");
  report.Add("sink", static_cast<double>(sink % 7), "");
  report.Print();
  return 0;
}
