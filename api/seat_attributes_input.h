#pragma once
// Seat attributes in a new venue (engine/venue.h SeatAttribute): the names a request gives, per
// seat in the explicit form, or per row or seat with "accessibility" for either form:
//   "accessibility": [{"section": "A", "row": "3", "seats": [1, 2], "attributes": ["WHEELCHAIR"]}]
// ("seats" by number; without it, the whole row).
#include <simdjson.h>

#include <string>

#include "engine/venue.h"
#include "http/json_input.h"

namespace cm::api {

// The bits of an array of names; false with the reason in *why.
bool ReadAttributeNames(simdjson::dom::element names, uint8_t* out, std::string* why);
// Applies the body's "accessibility" marks to `spec` (nothing when absent); false with the
// field and reason in `f`.
bool ReadAccessibility(http::FieldReader& f, engine::VenueSpec* spec);

}  // namespace cm::api
