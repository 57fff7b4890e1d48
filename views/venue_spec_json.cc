#include "views/venue_spec_json.h"

#include "views/venue_layout.h"

namespace cm::views {
namespace {

void WriteCorners(json::JsonWriter& w, const char* key, const engine::Outline& o) {
  if (o.empty()) return;
  w.Key(key).BeginArray();
  for (const engine::PlanPoint& p : o) w.BeginArray().Int(p.x).Int(p.y).EndArray();
  w.EndArray();
}

}  // namespace

void WriteVenueSpec(json::JsonWriter& w, const engine::VenueSpec& spec) {
  w.BeginObject().Field("name", spec.name).Key("grades").BeginArray();
  for (const std::string& g : spec.grades) w.String(g);
  w.EndArray();
  WriteCorners(w, "stage", spec.stage);
  w.Key("sections").BeginArray();
  for (const engine::SectionSpec& section : spec.sections) {
    w.BeginObject().Field("name", section.name);
    WriteCorners(w, "outline", section.outline);
    w.Key("rows").BeginArray();
    for (const engine::RowSpec& row : section.rows) {
      w.BeginObject().Field("label", row.label).Key("seats").BeginArray();
      for (const engine::SeatSpec& s : row.seats) {
        w.BeginObject()
            .Field("number", static_cast<uint64_t>(s.number))
            .Field("grade", spec.grades[s.grade])
            .Field("x", static_cast<int64_t>(s.x))
            .Field("y", static_cast<int64_t>(s.y));
        if (s.attributes != 0) {
          w.Key("attributes");
          WriteSeatAttributes(w, s.attributes);
        }
        w.EndObject();
      }
      w.EndArray().EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
}

}  // namespace cm::views
