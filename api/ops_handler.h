#pragma once
// Operations: health, readiness, metrics, the OpenAPI document and Swagger UI.

#include <functional>
#include <string>
#include <string_view>

#include "api/engine_port.h"
#include "api/replies.h"
#include "metrics/prometheus_text.h"

namespace cm::api {

class OpsHandler {
 public:
  // `write_metrics` adds the API's own metrics after the engine's on /metrics.
  OpsHandler(EnginePort& engine, std::string swagger_dir,
             std::function<void(metrics::PrometheusText*)> write_metrics)
      : engine_(engine),
        swagger_dir_(std::move(swagger_dir)),
        write_metrics_(std::move(write_metrics)) {}

  // Its routes are its own: none of them is a resource of the booking API.
  void AddRoutes(Router& router);

 private:
  void ServeFile(const ExPtr& ex, const std::string& path, std::string_view content_type);

  EnginePort& engine_;
  std::string swagger_dir_;
  std::function<void(metrics::PrometheusText*)> write_metrics_;
};

}  // namespace cm::api
