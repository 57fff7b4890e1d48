#pragma once
// A venue as the detailed form POST /api/admin/venues takes: what the console's designer loads
// to copy a venue and edit it into a new one, so what it writes back reads the same way.
#include "engine/venue.h"
#include "json/json_writer.h"

namespace cm::views {

// {"name", "grades", ["stage": outline], "sections": [{"name", ["outline"], "rows": [{"label",
// "seats": [{"number", "grade", "x", "y", ["attributes"]}]}]}]}
void WriteVenueSpec(json::JsonWriter& w, const engine::VenueSpec& spec);

}  // namespace cm::views
