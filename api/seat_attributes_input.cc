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
    // Marks add to what a seat has already (its own attributes, earlier marks).
    auto mark_seat = [&](engine::SeatSpec& seat) {
      const uint8_t now = seat.attributes | bits;
      if ((now & engine::kAccessibleSeat) == engine::kAccessibleSeat)
        return f.Fail(at + ".attributes", "seat " + std::to_string(seat.number) +
                                              " would be a wheelchair space and a companion seat");
      seat.attributes = now;
      return true;
    };
    if (mark["seats"].error() == simdjson::NO_SUCH_FIELD) {
      for (engine::SeatSpec& seat : row->seats)
        if (!mark_seat(seat)) return false;
      continue;
    }
    simdjson::dom::array numbers;
    if (mark["seats"].get(numbers) || numbers.size() == 0)
      return f.Fail(at + ".seats", "must be a non-empty array of seat numbers");
    std::size_t k = 0;
    for (auto n : numbers) {
      const std::string sp = at + ".seats[" + std::to_string(k++) + "]";
      int64_t number;
      if (n.get(number) != simdjson::SUCCESS) return f.Fail(sp, "must be an integer");
      engine::SeatSpec* seat = nullptr;
      for (engine::SeatSpec& s : row->seats)
        if (s.number == number) seat = &s;
      if (seat == nullptr) return f.Fail(sp, "is not a seat of row " + std::string(row_label));
      if (!mark_seat(*seat)) return false;
    }
  }
  return true;
}

}  // namespace cm::api
