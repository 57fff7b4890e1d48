#include "views/venue_layout.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace cm::views {
namespace {

struct Point {
  int64_t x, y;
  bool operator<(const Point& o) const { return x != o.x ? x < o.x : y < o.y; }
  bool operator==(const Point&) const = default;
};

int64_t Cross(const Point& o, const Point& a, const Point& b) {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

// Andrew's monotone chain: the hull counter-clockwise, no collinear points; a row alone gives
// its two ends, one seat itself.
std::vector<Point> ConvexHull(std::vector<Point> p) {
  std::sort(p.begin(), p.end());
  p.erase(std::unique(p.begin(), p.end()), p.end());
  if (p.size() < 3) return p;
  std::vector<Point> hull(2 * p.size());
  std::size_t k = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    while (k >= 2 && Cross(hull[k - 2], hull[k - 1], p[i]) <= 0) --k;
    hull[k++] = p[i];
  }
  for (std::size_t i = p.size() - 1, lower = k + 1; i-- > 0;) {
    while (k >= lower && Cross(hull[k - 2], hull[k - 1], p[i]) <= 0) --k;
    hull[k++] = p[i];
  }
  hull.resize(k - 1);
  return hull;
}

// Bounds that grow to take in every point written.
struct Bounds {
  int64_t min_x = 0, min_y = 0, max_x = 0, max_y = 0;  // the stage's centre is inside
  void Add(int64_t x, int64_t y) {
    min_x = std::min(min_x, x);
    max_x = std::max(max_x, x);
    min_y = std::min(min_y, y);
    max_y = std::max(max_y, y);
  }
};

void WriteOutline(json::JsonWriter& w, const std::vector<Point>& outline, Bounds* b) {
  w.Key("outline").BeginArray();
  for (const Point& p : outline) {
    w.BeginArray().Int(p.x).Int(p.y).EndArray();
    b->Add(p.x, p.y);
  }
  w.EndArray();
}

std::vector<Point> Points(const engine::Outline& o) {
  std::vector<Point> out;
  for (const engine::PlanPoint& p : o) out.push_back({p.x, p.y});
  return out;
}

}  // namespace

void WriteSeatAttributes(json::JsonWriter& w, uint8_t bits) {
  w.BeginArray();
  for (engine::SeatAttribute a : engine::kSeatAttributeList)
    if (bits & a) w.String(engine::ToString(a));
  w.EndArray();
}

void WriteVenueLayout(json::JsonWriter& w, const engine::Venue& v) {
  Bounds b;
  w.BeginObject().Field("venueId", v.id).Field("name", v.spec->name);
  w.Key("stage").BeginObject().Field("x", int64_t{0}).Field("y", int64_t{0});
  if (!v.spec->stage.empty()) WriteOutline(w, Points(v.spec->stage), &b);
  w.EndObject();
  w.Key("sections").BeginArray();
  std::size_t row = 0;
  for (const engine::SectionSpec& section : v.spec->sections) {
    std::vector<Point> points;
    uint64_t seats = 0;
    const engine::SeatIndex first = v.rows[row].first_seat;
    std::vector<std::pair<uint8_t, uint32_t>> runs;  // (grade, seats) along the seat ids
    for (std::size_t r = 0; r < section.rows.size(); ++r, ++row) {
      const engine::RowInfo& info = v.rows[row];
      for (uint32_t k = 0; k < info.seat_count; ++k) {
        const engine::SeatInfo& s = v.seats[info.first_seat + k];
        points.push_back({s.x, s.y});
        b.Add(s.x, s.y);
        if (runs.empty() || runs.back().first != s.grade) runs.push_back({s.grade, 0});
        ++runs.back().second;
      }
      seats += info.seat_count;
    }
    w.BeginObject().Field("name", section.name).Field("seats", seats).Field("firstSeat", first);
    w.Key("gradeRuns").BeginArray();
    for (const auto& [grade, n] : runs) w.BeginArray().Uint(grade).Uint(n).EndArray();
    w.EndArray();
    // The outline the venue drew, else the hull of the seats.
    WriteOutline(w, section.outline.empty() ? ConvexHull(std::move(points)) : Points(section.outline),
                 &b);
    w.EndObject();
  }
  w.EndArray();
  w.Key("bounds").BeginObject().Field("minX", b.min_x).Field("minY", b.min_y)
      .Field("maxX", b.max_x).Field("maxY", b.max_y).EndObject();
  w.EndObject();
}

void WriteSectionPlan(json::JsonWriter& w, const engine::Venue& v, std::size_t section) {
  std::size_t row = 0;
  for (std::size_t k = 0; k < section; ++k) row += v.spec->sections[k].rows.size();
  const engine::SectionSpec& spec = v.spec->sections[section];
  w.BeginObject().Field("name", spec.name).Field("firstSeat", v.rows[row].first_seat);
  w.Key("rows").BeginArray();
  for (const engine::RowSpec& r : spec.rows) {
    const engine::RowInfo& info = v.rows[row++];
    w.BeginObject().Field("label", r.label).Key("seats").BeginArray();
    for (uint32_t k = 0; k < info.seat_count; ++k) {
      const engine::SeatIndex id = info.first_seat + k;
      const engine::SeatInfo& s = v.seats[id];
      w.BeginArray().Uint(id).Uint(s.number).Uint(s.grade).Int(s.x).Int(s.y);
      if (s.attributes != 0) WriteSeatAttributes(w, s.attributes);
      w.EndArray();
    }
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
}

}  // namespace cm::views
