#pragma once
// The booking page at `/`: static files compiled into the binary.

#include "api/vocabulary.h"

namespace cm::api {

void AddBookingPageRoutes(Router& router);

}  // namespace cm::api
