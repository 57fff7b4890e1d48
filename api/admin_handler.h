#pragma once
// Admin: venues, concerts, opening and closing sales, settling reservations by hand.
#include <string_view>

#include "api/request_context.h"

namespace cm::api {

class AdminHandler {
 public:
  explicit AdminHandler(RequestContext& ctx) : ctx_(ctx), reads_(ctx.reads()) {}

  void CreateVenue(const ExPtr& ex);
  // POST /api/admin/venues/preview: the venue a body would create, not created: its seat count,
  // the plan the booking page draws and every section's seats (views/venue_layout.h), so the
  // console shows what fans will see before anything is journaled.
  void PreviewVenue(const ExPtr& ex);
  void CreateConcert(const ExPtr& ex);
  void SetSales(const ExPtr& ex, std::string_view id, bool open);
  void AdminSettle(const ExPtr& ex, std::string_view id, bool confirm);

 private:
  RequestContext& ctx_;
  readmodel::ReadModel& reads_;
};

}  // namespace cm::api
