// Login sessions: start, refresh-token rotation, logout, expiry and the per-user bound.
#include <doctest/doctest.h>

#include "engine/codec/state_codec.h"
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

TEST_CASE("refresh rotates the token; reusing a rotated token revokes the whole session") {
  TestWorld w;
  const UserId u = w.AddUser("u@x.io");
  w.Run(w.As(u, TestWorld::kStart, StartSessionCmd{kA, TestWorld::kStart + kHour}));
  Event refreshed =
      w.Run(w.As(0, TestWorld::kStart + 10, RefreshSessionCmd{kA, kB, TestWorld::kStart + 2 * kHour}));
  REQUIRE(TypeOf(refreshed) == EventType::kSessionRefreshed);
  CHECK(std::get<SessionRefreshed>(refreshed.body).user == u);
  CHECK(w.state.FindSession(kA, TestWorld::kStart + 10) == nullptr);
  CHECK(w.state.FindSession(kB, TestWorld::kStart + kHour + 1) != nullptr);
  REQUIRE(w.state.FindRetiredSession(kA) != nullptr);

  // kA comes back: two parties hold this session's tokens (RFC 9700). The session ends, so
  // the newer kB stops working as well, and the journal says so.
  Event reused = w.Run(w.As(0, TestWorld::kStart + 20,
                            RefreshSessionCmd{kA, kC, TestWorld::kStart + kHour}));
  REQUIRE(TypeOf(reused) == EventType::kSessionEnded);
  CHECK(std::get<SessionEnded>(reused.body).user == u);
  CHECK(w.state.FindSession(kB, TestWorld::kStart + 30) == nullptr);
  CHECK(w.state.FindSession(kC, TestWorld::kStart + 30) == nullptr);
  CHECK(w.state.FindRetiredSession(kA) == nullptr);
  CHECK(CodeOf(w.Run(w.As(0, TestWorld::kStart + 40,
                          RefreshSessionCmd{kB, kC, TestWorld::kStart + kHour}))) ==
        ResultCode::kUnknownSession);
}

TEST_CASE("a session remembers its last kMaxRetiredDigests rotated tokens, and snapshots keep them") {
  TestWorld w;
  const UserId u = w.AddUser("u@x.io");
  w.Run(w.As(u, TestWorld::kStart, StartSessionCmd{TokenDigest{500, 0}, TestWorld::kStart + kHour}));
  const uint64_t rotations = kMaxRetiredDigests + 3;
  for (uint64_t i = 0; i < rotations; ++i)
    REQUIRE(TypeOf(w.Run(w.As(0, TestWorld::kStart + 1 + static_cast<TimeMs>(i),
                              RefreshSessionCmd{TokenDigest{500 + i, 0}, TokenDigest{501 + i, 0},
                                                TestWorld::kStart + kHour}))) ==
            EventType::kSessionRefreshed);
  const Session* s = w.state.FindSession(TokenDigest{500 + rotations, 0}, TestWorld::kStart);
  REQUIRE(s != nullptr);
  CHECK(s->retired.size() == kMaxRetiredDigests);
  CHECK(w.state.FindRetiredSession(TokenDigest{500, 0}) == nullptr);  // forgotten: too old
  CHECK(w.state.FindRetiredSession(TokenDigest{500 + rotations - 1, 0}) == s);
  std::string bytes;
  EncodeState(w.state, &bytes);
  auto restored = DecodeState(bytes, w.state.config());
  REQUIRE(restored.ok());
  CHECK(StateHash(*restored.value()) == StateHash(w.state));
  CHECK(restored.value()->FindRetiredSession(TokenDigest{500 + rotations - 1, 0}) != nullptr);
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
