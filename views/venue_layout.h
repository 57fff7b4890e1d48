#pragma once
// A venue's shape for the booking page's overview: where the stage is (the origin of the seats'
// coordinates) and each section's outline, the convex hull of its seats. Small whatever the
// venue's size, and fixed for the venue's life, so the page draws the hall before any seat.
#include "engine/venue.h"
#include "json/json_writer.h"

namespace cm::views {

void WriteVenueLayout(json::JsonWriter& w, const engine::Venue& v);

}  // namespace cm::views
