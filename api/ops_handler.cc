// Operations: health, readiness, metrics, the OpenAPI document and Swagger UI.
#include "api/ops_handler.h"

#include <fstream>
#include <sstream>

#include "api/openapi_document.h"

namespace cm::api {

void OpsHandler::AddRoutes(Router& router) {
  using V = http::verb;
  router.Add(V::get, "/healthz",
             [](const ExPtr& ex, const PathParams&) { Json(ex, 200, R"({"status":"UP"})"); });
  router.Add(V::get, "/readyz", [this](const ExPtr& ex, const PathParams&) {
    std::string why;
    if (engine_.Ready(&why)) return Json(ex, 200, R"({"status":"READY"})");
    const bool halted = engine_.Halted();
    Problem p(503, halted ? "HALTED" : "NOT_READY", why);
    p.With([&](JsonWriter& w) { w.Field("needsOperator", halted); });
    // A halted engine does not come back by waiting, so it gets no Retry-After.
    if (!halted) p.Header(http::field::retry_after, "5");
    Fail(ex, std::move(p));
  });
  router.Add(V::get, "/metrics", [this](const ExPtr& ex, const PathParams&) {
    metrics::PrometheusText text;
    engine_.WriteMetrics(&text);
    write_metrics_(&text);
    Response res{http::status::ok, ex->req.version()};
    res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.keep_alive(ex->req.keep_alive());
    res.body() = text.str();
    res.prepare_payload();
    ex->responder->Send(std::move(res));
  });
  router.Add(V::get, "/openapi.json", [](const ExPtr& ex, const PathParams&) {
    Json(ex, 200, std::string(OpenApiDocument()));
  });
  router.Add(V::get, "/swagger-ui.html", [](const ExPtr& ex, const PathParams&) {
    Response res{http::status::ok, ex->req.version()};
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.keep_alive(ex->req.keep_alive());
    res.body() = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Concert Mania API</title>
<link rel="stylesheet" href="/swagger-ui/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/swagger-ui/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"});</script>
</body></html>
)";
    res.prepare_payload();
    ex->responder->Send(std::move(res));
  });
  router.Add(V::get, "/swagger-ui/{file}", [this](const ExPtr& ex, const PathParams& p) {
    // Only the files the page needs; never a path from the client.
    static const std::pair<std::string_view, std::string_view> kFiles[] = {
        {"swagger-ui.css", "text/css"},
        {"swagger-ui-bundle.js", "application/javascript"},
        {"swagger-ui-bundle.js.map", "application/json"},
        {"swagger-ui.css.map", "application/json"},
    };
    for (const auto& [name, type] : kFiles)
      if (p[0] == name) return ServeFile(ex, swagger_dir_ + "/" + std::string(name), type);
    Fail(ex, 404, "NOT_FOUND", "no such Swagger UI file");
  });
}

void OpsHandler::ServeFile(const ExPtr& ex, const std::string& path,
                           std::string_view content_type) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Fail(ex, 404, "NOT_FOUND",
                "static file missing: " + path + " (run ./scripts/install-deps.sh to install it)");
  std::ostringstream data;
  data << in.rdbuf();
  Response res{http::status::ok, ex->req.version()};
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "public, max-age=3600");
  res.keep_alive(ex->req.keep_alive());
  res.body() = data.str();
  res.prepare_payload();
  ex->responder->Send(std::move(res));
}

}  // namespace cm::api
