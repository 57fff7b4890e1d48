// The sales report's CSV, as a spreadsheet opens it: no cell an organiser's spreadsheet would
// evaluate (OWASP's CSV injection rule), whatever a concert's title or grade says.
#include <doctest/doctest.h>

#include <string>

#include "views/sales_report.h"

namespace {

using cm::views::GradeReport;
using cm::views::RenderSalesReportCsv;
using cm::views::SalesReport;

SalesReport ReportTitled(const std::string& title, const std::string& grade) {
  SalesReport r;
  r.concert = 7;
  r.title = title;
  GradeReport g;
  g.grade = grade;
  g.price = 165'000;
  r.grades.push_back(g);
  return r;
}

}  // namespace

TEST_CASE("CSV: a title or grade that begins like a formula is neutralised and quoted") {
  for (const std::string lead : {"=", "+", "-", "@", "\t", "\r"}) {
    const std::string title = lead + "HYPERLINK(\"http://x\")";
    INFO("title: " << title);
    const std::string csv = RenderSalesReportCsv(ReportTitled(title, lead + "1+1"));
    // The cell starts with an apostrophe inside quotes, quotes doubled (RFC 4180).
    std::string cell = "\"'" + lead + "HYPERLINK(\"\"http://x\"\")\"";
    CHECK(csv.find("concert,7,title," + cell + "\r\n") != std::string::npos);
    CHECK(csv.find("grade,\"'" + lead + "1+1\",price,165000\r\n") != std::string::npos);
    // No line of the file has a field that starts with the formula's character unquoted.
    CHECK(csv.find("," + lead + "HYPERLINK") == std::string::npos);
  }
}

TEST_CASE("CSV: ordinary text and negative numbers are written as they are") {
  const std::string csv = RenderSalesReportCsv(ReportTitled("BTS - Live", "VIP"));
  CHECK(csv.find("concert,7,title,BTS - Live\r\n") != std::string::npos);
  CHECK(csv.find("grade,VIP,price,165000\r\n") != std::string::npos);
  SalesReport r = ReportTitled("x", "R");
  r.ledger.captured = -5;  // a negative figure is a number, not a formula
  const std::string with_negative = RenderSalesReportCsv(r);
  CHECK(with_negative.find("payments,,captured,-5\r\n") != std::string::npos);
}
