#pragma once
// Admin: one seat's history, every event that touched it with when, who and why, from the index
// kept beside the journal (history/seat_history.h). Support's first question.

#include <string_view>

#include "api/request_context.h"
#include "history/seat_history.h"

namespace cm::api {

class SeatHistoryHandler {
 public:
  SeatHistoryHandler(RequestContext& ctx, const history::SeatHistoryIndex* index)
      : ctx_(ctx), reads_(ctx.reads()), index_(index) {}

  // GET /api/admin/concerts/{id}/seats/{seat}/history?after=SEQ&limit=N: {"concertId", "seat",
  // "indexedSeq", "entries": [{seq, at, kind, reservationId, ticketId, user, by, detail}],
  // "next": SEQ (more follow)}, oldest first.
  void GetHistory(const ExPtr& ex, std::string_view concert, std::string_view seat);

 private:
  RequestContext& ctx_;
  readmodel::ReadModel& reads_;
  const history::SeatHistoryIndex* index_;
};

}  // namespace cm::api
