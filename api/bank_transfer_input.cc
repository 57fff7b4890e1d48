#include "api/bank_transfer_input.h"

namespace cm::api {

bool ReadBankTransfer(http::FieldReader& f, engine::ConcertSpec* spec) {
  if (!f.Has("bankTransfer")) return true;
  simdjson::dom::object obj;
  if (!f.Object("bankTransfer", &obj)) return false;
  http::FieldReader r(obj);
  engine::BankTransferRules& b = spec->bank_transfer;
  int64_t days = b.days_after, window_s = 0, offset = b.utc_offset_minutes,
          cutoff_h = b.before_show_ms / 3'600'000;
  r.OptionalInt("depositDays", &days, 0, engine::kMaxDepositDays) &&
      r.OptionalInt("depositWindowSeconds", &window_s, 0, engine::kMaxDepositDays * 86'400) &&
      r.OptionalInt("utcOffsetMinutes", &offset, -14 * 60, 14 * 60) &&
      r.OptionalInt("cutoffHoursBeforeShow", &cutoff_h, 0, 24 * 30);
  if (!r.ok()) {
    const auto& e = r.error();
    return f.Fail("bankTransfer." + e.field,
                  e.detail.size() > e.field.size() + 2 ? e.detail.substr(e.field.size() + 2)
                                                       : e.detail);
  }
  b.enabled = true;
  b.days_after = static_cast<uint32_t>(days);
  b.window_ms = window_s * 1000;
  b.utc_offset_minutes = static_cast<int32_t>(offset);
  b.before_show_ms = cutoff_h * 3'600'000;
  return true;
}

}  // namespace cm::api
