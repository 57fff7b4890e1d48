#pragma once
// A rectangular venue, for demos, tests and benchmarks: `sections` blocks side by side, each
// `rows` rows of `seats_per_row` seats. Grades go by bands of `rows_per_grade` rows from the
// stage back, cycling through `grades`. Positions put the stage centre at x = 0, y = 0.

#include <memory>
#include <string>
#include <vector>

#include "engine/venue.h"

namespace cm::engine {

std::shared_ptr<VenueSpec> MakeGridVenue(std::string name, std::vector<std::string> grades,
                                         int sections, int rows, int seats_per_row,
                                         int rows_per_grade = 1);

}  // namespace cm::engine
