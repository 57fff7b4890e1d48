#pragma once
// An organiser's reports: GET /api/admin/concerts/{id}/report, JSON or (?format=csv) CSV,
// from the durable read model.
#include <string_view>

#include "api/request_context.h"

namespace cm::api {

class ReportHandler {
 public:
  explicit ReportHandler(RequestContext& ctx) : ctx_(ctx), reads_(ctx.reads()) {}

  void ConcertReport(const ExPtr& ex, std::string_view id);

 private:
  RequestContext& ctx_;
  readmodel::ReadModel& reads_;
};

}  // namespace cm::api
