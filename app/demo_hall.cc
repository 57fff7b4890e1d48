#include "app/demo_hall.h"

#include <cmath>
#include <numbers>
#include <string>

namespace cm::app {
namespace {

// Laid out in decimetres (a seat is 10 wide; rows are 12 apart), stored in centimetres so that
// curved rows keep their shape when rounded. 3,200 seats: 4 x 12 x 20 on the floor, 10 x 14 x 16
// in the tiers.
constexpr double kStoredPerUnit = 10;
constexpr int kFloorBlocks = 4, kFloorRows = 12, kFloorSeats = 20;
constexpr int kTiers = 10, kTierRows = 14, kTierSeats = 16;
constexpr double kTierRadius = 480;   // the first tier row's distance from the stage
constexpr double kTierSpanDeg = 224;  // the tiers wrap the floor, ending beside the stage
constexpr double kAisleDeg = 2;

uint8_t GradeAt(double x, double y) {
  const double d = std::hypot(x, y);
  return d < 260 ? 0 : d < 420 ? 1 : d < 560 ? 2 : 3;  // VIP, R, S, A
}

engine::PlanPoint At(double x, double y) {
  return {static_cast<int32_t>(std::lround(x * kStoredPerUnit)),
          static_cast<int32_t>(std::lround(y * kStoredPerUnit))};
}

// A tier's band on the plan: the arc of its front edge, then its back edge the other way.
engine::Outline Band(double from_deg, double to_deg, double inner, double outer) {
  constexpr int kSteps = 8;
  engine::Outline o;
  for (int i = 0; i <= kSteps; ++i) {
    const double a = (from_deg + (to_deg - from_deg) * i / kSteps) * std::numbers::pi / 180;
    o.push_back(At(inner * std::sin(a), inner * std::cos(a)));
  }
  for (int i = kSteps; i >= 0; --i) {
    const double a = (from_deg + (to_deg - from_deg) * i / kSteps) * std::numbers::pi / 180;
    o.push_back(At(outer * std::sin(a), outer * std::cos(a)));
  }
  return o;
}

engine::SeatSpec Seat(int number, double x, double y) {
  const engine::PlanPoint at = At(x, y);
  return engine::SeatSpec{static_cast<uint16_t>(number), GradeAt(x, y), at.x, at.y};
}

}  // namespace

std::shared_ptr<engine::VenueSpec> MakeDemoHall() {
  auto v = std::make_shared<engine::VenueSpec>();
  v->name = "Olympic Hall";
  v->grades = {"VIP", "R", "S", "A"};
  v->stage = {At(-160, -40), At(160, -40), At(160, 60), At(-160, 60)};
  // The floor: blocks A to D left to right, row 1 nearest the stage.
  for (int b = 0; b < kFloorBlocks; ++b) {
    engine::SectionSpec block;
    block.name = std::string(1, static_cast<char>('A' + b));
    const double centre = (b - (kFloorBlocks - 1) / 2.0) * 220;
    const double half = (kFloorSeats - 1) * 10 / 2.0 + 8, front = 120 - 9,
                 back = 120 + 12.0 * (kFloorRows - 1) + 9;
    block.outline = {At(centre - half, front), At(centre + half, front), At(centre + half, back),
                     At(centre - half, back)};
    for (int r = 0; r < kFloorRows; ++r) {
      engine::RowSpec row;
      row.label = std::to_string(r + 1);
      for (int n = 0; n < kFloorSeats; ++n)
        row.seats.push_back(Seat(n + 1, centre + (n - (kFloorSeats - 1) / 2.0) * 10, 120 + 12.0 * r));
      block.rows.push_back(std::move(row));
    }
    v->sections.push_back(std::move(block));
  }
  // The tiers: sections 1 to 10 round from the stage's left to its right, rows curving with them.
  const double per = kTierSpanDeg / kTiers;
  for (int t = 0; t < kTiers; ++t) {
    engine::SectionSpec tier;
    tier.name = std::to_string(t + 1);
    const double start = -kTierSpanDeg / 2 + t * per + kAisleDeg / 2;
    const double step = (per - kAisleDeg) / kTierSeats;
    tier.outline = Band(start, start + per - kAisleDeg, kTierRadius - 9,
                        kTierRadius + 14.0 * (kTierRows - 1) + 9);
    for (int r = 0; r < kTierRows; ++r) {
      engine::RowSpec row;
      row.label = std::to_string(r + 1);
      const double radius = kTierRadius + 14.0 * r;
      for (int n = 0; n < kTierSeats; ++n) {
        const double a = (start + (n + 0.5) * step) * std::numbers::pi / 180;
        row.seats.push_back(Seat(n + 1, radius * std::sin(a), radius * std::cos(a)));
      }
      tier.rows.push_back(std::move(row));
    }
    v->sections.push_back(std::move(tier));
  }
  return v;
}

}  // namespace cm::app
