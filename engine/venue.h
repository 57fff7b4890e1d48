#pragma once
// A venue: sections, then rows, then seats. VenueSpec is what an admin sends; Venue is the flat
// form the engine works with. Seats of a row are contiguous in the flat table and ordered along
// the row, so "adjacent" means consecutive indexes within one row.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result_code.h"
#include "engine/types.h"

namespace cm::engine {

// What a seat is besides its place and grade (a bit set; record and state formats 16 and 17
// on). A wheelchair space and a companion seat are held back for those who need them until the
// concert's release time (ConcertSpec::accessible); the other two only inform.
enum SeatAttribute : uint8_t {
  kSeatWheelchair = 1,       // a wheelchair space
  kSeatCompanion = 2,        // a companion seat, sold with a wheelchair space
  kSeatRestrictedView = 4,
  kSeatAisle = 8,
};
inline constexpr uint8_t kAllSeatAttributes = 15;
inline constexpr uint8_t kAccessibleSeat = kSeatWheelchair | kSeatCompanion;
inline constexpr SeatAttribute kSeatAttributeList[] = {kSeatWheelchair, kSeatCompanion,
                                                       kSeatRestrictedView, kSeatAisle};
// WHEELCHAIR, COMPANION, RESTRICTED_VIEW, AISLE: the API's names of one bit.
std::string_view ToString(SeatAttribute a);
// The inverse; false for an unknown name.
bool ParseSeatAttribute(std::string_view name, SeatAttribute* out);

struct SeatSpec {
  uint16_t number = 0;  // printed on the ticket; strictly increasing along the row
  uint8_t grade = 0;    // index into VenueSpec::grades
  int32_t x = 0;        // position relative to the stage centre (any unit, the same everywhere)
  int32_t y = 0;
  uint8_t attributes = 0;  // SeatAttribute bits
  bool operator==(const SeatSpec&) const = default;
};

// A point of the venue's plan, in the seats' units (the stage centre is the origin).
struct PlanPoint {
  int32_t x = 0;
  int32_t y = 0;
  bool operator==(const PlanPoint&) const = default;
};
// A closed outline, its corners in order; empty when not drawn by hand.
using Outline = std::vector<PlanPoint>;
inline constexpr std::size_t kMaxOutlinePoints = 256;

struct RowSpec {
  std::string label;
  std::vector<SeatSpec> seats;
  bool operator==(const RowSpec&) const = default;
};

struct SectionSpec {
  std::string name;
  std::vector<RowSpec> rows;
  // Where the section stands on the plan: a curved tier's band, a floor block's rectangle.
  // Empty: drawn as the hull of its seats.
  Outline outline;
  bool operator==(const SectionSpec&) const = default;
};

struct VenueSpec {
  std::string name;
  std::vector<std::string> grades;  // e.g. {"VIP", "R", "S", "A"}
  std::vector<SectionSpec> sections;
  Outline stage;  // empty: the stage is drawn as a plain block at the origin
  bool operator==(const VenueSpec&) const = default;
};

inline constexpr std::size_t kMaxGrades = 32;
inline constexpr std::size_t kMaxVenueSeats = 1u << 24;  // the codec's bound
inline constexpr std::size_t kDefaultMaxVenueSeats = 200'000;  // new venues (EngineConfig)

// Checks a spec; returns kOk or kInvalidVenue. `why` receives a human-readable reason.
ResultCode ValidateVenue(const VenueSpec& spec, std::string* why);
// The rules a venue meets only from the day they were made (journals and snapshots from
// before still load, so replay and snapshots check ValidateVenue alone): section names are
// unique within the venue. Returns kOk or kInvalidVenue.
ResultCode ValidateNewVenue(const VenueSpec& spec, std::string* why);

struct SeatInfo {
  uint32_t row = 0;  // index into Venue::rows
  uint16_t number = 0;
  uint8_t grade = 0;
  uint8_t attributes = 0;  // SeatAttribute bits (in the padding after grade: 16 bytes a seat)
  int32_t x = 0;
  int32_t y = 0;
  // Squared distance to the stage centre; best-available prefers small values.
  int64_t DistanceSquared() const { return int64_t{x} * x + int64_t{y} * y; }
};

struct RowInfo {
  uint32_t section = 0;
  SeatIndex first_seat = 0;
  uint32_t seat_count = 0;
  int64_t nearest = 0;  // the smallest DistanceSquared of its seats
  uint32_t accessible = 0;  // its wheelchair spaces and companion seats
};

// Immutable once built. Thread-safety: read-only, so shareable.
struct Venue {
  VenueId id = 0;
  std::shared_ptr<const VenueSpec> spec;
  std::vector<SeatInfo> seats;
  std::vector<RowInfo> rows;
  // Row indexes by `nearest`, then index: best-available visits rows in this order and stops
  // once no later row can beat what it found.
  std::vector<uint32_t> rows_nearest_first;
  uint32_t wheelchair_spaces = 0;
  uint32_t accessible_seats = 0;  // wheelchair spaces and companion seats
  // Per section: its wheelchair spaces, then its companion seats, each nearest the stage first
  // (ties by index), so an accessible request reads only these (engine/best_available.h).
  std::vector<std::vector<SeatIndex>> wheelchair_by_section, companions_by_section;

  // REQUIRES: ValidateVenue(*spec) == kOk.
  static std::unique_ptr<Venue> Build(VenueId id, std::shared_ptr<const VenueSpec> spec);
  std::size_t seat_count() const { return seats.size(); }
  std::size_t grade_count() const { return spec->grades.size(); }
  std::size_t section_count() const { return spec->sections.size(); }
};

// The seat people name by section, row label and number, if the venue has one.
std::optional<SeatIndex> FindSeat(const Venue& v, std::string_view section, std::string_view row,
                                  uint32_t number);

}  // namespace cm::engine
