#pragma once
// Admin: the venues on record, for scheduling a concert at one and for the console's designer
// to copy one. A venue never changes once created (concerts sell its seats by index), so a
// venue is edited by copying it into a new one.

#include <string_view>

#include "api/request_context.h"

namespace cm::api {

class VenuesHandler {
 public:
  explicit VenuesHandler(RequestContext& ctx) : ctx_(ctx), reads_(ctx.reads()) {}

  // GET /api/admin/venues?page=&size=: {"items": [{id, name, grades, seatCount, layout,
  // concerts}], page, size, total}, newest first. `layout` is the booking page's plan of it.
  void ListVenues(const ExPtr& ex);
  // GET /api/admin/venues/{id}: the venue in the form POST /api/admin/venues takes ("spec"),
  // with its id, seat count and the concerts scheduled at it.
  void GetVenue(const ExPtr& ex, std::string_view id);

 private:
  RequestContext& ctx_;
  readmodel::ReadModel& reads_;
};

}  // namespace cm::api
