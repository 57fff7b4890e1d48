#pragma once
// The parts' own options, from what `concertmania serve` was told.

#include "api/api_options.h"
#include "app/serve_options.h"
#include "http/http_server.h"
#include "live/ws_session.h"
#include "runtime/pipeline.h"

namespace cm::app {

runtime::PipelineOptions PipelineOptionsFrom(const ServeOptions& o);
http::HttpServerOptions HttpServerOptionsFrom(const ServeOptions& o);
api::ApiOptions ApiOptionsFrom(const ServeOptions& o, bool payments_enabled);
live::WsOptions WsOptionsFrom(const ServeOptions& o);

}  // namespace cm::app
