#include "engine/sales_ledger.h"

namespace cm::engine {

HourSales& SalesLedger::Hour(TimeMs ts) {
  const int64_t hour = ts / 3'600'000;
  if (hours.empty() || hours.back().hour != hour) hours.push_back(HourSales{.hour = hour});
  return hours.back();
}

}  // namespace cm::engine
