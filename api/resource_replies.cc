#include "api/resource_replies.h"

#include "views/resource_json.h"

namespace cm::api {

using views::WriteConcertDetails;
using views::WriteReservation;

void ReplyConcert(const ExPtr& ex, readmodel::ReadModel& reads, engine::ConcertId id, int status) {
  std::string body = reads.Read([&](const engine::EngineState& s) {
    const engine::Concert* c = s.FindConcert(id);
    if (c == nullptr) return std::string();
    JsonWriter w;
    WriteConcertDetails(w, *c, ex->received_ms);
    return w.Take();
  });
  if (body.empty())
    return Fail(ex, 404, "UNKNOWN_CONCERT", "no concert with id " + std::to_string(id));
  Json(ex, status, std::move(body));
}

void ReplyReservation(const ExPtr& ex, readmodel::ReadModel& reads, engine::ReservationId id,
                      int status, bool replayed) {
  std::string body = reads.Read([&](const engine::EngineState& s) {
    const engine::Reservation* r = s.FindReservation(id);
    const engine::Concert* c = r ? s.FindConcert(r->concert) : nullptr;
    if (c == nullptr) return std::string();
    JsonWriter w;
    WriteReservation(w, *r, *c, s.FindPayment(r->payment));
    return w.Take();
  });
  if (body.empty())
    return Fail(ex, 404, "UNKNOWN_RESERVATION", "no reservation with id " + std::to_string(id));
  ReplyResource(ex, status, std::move(body), "/api/reservations/" + std::to_string(id), replayed);
}

}  // namespace cm::api
