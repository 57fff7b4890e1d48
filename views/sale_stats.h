#pragma once
// What the admin console shows of a sale as it happens, pushed over the WebSocket each second
// ({"type":"sale",...}, live/sale_watch.h): seats per grade, money, holds about to expire, the
// waiting room, payments, and per-second samples for the chart.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/engine_state.h"

namespace cm::views {

// The concert's running counts at one moment; the console draws holds and sales per second
// from the differences between samples.
struct SalePoint {
  int64_t at_ms = 0;
  uint64_t holds_placed = 0;
  uint64_t seats_sold = 0;  // refunded ones included: a sale happened
};

SalePoint SampleSale(const engine::Concert& c, int64_t now_ms);

// `series` is what to send of the samples (the whole history to a new watcher, then the
// newest); `admission_rate` the waiting room's admissions per second over the last minute.
std::string RenderSaleStats(const engine::EngineState& s, const engine::Concert& c,
                            int64_t now_ms, double admission_rate,
                            const std::vector<SalePoint>& series);

}  // namespace cm::views
