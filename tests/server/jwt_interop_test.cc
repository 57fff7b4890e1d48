// Our HS256 tokens against an independent implementation: jsonwebtoken (npm) verifies the
// tokens we issue, and we accept the tokens it signs with our secret (and no other).
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>

#include "tests/server/api_fixture.h"

using namespace cm::test;

namespace {

struct Run {
  int exit_code;
  std::string out;
};

Run Node(const std::string& args) {
  const std::string cmd = "NODE_PATH=" CM_SOURCE_DIR "/web/node_modules node " CM_SOURCE_DIR
                          "/tests/server/jwt_interop.js " + args + " 2>/dev/null";
  Run r{0, {}};
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf;
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace

TEST_CASE("jsonwebtoken verifies our tokens, and we accept its tokens") {
  ApiFixture f;
  const std::string secret = ServerProcess::kSecret;
  const std::string ours = SignupAndLogin(f.port(), "jwt@x.io");
  Run verified = Node("verify '" + secret + "' '" + ours + "'");
  REQUIRE(verified.exit_code == 0);
  const json::value claims = json::parse(verified.out);
  CHECK(Str(claims, "role") == "USER");
  CHECK(!Str(claims, "sub").empty());
  CHECK(Int(claims, "exp") - Int(claims, "iat") == 900);
  CHECK(Node("verify 'wrong-secret-0123456789abcdef0123456789' '" + ours + "'").exit_code == 1);

  const std::string user_id = Str(claims, "sub");
  Run signed_by_them = Node("sign '" + secret + "' " + user_id + " USER");
  REQUIRE(signed_by_them.exit_code == 0);
  auto me = f.http.Get("/api/users/me", signed_by_them.out);
  CHECK(me.status == 200);
  CHECK(Str(me.Json(), "email") == "jwt@x.io");
  Run other_key = Node("sign 'another-secret-0123456789abcdef012345' " + user_id + " USER");
  CHECK(f.http.Get("/api/users/me", other_key.out).status == 401);
}
