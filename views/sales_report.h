#pragma once
// A concert's sales report for its organiser (GET /api/admin/concerts/{id}/report): inventory
// and sales by grade, sales by hour, how holds ended and the conversion from hold to paid,
// refunds, and the money through the provider. Built from the durable read model (the concert's
// seat map and sales ledger) under its shared lock, then rendered as JSON or CSV.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/concert.h"
#include "json/json_writer.h"

namespace cm::views {

struct GradeReport {
  std::string grade;
  int64_t price = 0;
  // The seat map now; returning: given up, not back on sale yet (ConcertSpec::return_window_ms).
  uint32_t seats = 0, available = 0, held = 0, returning = 0, sold = 0;
  engine::GradeSales sales;                              // over the sale so far
};

struct SalesReport {
  engine::ConcertId concert = 0;
  std::string title;
  engine::Seq as_of_seq = 0;  // the read model's durable seq it was built at
  std::vector<GradeReport> grades;
  engine::SalesLedger ledger;  // its grades are in `grades`
  uint64_t live_holds = 0;     // placed and not ended yet
};

SalesReport BuildSalesReport(const engine::Concert& c, engine::Seq as_of_seq);

// Holds confirmed out of holds that have ended (live ones are not decided yet); -1 when none
// has ended.
double HoldToPaid(const SalesReport& r);

// A grade's name, price and seats now (seats, available, held, sold), as fields of the open
// object: the report and the live sale show them alike.
void WriteGradeInventory(json::JsonWriter& w, const GradeReport& g);

std::string RenderSalesReportJson(const SalesReport& r);
// The same figures as RFC 4180 CSV, one per record: section,key,metric,value (CRLF lines, a
// header record, fields quoted when they hold a comma, a quote or a line break).
std::string RenderSalesReportCsv(const SalesReport& r);

}  // namespace cm::views
