// Login sessions: start, refresh-token rotation, logout, expiry and the per-user bound.
#include <doctest/doctest.h>

#include "tests/support/test_world.h"

using namespace cm::test;

namespace {
constexpr TimeMs kHour = 3'600'000;
const TokenDigest kA{1, 1}, kB{2, 2}, kC{3, 3};
}  // namespace

TEST_CASE("a session starts for a known user and ends on logout") {
  TestWorld w;
  const UserId u = w.AddUser("u@x.io");
  Event started = w.Run(w.As(u, TestWorld::kStart, StartSessionCmd{kA, TestWorld::kStart + kHour}));
  REQUIRE(TypeOf(started) == EventType::kSessionStarted);
  CHECK(std::get<SessionStarted>(started.body).user == u);
  CHECK(w.state.FindSession(kA, TestWorld::kStart) != nullptr);

  CHECK(CodeOf(w.Run(w.As(999, TestWorld::kStart, StartSessionCmd{kB, TestWorld::kStart + kHour}))) ==
        ResultCode::kUnknownUser);
  CHECK(CodeOf(w.Run(w.As(u, TestWorld::kStart, StartSessionCmd{kA, TestWorld::kStart + kHour}))) ==
        ResultCode::kInvalidArgument);  // digest already in use

  Event ended = w.Run(w.As(0, TestWorld::kStart, EndSessionCmd{kA}));
  REQUIRE(TypeOf(ended) == EventType::kSessionEnded);
  CHECK(w.state.FindSession(kA, TestWorld::kStart) == nullptr);
  CHECK(CodeOf(w.Run(w.As(0, TestWorld::kStart, EndSessionCmd{kA}))) ==
        ResultCode::kUnknownSession);
}

TEST_CASE("refresh rotates the token: the old one stops working") {
  TestWorld w;
  const UserId u = w.AddUser("u@x.io");
  w.Run(w.As(u, TestWorld::kStart, StartSessionCmd{kA, TestWorld::kStart + kHour}));
  Event refreshed =
      w.Run(w.As(0, TestWorld::kStart + 10, RefreshSessionCmd{kA, kB, TestWorld::kStart + 2 * kHour}));
  REQUIRE(TypeOf(refreshed) == EventType::kSessionRefreshed);
  CHECK(std::get<SessionRefreshed>(refreshed.body).user == u);
  CHECK(CodeOf(w.Run(w.As(0, TestWorld::kStart + 20,
                          RefreshSessionCmd{kA, kC, TestWorld::kStart + kHour}))) ==
        ResultCode::kUnknownSession);
  CHECK(w.state.FindSession(kB, TestWorld::kStart + kHour + 1) != nullptr);
}

TEST_CASE("an expired session cannot be refreshed") {
  TestWorld w;
  const UserId u = w.AddUser("u@x.io");
  w.Run(w.As(u, TestWorld::kStart, StartSessionCmd{kA, TestWorld::kStart + kHour}));
  CHECK(CodeOf(w.Run(w.As(0, TestWorld::kStart + kHour,
                          RefreshSessionCmd{kA, kB, TestWorld::kStart + 3 * kHour}))) ==
        ResultCode::kSessionExpired);
}

TEST_CASE("a user keeps at most kMaxSessionsPerUser sessions; the oldest goes first") {
  TestWorld w;
  const UserId u = w.AddUser("u@x.io");
  for (uint64_t i = 1; i <= kMaxSessionsPerUser + 1; ++i)
    REQUIRE(CodeOf(w.Run(w.As(u, TestWorld::kStart,
                              StartSessionCmd{TokenDigest{100 + i, 0}, TestWorld::kStart + kHour}))) ==
            ResultCode::kOk);
  CHECK(w.state.sessions().size() == kMaxSessionsPerUser);
  CHECK(w.state.FindSession(TokenDigest{101, 0}, TestWorld::kStart) == nullptr);
  CHECK(w.state.FindSession(TokenDigest{102, 0}, TestWorld::kStart) != nullptr);
}
