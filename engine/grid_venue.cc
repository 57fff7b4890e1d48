#include "engine/grid_venue.h"

namespace cm::engine {

std::shared_ptr<VenueSpec> MakeGridVenue(std::string name, std::vector<std::string> grades,
                                         int sections, int rows, int seats_per_row,
                                         int rows_per_grade) {
  auto v = std::make_shared<VenueSpec>();
  v->name = std::move(name);
  v->grades = std::move(grades);
  const int grade_count = static_cast<int>(v->grades.size());
  // Seats are 2 units apart; sections are separated by an aisle of 4 units.
  const int section_width = 2 * seats_per_row + 4;
  for (int s = 0; s < sections; ++s) {
    SectionSpec section;
    section.name = std::to_string(s + 1);
    section.name.insert(section.name.begin(), 'S');
    const int section_offset = (2 * s - (sections - 1)) * section_width / 2;
    for (int r = 0; r < rows; ++r) {
      RowSpec row;
      row.label = std::to_string(r + 1);
      const auto grade = static_cast<uint8_t>((r / rows_per_grade) % grade_count);
      row.seats.reserve(static_cast<std::size_t>(seats_per_row));
      for (int n = 0; n < seats_per_row; ++n) {
        const int32_t x = section_offset + 2 * n - (seats_per_row - 1);
        row.seats.push_back(SeatSpec{static_cast<uint16_t>(n + 1), grade, x, 10 * (r + 1)});
      }
      section.rows.push_back(std::move(row));
    }
    v->sections.push_back(std::move(section));
  }
  return v;
}

}  // namespace cm::engine
