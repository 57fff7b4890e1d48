#include "api/seat_attributes_input.h"

namespace cm::api {

bool ReadAttributeNames(simdjson::dom::element names, uint8_t* out, std::string* why) {
  simdjson::dom::array list;
  if (names.get(list) != simdjson::SUCCESS || list.size() == 0 || list.size() > 4) {
    *why = "must be an array of 1 to 4 of WHEELCHAIR, COMPANION, RESTRICTED_VIEW, AISLE";
    return false;
  }
  uint8_t bits = 0;
  for (auto name : list) {
    std::string_view text;
    engine::SeatAttribute a;
    if (name.get(text) != simdjson::SUCCESS || !engine::ParseSeatAttribute(text, &a)) {
      *why = "must name WHEELCHAIR, COMPANION, RESTRICTED_VIEW or AISLE";
      return false;
    }
    bits |= a;
  }
  if ((bits & engine::kAccessibleSeat) == engine::kAccessibleSeat) {
    *why = "a seat is a wheelchair space or a companion seat, not both";
    return false;
  }
  *out = bits;
  return true;
}

bool ReadAccessibility(http::FieldReader& f, engine::VenueSpec* spec) {
  if (!f.Has("accessibility")) return true;
  simdjson::dom::array marks;
  if (!f.Array("accessibility", &marks, 1, 10'000)) return false;
  std::size_t i = 0;
  for (auto mark_el : marks) {
    const std::string at = "accessibility[" + std::to_string(i++) + "]";
    simdjson::dom::object mark;
    std::string_view section_name, row_label;
    if (mark_el.get(mark)) return f.Fail(at, "must be an object");
    if (mark["section"].get(section_name)) return f.Fail(at + ".section", "must name a section");
    if (mark["row"].get(row_label)) return f.Fail(at + ".row", "must name a row of it");
    engine::SectionSpec* section = nullptr;
    for (engine::SectionSpec& s : spec->sections)
      if (s.name == section_name) section = &s;
    if (section == nullptr) return f.Fail(at + ".section", "is not a section of this venue");
    engine::RowSpec* row = nullptr;
    for (engine::RowSpec& r : section->rows)
      if (r.label == row_label) row = &r;
    if (row == nullptr) return f.Fail(at + ".row", "is not a row of section " + std::string(section_name));
    uint8_t bits = 0;
    std::string why;
    simdjson::dom::element names;
    if (mark["attributes"].get(names) != simdjson::SUCCESS)
      return f.Fail(at + ".attributes", "is required");
    if (!ReadAttributeNames(names, &bits, &why)) return f.Fail(at + ".attributes", why);
    if (mark["seats"].error() == simdjson::NO_SUCH_FIELD) {
      for (engine::SeatSpec& seat : row->seats) seat.attributes = bits;
      continue;
    }
    simdjson::dom::array numbers;
    if (mark["seats"].get(numbers) || numbers.size() == 0)
      return f.Fail(at + ".seats", "must be a non-empty array of seat numbers");
    for (auto n : numbers) {
      int64_t number;
      engine::SeatSpec* seat = nullptr;
      if (n.get(number) == simdjson::SUCCESS)
        for (engine::SeatSpec& s : row->seats)
          if (s.number == number) seat = &s;
      if (seat == nullptr)
        return f.Fail(at + ".seats", "names a seat that row " + std::string(row_label) + " lacks");
      seat->attributes = bits;
    }
  }
  return true;
}

}  // namespace cm::api
