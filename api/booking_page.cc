// The booking page at `/`, the door's scanner page at `/checkin` and the admin console at
// `/admin`: static files compiled into the binary.
#include "api/booking_page.h"

#include "api/replies.h"
#include "api/web_assets.h"

namespace cm::api {

namespace {

// The page only talks to this server (fetch and the WebSocket).
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

void SendAsset(const Exchange& ex, const WebAsset& asset) {
  Response res{http::status::ok, ex.req.version()};
  res.set(http::field::content_type, asset.content_type);
  res.set(http::field::cache_control, "no-cache");
  res.set("Content-Security-Policy", kContentSecurityPolicy);
  res.set("X-Content-Type-Options", "nosniff");
  res.keep_alive(ex.req.keep_alive());
  res.body() = std::string(asset.content);
  res.prepare_payload();
  ex.responder->Send(std::move(res));
}

}  // namespace

void AddBookingPageRoutes(Router& router) {
  using V = http::verb;
  router.Add(V::get, "/", [](const ExPtr& ex, const PathParams&) {
    SendAsset(*ex, *FindWebAsset("index.html"));
  });
  // The door staff's scanner page.
  router.Add(V::get, "/checkin", [](const ExPtr& ex, const PathParams&) {
    SendAsset(*ex, *FindWebAsset("checkin.html"));
  });
  // The admin console (it asks for an admin's login; every call it makes is checked again).
  router.Add(V::get, "/admin", [](const ExPtr& ex, const PathParams&) {
    SendAsset(*ex, *FindWebAsset("admin.html"));
  });
  // Browsers ask for it whatever the page links; an SVG serves both.
  router.Add(V::get, "/favicon.ico", [](const ExPtr& ex, const PathParams&) {
    SendAsset(*ex, *FindWebAsset("favicon.svg"));
  });
  router.Add(V::get, "/app/{file}", [](const ExPtr& ex, const PathParams& p) {
    if (p[0] == "index.html") return Fail(ex, 404, "NOT_FOUND", "the page is at /");
    if (p[0] == "checkin.html") return Fail(ex, 404, "NOT_FOUND", "the page is at /checkin");
    if (p[0] == "admin.html") return Fail(ex, 404, "NOT_FOUND", "the page is at /admin");
    const WebAsset* asset = FindWebAsset(p[0]);
    if (!asset) return Fail(ex, 404, "NOT_FOUND", "no such file of the booking page");
    SendAsset(*ex, *asset);
  });
}

}  // namespace cm::api
