#pragma once
// The names the handlers use from the HTTP toolkit, auth and JSON, so their code reads as
// before the split (Problem, FieldReader, AccessClaims, JsonWriter, ...).

#include "auth/jwt.h"
#include "http/http_types.h"
#include "http/json_input.h"
#include "http/problem.h"
#include "http/router.h"
#include "json/json_writer.h"

namespace cm::api {

using auth::AccessClaims;
using auth::JwtCodec;
using auth::JwtError;
using http::Exchange;
using http::FieldReader;
using http::InputError;
using http::PathOf;
using http::PathParams;
using http::Problem;
using http::QueryParam;
using http::Request;
using http::Response;
using http::Router;
using json::JsonWriter;

}  // namespace cm::api
