#include "engine/venue.h"

#include <algorithm>
#include <limits>

namespace cm::engine {

std::string_view ToString(SeatAttribute a) {
  switch (a) {
    case kSeatWheelchair: return "WHEELCHAIR";
    case kSeatCompanion: return "COMPANION";
    case kSeatRestrictedView: return "RESTRICTED_VIEW";
    case kSeatAisle: return "AISLE";
  }
  return "UNKNOWN";
}

bool ParseSeatAttribute(std::string_view name, SeatAttribute* out) {
  for (SeatAttribute a : kSeatAttributeList)
    if (ToString(a) == name) {
      *out = a;
      return true;
    }
  return false;
}

ResultCode ValidateVenue(const VenueSpec& spec, std::string* why) {
  auto fail = [&](std::string reason) {
    *why = std::move(reason);
    return ResultCode::kInvalidVenue;
  };
  if (spec.name.empty()) return fail("venue name is empty");
  if (spec.grades.empty() || spec.grades.size() > kMaxGrades)
    return fail("a venue needs between 1 and 32 grades");
  for (std::size_t i = 0; i < spec.grades.size(); ++i) {
    if (spec.grades[i].empty()) return fail("grade " + std::to_string(i) + " has no name");
    for (std::size_t j = 0; j < i; ++j)
      if (spec.grades[i] == spec.grades[j]) return fail("grade '" + spec.grades[i] + "' repeats");
  }
  if (spec.sections.empty()) return fail("a venue needs at least one section");
  auto bad_outline = [](const Outline& o) {
    return !o.empty() && (o.size() < 3 || o.size() > kMaxOutlinePoints);
  };
  if (bad_outline(spec.stage)) return fail("the stage's outline needs 3 to 256 corners");
  std::size_t total = 0;
  for (const SectionSpec& section : spec.sections) {
    if (section.name.empty()) return fail("a section has no name");
    if (section.rows.empty()) return fail("section '" + section.name + "' has no rows");
    if (bad_outline(section.outline))
      return fail("the outline of section '" + section.name + "' needs 3 to 256 corners");
    for (const RowSpec& row : section.rows) {
      if (row.seats.empty())
        return fail("row '" + row.label + "' of section '" + section.name + "' has no seats");
      for (std::size_t i = 0; i < row.seats.size(); ++i) {
        if (row.seats[i].grade >= spec.grades.size())
          return fail("a seat of row '" + row.label + "' has an unknown grade");
        const uint8_t a = row.seats[i].attributes;
        if ((a & ~kAllSeatAttributes) != 0 || (a & kAccessibleSeat) == kAccessibleSeat)
          return fail("seat " + std::to_string(row.seats[i].number) + " of row '" + row.label +
                      "': a seat is a wheelchair space or a companion seat, not both");
        if (i > 0 && row.seats[i].number <= row.seats[i - 1].number)
          return fail("seat numbers of row '" + row.label + "' must increase along the row");
      }
      total += row.seats.size();
      if (total > kMaxVenueSeats) return fail("a venue holds at most 16,777,216 seats");
    }
  }
  return ResultCode::kOk;
}

ResultCode ValidateNewVenue(const VenueSpec& spec, std::string* why) {
  if (const ResultCode code = ValidateVenue(spec, why); code != ResultCode::kOk) return code;
  for (std::size_t i = 0; i < spec.sections.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (spec.sections[i].name == spec.sections[j].name) {
        *why = "section '" + spec.sections[i].name + "' repeats: section names are unique";
        return ResultCode::kInvalidVenue;
      }
  return ResultCode::kOk;
}

std::unique_ptr<Venue> Venue::Build(VenueId id, std::shared_ptr<const VenueSpec> spec) {
  auto v = std::make_unique<Venue>();
  v->id = id;
  v->spec = std::move(spec);
  for (uint32_t s = 0; s < v->spec->sections.size(); ++s) {
    for (const RowSpec& row : v->spec->sections[s].rows) {
      const auto row_index = static_cast<uint32_t>(v->rows.size());
      v->rows.push_back(RowInfo{s, static_cast<SeatIndex>(v->seats.size()),
                                static_cast<uint32_t>(row.seats.size())});
      int64_t nearest = std::numeric_limits<int64_t>::max();
      for (const SeatSpec& seat : row.seats) {
        v->seats.push_back(
            SeatInfo{row_index, seat.number, seat.grade, seat.attributes, seat.x, seat.y});
        nearest = std::min(nearest, v->seats.back().DistanceSquared());
        if (seat.attributes & kAccessibleSeat) ++v->rows.back().accessible;
        v->wheelchair_spaces += (seat.attributes & kSeatWheelchair) != 0;
      }
      v->rows.back().nearest = nearest;
      v->accessible_seats += v->rows.back().accessible;
    }
  }
  v->wheelchair_by_section.resize(v->spec->sections.size());
  v->companions_by_section.resize(v->spec->sections.size());
  for (SeatIndex s = 0; s < v->seats.size(); ++s) {
    const uint8_t a = v->seats[s].attributes;
    const uint32_t section = v->rows[v->seats[s].row].section;
    if (a & kSeatWheelchair) v->wheelchair_by_section[section].push_back(s);
    if (a & kSeatCompanion) v->companions_by_section[section].push_back(s);
  }
  auto nearest_first = [&](std::vector<SeatIndex>& list) {
    std::stable_sort(list.begin(), list.end(), [&](SeatIndex a, SeatIndex b) {
      return v->seats[a].DistanceSquared() < v->seats[b].DistanceSquared();
    });
  };
  for (auto& list : v->wheelchair_by_section) nearest_first(list);
  for (auto& list : v->companions_by_section) nearest_first(list);
  v->rows_nearest_first.resize(v->rows.size());
  for (uint32_t r = 0; r < v->rows.size(); ++r) v->rows_nearest_first[r] = r;
  std::stable_sort(v->rows_nearest_first.begin(), v->rows_nearest_first.end(),
                   [&](uint32_t a, uint32_t b) { return v->rows[a].nearest < v->rows[b].nearest; });
  return v;
}

std::optional<SeatIndex> FindSeat(const Venue& v, std::string_view section, std::string_view row,
                                  uint32_t number) {
  uint32_t first_row = 0;
  for (const SectionSpec& s : v.spec->sections) {
    if (s.name == section)
      for (std::size_t r = 0; r < s.rows.size(); ++r) {
        if (s.rows[r].label != row) continue;
        const RowInfo& info = v.rows[first_row + r];
        for (uint32_t k = 0; k < info.seat_count; ++k)
          if (v.seats[info.first_seat + k].number == number) return info.first_seat + k;
      }
    first_row += static_cast<uint32_t>(s.rows.size());
  }
  return std::nullopt;
}

}  // namespace cm::engine
