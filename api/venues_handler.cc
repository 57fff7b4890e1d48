#include "api/venues_handler.h"

#include <algorithm>
#include <vector>

#include "api/replies.h"
#include "api/request_input.h"
#include "views/resource_json.h"
#include "views/venue_layout.h"
#include "views/venue_spec_json.h"

namespace cm::api {
namespace {

// The concerts scheduled at `venue`, soonest first, with where their sale stands.
void WriteConcertsAt(JsonWriter& w, const engine::EngineState& s, engine::VenueId venue,
                     int64_t now) {
  std::vector<const engine::Concert*> at;
  for (const auto& [id, c] : s.concerts())
    if (c->spec->venue == venue) at.push_back(c.get());
  std::sort(at.begin(), at.end(), [](const auto* a, const auto* b) {
    return a->spec->starts_at != b->spec->starts_at ? a->spec->starts_at < b->spec->starts_at
                                                    : a->id < b->id;
  });
  w.Key("concerts").BeginArray();
  for (const engine::Concert* c : at)
    w.BeginObject()
        .Field("id", c->id)
        .Field("title", c->spec->title)
        .Field("startsAt", json::FormatTime(c->spec->starts_at))
        .Field("salesStatus", views::SalesStatusOf(*c, now))
        .EndObject();
  w.EndArray();
}

void WriteVenueHead(JsonWriter& w, const engine::Venue& v) {
  w.Field("id", v.id)
      .Field("name", v.spec->name)
      .Field("seatCount", static_cast<uint64_t>(v.seat_count()));
  w.Key("grades").BeginArray();
  for (const std::string& g : v.spec->grades) w.String(g);
  w.EndArray();
}

}  // namespace

void VenuesHandler::ListVenues(const ExPtr& ex) {
  if (!ctx_.Authenticate(ex, true)) return;
  int64_t page = 0, size = 0;
  if (!Paging(ex, &page, &size)) return;
  const int64_t now = ex->received_ms;
  std::string body = reads_.Read([&](const engine::EngineState& s) {
    std::vector<engine::VenueId> ids;
    for (const auto& [id, v] : s.venues()) ids.push_back(id);
    std::sort(ids.begin(), ids.end(), std::greater<>());  // the newest first
    JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    const auto first = static_cast<std::size_t>(page * size);
    for (std::size_t i = first; i < ids.size() && i < first + static_cast<std::size_t>(size); ++i) {
      const engine::Venue& v = *s.FindVenue(ids[i]);
      w.BeginObject();
      WriteVenueHead(w, v);
      w.Key("layout");
      views::WriteVenueLayout(w, v);
      WriteConcertsAt(w, s, v.id, now);
      w.EndObject();
    }
    return w.EndArray()
        .Field("page", page)
        .Field("size", size)
        .Field("total", static_cast<uint64_t>(ids.size()))
        .EndObject()
        .Take();
  });
  Json(ex, 200, std::move(body), {{http::field::cache_control, "no-store"}});
}

void VenuesHandler::GetVenue(const ExPtr& ex, std::string_view id_text) {
  if (!ctx_.Authenticate(ex, true)) return;
  auto id = IdParam(ex, id_text, "venue");
  if (!id) return;
  const int64_t now = ex->received_ms;
  std::string body = reads_.Read([&](const engine::EngineState& s) {
    const engine::Venue* v = s.FindVenue(*id);
    if (v == nullptr) return std::string();
    JsonWriter w;
    w.BeginObject();
    WriteVenueHead(w, *v);
    w.Key("spec");
    views::WriteVenueSpec(w, *v->spec);
    WriteConcertsAt(w, s, v->id, now);
    return w.EndObject().Take();
  });
  if (body.empty()) return Fail(ex, 404, "UNKNOWN_VENUE", "no venue with id " + std::to_string(*id));
  Json(ex, 200, std::move(body), {{http::field::cache_control, "no-store"}});
}

}  // namespace cm::api
