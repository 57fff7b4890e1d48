#pragma once
// A venue's shape for the booking page's overview: where the stage is (the origin of the seats'
// coordinates) and each section's outline (the venue's own, else the hull of its seats), its
// seat ids and grades (runs, in seat order: a handful per row at most). Far smaller than the seats,
// and fixed for the venue's life, so the page draws the hall before any seat; one section's seats, with their
// places on the plan, come apart (WriteSectionPlan) when the fan opens it.
#include "engine/venue.h"
#include "json/json_writer.h"

namespace cm::views {

void WriteVenueLayout(json::JsonWriter& w, const engine::Venue& v);
// A seat's SeatAttribute bits as an array of their names (["WHEELCHAIR", "AISLE"]).
void WriteSeatAttributes(json::JsonWriter& w, uint8_t bits);
// {name, firstSeat, rows: [{label, seats: [[id, number, grade, x, y], ...]}]}; a seat with
// attributes has a sixth field, their names (["WHEELCHAIR"], ...).
// REQUIRES: section < v.section_count().
void WriteSectionPlan(json::JsonWriter& w, const engine::Venue& v, std::size_t section);

}  // namespace cm::views
