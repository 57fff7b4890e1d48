#pragma once
// The waiting room: take a place, see it, give it up. Admission itself is decided by the engine
// on its ticks; these endpoints only ask and read (the hold handler checks admission).
#include <optional>
#include <string_view>

#include "api/pow_gate.h"
#include "api/request_context.h"
#include "readmodel/queue_presence.h"
#include "readmodel/queue_stats.h"

namespace cm::api {

class QueueHandler {
 public:
  // `presence` and `queue_stats` (optional): polls count as presence, and wait estimates use
  // the measured admission rate.
  // `pow`: asked of each join when the concert sets a proof of work.
  QueueHandler(RequestContext& ctx, readmodel::QueuePresence* presence,
               const readmodel::QueueStats* queue_stats, PowGate& pow)
      : ctx_(ctx),
        reads_(ctx.reads()),
        presence_(presence),
        queue_stats_(queue_stats),
        pow_(pow) {}

  void JoinQueue(const ExPtr& ex, std::string_view concert_id);
  void GetQueueTicket(const ExPtr& ex, std::string_view concert_id);
  void LeaveQueue(const ExPtr& ex, std::string_view concert_id);

 private:
  // The queue endpoints' caller and concert; answers the request itself when either is bad.
  struct QueueCaller {
    AccessClaims claims;
    engine::ConcertId concert;
  };
  std::optional<QueueCaller> QueueRequest(const ExPtr& ex, std::string_view concert_id);
  void ReplyQueueTicket(const ExPtr& ex, engine::ConcertId concert, engine::UserId user,
                        int status);

  RequestContext& ctx_;
  readmodel::ReadModel& reads_;
  readmodel::QueuePresence* presence_;
  const readmodel::QueueStats* queue_stats_;
  PowGate& pow_;
};

}  // namespace cm::api
