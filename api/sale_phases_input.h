#pragma once
// A new concert's sale phases and waiting rooms as a request gives them:
//   "salePhases": [{"name": "팬클럽 선예매", "opensAt": ..., "closesAt": ...,
//                   "maxSeatsPerUser": 2, "membersOnly": true, "waitingRoom": {...}}, ...]
// With phases, the sale opens with the first and closes with the last ("salesOpenAt" and
// "salesCloseAt" may be left out), and each phase's limit and room replace the concert's.
#include <simdjson.h>

#include <string>

#include "engine/concert_spec.h"
#include "http/json_input.h"

namespace cm::api {

// {"maxActive", "admitPerSecond", "admissionSeconds", "preQueueSeconds", "abandonAfterSeconds",
// "enabled"}: all optional; giving the object turns the room on unless "enabled" is false.
// `path` names the object in errors ("waitingRoom", "salePhases[1].waitingRoom").
bool ReadWaitingRoom(simdjson::dom::object obj, const std::string& path,
                     engine::WaitingRoomSettings* room, http::FieldReader* outer);
// Reads "salePhases" into `spec` (nothing when absent); false with the field and reason in `f`.
bool ReadSalePhases(http::FieldReader& f, engine::ConcertSpec* spec);

}  // namespace cm::api
