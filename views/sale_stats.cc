#include "views/sale_stats.h"

#include "json/json_writer.h"
#include "views/resource_json.h"
#include "views/sales_report.h"

namespace cm::views {

using json::JsonWriter;

SalePoint SampleSale(const engine::Concert& c, int64_t now_ms) {
  SalePoint p{now_ms, c.ledger.holds_placed, 0};
  for (const engine::GradeSales& g : c.ledger.grades) p.seats_sold += g.seats_sold;
  return p;
}

std::string RenderSaleStats(const engine::EngineState& s, const engine::Concert& c,
                            int64_t now_ms, double admission_rate,
                            const std::vector<SalePoint>& series) {
  const SalesReport report = BuildSalesReport(c, s.last_seq());
  const engine::SalesLedger& l = report.ledger;
  uint64_t expiring = 0;
  for (const auto& [id, r] : s.reservations())
    if (r.concert == c.id && engine::IsLive(r.status) && r.expires_at > now_ms &&
        r.expires_at <= now_ms + 60'000)
      ++expiring;
  int64_t sold_value = 0;
  JsonWriter w;
  w.BeginObject()
      .Field("type", "sale")
      .Field("concertId", c.id)
      .Field("title", c.spec->title)
      .Field("status", SalesStatusOf(c, now_ms))
      .Field("at", json::FormatTime(now_ms))
      .Field("asOfSeq", s.last_seq());
  w.Key("grades").BeginArray();
  for (const GradeReport& g : report.grades) {
    sold_value += g.sales.sold_value - g.sales.refunded_value;
    w.BeginObject();
    WriteGradeInventory(w, g);
    w.EndObject();
  }
  w.EndArray();
  w.Key("revenue")
      .BeginObject()
      .Field("captured", l.captured)
      .Field("refunded", l.refunded)
      .Field("net", l.captured - l.refunded)
      .Field("soldValue", sold_value)
      .EndObject();
  w.Key("holds")
      .BeginObject()
      .Field("live", report.live_holds)
      .Field("expiringNextMinute", expiring)
      .Field("placed", l.holds_placed)
      .Field("confirmed", l.holds_confirmed)
      .Field("expired", l.holds_expired)
      .Field("released", l.holds_released)
      .EndObject();
  w.Key("queue");
  if (c.room) {
    w.BeginObject()
        .Field("waiting", c.room->waiting())
        .Field("inLine", c.room->in_line())
        .Field("admitted", c.room->active())
        .Field("admissionRate", admission_rate)
        .EndObject();
  } else {
    w.Null();
  }
  const uint64_t settled = l.payments_succeeded + l.payments_failed;
  w.Key("payments")
      .BeginObject()
      .Field("requested", l.payments_requested)
      .Field("succeeded", l.payments_succeeded)
      .Field("failed", l.payments_failed)
      .Key("successRate");
  if (settled > 0)
    w.Double(static_cast<double>(l.payments_succeeded) / static_cast<double>(settled));
  else
    w.Null();
  w.EndObject();
  w.Key("series").BeginArray();
  for (const SalePoint& p : series)
    w.BeginArray().Int(p.at_ms).Uint(p.holds_placed).Uint(p.seats_sold).EndArray();
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace cm::views
