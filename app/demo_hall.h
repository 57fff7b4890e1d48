#pragma once
// The demo's Olympic Hall as it stands: a stage at one end (the coordinates' origin), four floor
// blocks in front of it with straight rows, and ten tiered sections around them with curved
// rows; grades by distance from the stage, not by row number within a block.
#include <memory>

#include "engine/venue.h"

namespace cm::app {

std::shared_ptr<engine::VenueSpec> MakeDemoHall();

}  // namespace cm::app
