#pragma once
// How an engine rejection is shown over HTTP: its status code.

#include "engine/result_code.h"

namespace cm::api {

int HttpStatusOf(engine::ResultCode code);

}  // namespace cm::api
