#include "api/report_handler.h"

#include <optional>

#include "api/replies.h"
#include "api/request_input.h"
#include "views/sales_report.h"

namespace cm::api {

void ReportHandler::ConcertReport(const ExPtr& ex, std::string_view id_text) {
  auto claims = ctx_.Authenticate(ex, true);
  if (!claims) return;
  auto id = IdParam(ex, id_text, "concert");
  if (!id) return;
  const std::string_view format = QueryParam(ex->req.target(), "format");
  if (!format.empty() && format != "json" && format != "csv")
    return Fail(ex, Problem(422, "VALIDATION_FAILED", "format: must be json or csv")
                        .With([](JsonWriter& w) { w.Field("field", "format"); }));
  auto report = reads_.Read([&](const engine::EngineState& s) -> std::optional<views::SalesReport> {
    const engine::Concert* c = s.FindConcert(*id);
    if (c == nullptr) return std::nullopt;
    return views::BuildSalesReport(*c, s.last_seq());
  });
  if (!report)
    return Fail(ex, 404, "UNKNOWN_CONCERT", "no concert with id " + std::to_string(*id));
  if (format != "csv") return Json(ex, 200, views::RenderSalesReportJson(*report));
  Response res{http::status::ok, ex->req.version()};
  res.set(http::field::content_type, "text/csv; charset=utf-8; header=present");
  res.set(http::field::content_disposition,
          "attachment; filename=\"concert-" + std::to_string(*id) + "-report.csv\"");
  res.keep_alive(ex->req.keep_alive());
  res.body() = views::RenderSalesReportCsv(*report);
  res.prepare_payload();
  ex->responder->Send(std::move(res));
}

}  // namespace cm::api
