// JSON request bodies through validation to engine commands. The first byte picks the
// endpoint (and whether the caller is the admin or a user); the rest is the body.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/api_harness.h"

namespace {

struct Endpoint {
  cm::http::verb method;
  std::string target;  // {c}: the concert
  bool admin;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static cm::fuzz::ApiHarness harness;
  using V = cm::http::verb;
  const std::string c = std::to_string(harness.concert());
  static const Endpoint kEndpoints[] = {
      {V::post, "/api/users/signup", false},
      {V::post, "/api/users/login", false},
      {V::post, "/api/users/refresh", false},
      {V::post, "/api/users/logout", false},
      {V::post, "/api/admin/venues", true},
      {V::post, "/api/admin/concerts", true},
      {V::post, "/api/v1/concerts/" + c + "/reservations", false},
      {V::post, "/api/payments", false},
      {V::post, "/api/v1/concerts/" + c + "/queue", false},
      {V::post, "/api/admin/concerts/" + c + "/close", true},
  };
  if (size == 0) return 0;
  const Endpoint& e = kEndpoints[data[0] % std::size(kEndpoints)];
  cm::http::Request req{e.method, e.target, 11};
  req.set(cm::http::field::host, "fuzz");
  req.set(cm::http::field::content_type, "application/json");
  req.set(cm::http::field::authorization,
          "Bearer " + (e.admin ? harness.admin_token() : harness.user_token()));
  if (data[0] & 0x80) req.set("Idempotency-Key", "fuzz-key");
  req.body().assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  req.prepare_payload();
  harness.Handle(std::move(req));
  return 0;
}
