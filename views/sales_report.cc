#include "views/sales_report.h"

#include <cstdio>

#include "json/json_writer.h"

namespace cm::views {

using json::JsonWriter;

namespace {

// "2026-11-30T16:00:00Z": the start of an hour of the ledger.
std::string HourStart(int64_t hour) {
  std::string t = json::FormatTime(hour * 3'600'000);  // "...T16:00:00.000Z"
  const auto dot = t.rfind('.');
  return dot == std::string::npos ? t : t.substr(0, dot) + "Z";
}

std::string Ratio(double v) {
  if (v < 0) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

// Whether `v` is a number as this report writes them ("-12", "0.2500"): never a formula.
bool IsPlainNumber(std::string_view v) {
  if (!v.empty() && v.front() == '-') v.remove_prefix(1);
  return !v.empty() && v.find_first_not_of("0123456789.") == std::string_view::npos;
}

// Whether a spreadsheet would take `v` for a formula (OWASP's CSV injection rule): it begins
// with =, +, -, @, a tab or CR, and is not a plain number.
bool LooksLikeFormula(std::string_view v) {
  return !v.empty() && std::string_view("=+-@\t\r").find(v.front()) != std::string_view::npos &&
         !IsPlainNumber(v);
}

// One CSV field per RFC 4180: quoted when it holds a comma, a quote, CR or LF; quotes doubled.
// A field a spreadsheet would evaluate (a concert titled "=HYPERLINK(...)") is neutralised
// with a leading apostrophe, and quoted.
void CsvField(std::string_view v, std::string* out) {
  const bool formula = LooksLikeFormula(v);
  if (!formula && v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(v);
    return;
  }
  out->push_back('"');
  if (formula) out->push_back('\'');
  for (char ch : v) {
    if (ch == '"') out->push_back('"');
    out->push_back(ch);
  }
  out->push_back('"');
}

class CsvWriter {
 public:
  CsvWriter() { Row("section", "key", "metric", "value"); }
  void Row(std::string_view section, std::string_view key, std::string_view metric,
           std::string_view value) {
    CsvField(section, &out_);
    out_.push_back(',');
    CsvField(key, &out_);
    out_.push_back(',');
    CsvField(metric, &out_);
    out_.push_back(',');
    CsvField(value, &out_);
    out_ += "\r\n";
  }
  template <class N>
  void Num(std::string_view section, std::string_view key, std::string_view metric, N n) {
    Row(section, key, metric, std::to_string(n));
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

SalesReport BuildSalesReport(const engine::Concert& c, engine::Seq as_of_seq) {
  SalesReport r;
  r.concert = c.id;
  r.title = c.spec->title;
  r.as_of_seq = as_of_seq;
  r.ledger = c.ledger;
  r.ledger.grades.clear();
  const std::size_t grades = c.venue->grade_count();
  r.grades.resize(grades);
  for (std::size_t g = 0; g < grades; ++g) {
    r.grades[g].grade = c.venue->spec->grades[g];
    r.grades[g].price = c.spec->price_per_grade[g];
    r.grades[g].sales = c.ledger.grades[g];
  }
  for (engine::SeatIndex s = 0; s < c.seats.size(); ++s) {
    GradeReport& g = r.grades[c.venue->seats[s].grade];
    ++g.seats;
    switch (c.seats.status(s)) {
      case engine::SeatStatus::kAvailable: ++g.available; break;
      case engine::SeatStatus::kHeld: ++g.held; break;
      case engine::SeatStatus::kSold: ++g.sold; break;
      case engine::SeatStatus::kReturning: ++g.returning; break;
    }
  }
  const engine::SalesLedger& l = c.ledger;
  r.live_holds = l.holds_placed - l.holds_confirmed - l.holds_expired - l.holds_released;
  return r;
}

double HoldToPaid(const SalesReport& r) {
  const uint64_t ended = r.ledger.holds_placed - r.live_holds;
  if (ended == 0) return -1;
  return static_cast<double>(r.ledger.holds_confirmed) / static_cast<double>(ended);
}

void WriteGradeInventory(JsonWriter& w, const GradeReport& g) {
  w.Field("grade", g.grade)
      .Field("price", g.price)
      .Field("seats", g.seats)
      .Field("available", g.available)
      .Field("held", g.held)
      .Field("returning", g.returning)
      .Field("sold", g.sold);
}

std::string RenderSalesReportJson(const SalesReport& r) {
  const engine::SalesLedger& l = r.ledger;
  uint64_t seats_sold = 0, seats_refunded = 0;
  int64_t sold_value = 0, refunded_value = 0;
  JsonWriter w;
  w.BeginObject()
      .Field("concertId", r.concert)
      .Field("title", r.title)
      .Field("asOfSeq", r.as_of_seq)
      .Field("currency", "KRW");
  w.Key("grades").BeginArray();
  for (const GradeReport& g : r.grades) {
    seats_sold += g.sales.seats_sold;
    seats_refunded += g.sales.seats_refunded;
    sold_value += g.sales.sold_value;
    refunded_value += g.sales.refunded_value;
    w.BeginObject();
    WriteGradeInventory(w, g);
    w.Field("seatsSold", g.sales.seats_sold)
        .Field("seatsRefunded", g.sales.seats_refunded)
        .Field("soldValue", g.sales.sold_value)
        .Field("refundedValue", g.sales.refunded_value)
        .Field("netValue", g.sales.sold_value - g.sales.refunded_value)
        .EndObject();
  }
  w.EndArray();
  w.Key("hours").BeginArray();
  for (const engine::HourSales& h : l.hours)
    w.BeginObject()
        .Field("hour", HourStart(h.hour))
        .Field("holds", h.holds)
        .Field("seatsHeld", h.seats_held)
        .Field("seatsSold", h.seats_sold)
        .Field("soldValue", h.sold_value)
        .Field("seatsRefunded", h.seats_refunded)
        .Field("refundedValue", h.refunded_value)
        .EndObject();
  w.EndArray();
  w.Key("holds")
      .BeginObject()
      .Field("placed", l.holds_placed)
      .Field("seats", l.seats_held)
      .Field("confirmed", l.holds_confirmed)
      .Field("expired", l.holds_expired)
      .Field("released", l.holds_released)
      .Field("live", r.live_holds)
      .EndObject();
  w.Key("conversion").BeginObject().Key("holdToPaid");
  if (const double c = HoldToPaid(r); c >= 0)
    w.Double(c);
  else
    w.Null();
  w.EndObject();
  w.Key("refunds")
      .BeginObject()
      .Field("byAdmin", l.reservations_refunded)
      .Field("cancelledByBuyers", l.reservations_cancelled)
      .Field("seats", seats_refunded)
      .Field("value", refunded_value)
      .Field("cancellationFees", l.cancellation_fees)
      .EndObject();
  w.Key("payments")
      .BeginObject()
      .Field("requested", l.payments_requested)
      .Field("succeeded", l.payments_succeeded)
      .Field("failed", l.payments_failed)
      .Field("captured", l.captured)
      .Field("refundsSettled", l.refunds_settled)
      .Field("refunded", l.refunded)
      .EndObject();
  w.Key("totals")
      .BeginObject()
      .Field("seatsSold", seats_sold)
      .Field("soldValue", sold_value)
      .Field("seatsRefunded", seats_refunded)
      .Field("refundedValue", refunded_value)
      .Field("netSeats", seats_sold - seats_refunded)
      .Field("netValue", sold_value - refunded_value)
      .EndObject();
  w.EndObject();
  return w.Take();
}

std::string RenderSalesReportCsv(const SalesReport& r) {
  const engine::SalesLedger& l = r.ledger;
  CsvWriter csv;
  const std::string id = std::to_string(r.concert);
  csv.Row("concert", id, "title", r.title);
  csv.Num("concert", id, "as_of_seq", r.as_of_seq);
  for (const GradeReport& g : r.grades) {
    csv.Num("grade", g.grade, "price", g.price);
    csv.Num("grade", g.grade, "seats", g.seats);
    csv.Num("grade", g.grade, "available", g.available);
    csv.Num("grade", g.grade, "held", g.held);
    csv.Num("grade", g.grade, "returning", g.returning);
    csv.Num("grade", g.grade, "sold", g.sold);
    csv.Num("grade", g.grade, "seats_sold", g.sales.seats_sold);
    csv.Num("grade", g.grade, "seats_refunded", g.sales.seats_refunded);
    csv.Num("grade", g.grade, "sold_value", g.sales.sold_value);
    csv.Num("grade", g.grade, "refunded_value", g.sales.refunded_value);
  }
  for (const engine::HourSales& h : l.hours) {
    const std::string hour = HourStart(h.hour);
    csv.Num("hour", hour, "holds", h.holds);
    csv.Num("hour", hour, "seats_held", h.seats_held);
    csv.Num("hour", hour, "seats_sold", h.seats_sold);
    csv.Num("hour", hour, "sold_value", h.sold_value);
    csv.Num("hour", hour, "seats_refunded", h.seats_refunded);
    csv.Num("hour", hour, "refunded_value", h.refunded_value);
  }
  csv.Num("holds", "", "placed", l.holds_placed);
  csv.Num("holds", "", "seats", l.seats_held);
  csv.Num("holds", "", "confirmed", l.holds_confirmed);
  csv.Num("holds", "", "expired", l.holds_expired);
  csv.Num("holds", "", "released", l.holds_released);
  csv.Num("holds", "", "live", r.live_holds);
  csv.Row("conversion", "", "hold_to_paid", Ratio(HoldToPaid(r)));
  csv.Num("refunds", "", "by_admin", l.reservations_refunded);
  csv.Num("refunds", "", "cancelled_by_buyers", l.reservations_cancelled);
  csv.Num("refunds", "", "cancellation_fees", l.cancellation_fees);
  csv.Num("payments", "", "requested", l.payments_requested);
  csv.Num("payments", "", "succeeded", l.payments_succeeded);
  csv.Num("payments", "", "failed", l.payments_failed);
  csv.Num("payments", "", "captured", l.captured);
  csv.Num("payments", "", "refunds_settled", l.refunds_settled);
  csv.Num("payments", "", "refunded", l.refunded);
  return csv.Take();
}

}  // namespace cm::views
