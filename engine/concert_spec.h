#pragma once
// What an admin sends to create a concert.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/result_code.h"
#include "engine/types.h"

namespace cm::engine {

struct Venue;

struct ConcertSpec {
  VenueId venue = 0;
  std::string title;
  TimeMs starts_at = 0;
  TimeMs sales_open_at = 0;   // holds are refused before this time ...
  TimeMs sales_close_at = 0;  // ... and from this time on
  std::vector<int64_t> price_per_grade;  // KRW, indexed like the venue's grades
  TimeMs hold_ttl_ms = kDefaultHoldTtlMs;
  uint32_t max_seats_per_user = 4;
  bool operator==(const ConcertSpec&) const = default;
};

// Checks a spec against its venue; returns kOk or kInvalidConcert with a reason in *why.
ResultCode ValidateConcert(const ConcertSpec& spec, const Venue& venue, std::string* why);

}  // namespace cm::engine
