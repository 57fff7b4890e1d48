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

}  // namespace

void WriteVenueLayout(json::JsonWriter& w, const engine::Venue& v) {
  int64_t min_x = 0, min_y = 0, max_x = 0, max_y = 0;  // the stage is inside
  w.BeginObject().Field("venueId", v.id).Field("name", v.spec->name);
  w.Key("stage").BeginObject().Field("x", int64_t{0}).Field("y", int64_t{0}).EndObject();
  w.Key("sections").BeginArray();
  std::size_t row = 0;
  for (const engine::SectionSpec& section : v.spec->sections) {
    std::vector<Point> points;
    uint64_t seats = 0;
    for (std::size_t r = 0; r < section.rows.size(); ++r, ++row) {
      const engine::RowInfo& info = v.rows[row];
      for (uint32_t k = 0; k < info.seat_count; ++k) {
        const engine::SeatInfo& s = v.seats[info.first_seat + k];
        points.push_back({s.x, s.y});
        min_x = std::min<int64_t>(min_x, s.x);
        max_x = std::max<int64_t>(max_x, s.x);
        min_y = std::min<int64_t>(min_y, s.y);
        max_y = std::max<int64_t>(max_y, s.y);
      }
      seats += info.seat_count;
    }
    w.BeginObject().Field("name", section.name).Field("seats", seats);
    w.Key("outline").BeginArray();
    for (const Point& p : ConvexHull(std::move(points))) w.BeginArray().Int(p.x).Int(p.y).EndArray();
    w.EndArray().EndObject();
  }
  w.EndArray();
  w.Key("bounds").BeginObject().Field("minX", min_x).Field("minY", min_y).Field("maxX", max_x)
      .Field("maxY", max_y).EndObject();
  w.EndObject();
}

}  // namespace cm::views
