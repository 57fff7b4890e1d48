#pragma once
// Replies with a resource as the read model has it now, shared by the handlers that change it
// (admin) and the ones that show it.

#include "api/replies.h"
#include "readmodel/read_model.h"

namespace cm::api {

// 404 UNKNOWN_CONCERT when the read model does not have it.
void ReplyConcert(const ExPtr& ex, readmodel::ReadModel& reads, engine::ConcertId id, int status);
// With Location, and Idempotent-Replayed when `replayed`; 404 UNKNOWN_RESERVATION when missing.
void ReplyReservation(const ExPtr& ex, readmodel::ReadModel& reads, engine::ReservationId id,
                      int status, bool replayed);

}  // namespace cm::api
