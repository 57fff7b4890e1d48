#pragma once
// A new concert's 무통장입금 rules as a request gives them (engine/concert_spec.h
// BankTransferRules):
//   "bankTransfer": {"depositDays": 1, "depositWindowSeconds": 0, "utcOffsetMinutes": 540,
//                    "cutoffHoursBeforeShow": 24}
// Giving the object turns bank transfers on (all fields optional): the deposit is due by 23:59
// local time `depositDays` days after the request, or within `depositWindowSeconds` of it when
// that is set; never after sales close nor later than the cutoff before the show.
#include "engine/concert_spec.h"
#include "http/json_input.h"

namespace cm::api {

// Reads "bankTransfer" into `spec` (nothing when absent); false with the field and reason in `f`.
bool ReadBankTransfer(http::FieldReader& f, engine::ConcertSpec* spec);

}  // namespace cm::api
