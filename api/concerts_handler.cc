// Public concert pages: the list, details with availability per grade, and the seat map
// (whole, gzip-compressed when the client accepts it, or one section at a time).
#include "api/concerts_handler.h"

#include <algorithm>

#include "api/replies.h"
#include "api/request_input.h"
#include "api/resource_replies.h"
#include "http/gzip.h"
#include "views/resource_json.h"
#include "views/venue_layout.h"

namespace cm::api {

using http::AcceptsGzip;
using http::Gzip;
using views::RenderSeatMap;
using views::SalesStatusOf;
using views::WriteConcertSummary;

void ConcertsHandler::ListConcerts(const ExPtr& ex) {
  const std::string_view target = ex->req.target();
  const std::string_view filter = QueryParam(target, "status");
  if (!filter.empty() && filter != "all" && filter != "upcoming" && filter != "on_sale")
    return Fail(ex,
                Problem(422, "VALIDATION_FAILED", "status: must be one of all, upcoming, on_sale")
                    .With([](JsonWriter& w) { w.Field("field", "status"); }));
  int64_t page, size;
  if (!Paging(ex, &page, &size)) return;
  const int64_t now = ex->received_ms;
  std::string body = reads_.Read([&](const engine::EngineState& s) {
    std::vector<const engine::Concert*> picked;
    for (const auto& [id, c] : s.concerts()) {
      if (filter == "upcoming" && c->spec->starts_at <= now) continue;
      if (filter == "on_sale" && SalesStatusOf(*c, now) != "ON_SALE") continue;
      picked.push_back(c.get());
    }
    std::sort(picked.begin(), picked.end(), [](const auto* a, const auto* b) {
      return a->spec->starts_at != b->spec->starts_at ? a->spec->starts_at < b->spec->starts_at
                                                      : a->id < b->id;
    });
    JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    const auto first = static_cast<std::size_t>(page * size);
    for (std::size_t i = first; i < picked.size() && i < first + static_cast<std::size_t>(size);
         ++i)
      WriteConcertSummary(w, *picked[i], now);
    w.EndArray()
        .Field("page", page)
        .Field("size", size)
        .Field("total", static_cast<uint64_t>(picked.size()))
        .EndObject();
    return w.Take();
  });
  Json(ex, 200, std::move(body));
}

void ConcertsHandler::GetConcert(const ExPtr& ex, std::string_view id_text) {
  auto id = IdParam(ex, id_text, "concert");
  if (id) ReplyConcert(ex, reads_, *id, 200);
}

void ConcertsHandler::GetSeats(const ExPtr& ex, std::string_view id_text) {
  auto id = IdParam(ex, id_text, "concert");
  if (!id) return;
  const std::string_view section = QueryParam(ex->req.target(), "section");
  if (!section.empty()) return GetSectionSeats(ex, *id, section);
  const auto rendered =
      reads_.CachedRender(*id, [&](const engine::EngineState& s, engine::Seq version) {
        const engine::Concert* c = s.FindConcert(*id);
        return c ? RenderSeatMap(*c, version) : std::string();
      });
  if (!rendered.body || rendered.body->empty())
    return Fail(ex, 404, "UNKNOWN_CONCERT", "no concert with id " + std::to_string(*id));
  const std::string etag =
      "\"" + std::to_string(*id) + "-" + std::to_string(rendered.version) + "\"";
  const std::string_view inm = ex->req[http::field::if_none_match];
  if (!inm.empty() && (inm == etag || inm == "*" || inm.find(etag) != std::string_view::npos)) {
    Response res{http::status::not_modified, ex->req.version()};
    res.set(http::field::etag, etag);
    res.keep_alive(ex->req.keep_alive());
    return ex->responder->Send(std::move(res));
  }
  // A big venue's whole map is megabytes of repetitive JSON: compressed once per version for
  // every client that accepts gzip (the booking page's browser does).
  if (rendered.body->size() >= kGzipFrom && AcceptsGzip(ex->req[http::field::accept_encoding])) {
    std::shared_ptr<const std::string> gz;
    {
      std::lock_guard lock(gzip_mu_);
      auto it = gzipped_maps_.find(*id);
      if (it != gzipped_maps_.end() && it->second.first == rendered.version) gz = it->second.second;
    }
    if (!gz) {
      gz = std::make_shared<const std::string>(Gzip(*rendered.body));
      std::lock_guard lock(gzip_mu_);
      gzipped_maps_[*id] = {rendered.version, gz};
    }
    Response res{http::status::ok, ex->req.version()};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::content_encoding, "gzip");
    res.set(http::field::vary, "Accept-Encoding");
    res.set(http::field::etag, etag);
    res.set(http::field::cache_control, "no-cache");
    res.keep_alive(ex->req.keep_alive());
    res.body() = *gz;
    res.prepare_payload();
    return ex->responder->Send(std::move(res));
  }
  Json(ex, 200, *rendered.body,
       {{http::field::etag, etag},
        {http::field::cache_control, "no-cache"},
        {http::field::vary, "Accept-Encoding"}});
}

void ConcertsHandler::GetLayout(const ExPtr& ex, std::string_view id_text) {
  auto id = IdParam(ex, id_text, "concert");
  if (!id) return;
  // ?section=NAME: that section's seats and their places, for the page to draw when opened.
  const std::optional<std::string> section =
      http::PercentDecode(QueryParam(ex->req.target(), "section"));
  if (!section) return Fail(ex, 422, "VALIDATION_FAILED", "section: not a valid percent-encoding");
  bool concert_known = false;
  std::string body = reads_.Read([&](const engine::EngineState& s) {
    const engine::Concert* c = s.FindConcert(*id);
    if (c == nullptr) return std::string();
    concert_known = true;
    JsonWriter w;
    if (section->empty()) {
      views::WriteVenueLayout(w, *c->venue);
      return w.Take();
    }
    const auto& sections = c->venue->spec->sections;
    for (std::size_t k = 0; k < sections.size(); ++k)
      if (sections[k].name == *section) {
        views::WriteSectionPlan(w, *c->venue, k);
        return w.Take();
      }
    return std::string();
  });
  if (!concert_known)
    return Fail(ex, 404, "UNKNOWN_CONCERT", "no concert with id " + std::to_string(*id));
  if (body.empty())
    return Fail(ex, 404, "UNKNOWN_SECTION",
                "section: '" + *section + "' is not a section of this venue");
  // A venue never changes shape.
  Json(ex, 200, std::move(body), {{http::field::cache_control, "public, max-age=3600"}});
}

void ConcertsHandler::GetSectionSeats(const ExPtr& ex, engine::ConcertId id,
                                      std::string_view section) {
  std::optional<std::size_t> known;
  const engine::Seq version = reads_.ConcertVersion(id);  // (not under Read: it locks too)
  std::string body = reads_.Read([&](const engine::EngineState& s) {
    const engine::Concert* c = s.FindConcert(id);
    if (c == nullptr) return std::string();
    const auto& sections = c->venue->spec->sections;
    for (std::size_t k = 0; k < sections.size(); ++k)
      if (sections[k].name == section) known = k;
    if (!known) return std::string();
    return RenderSeatMap(*c, version, known);
  });
  if (body.empty() && !known) {
    const bool concert_exists =
        reads_.Read([&](const engine::EngineState& s) { return s.FindConcert(id) != nullptr; });
    if (!concert_exists)
      return Fail(ex, 404, "UNKNOWN_CONCERT", "no concert with id " + std::to_string(id));
    return Fail(ex, 404, "UNKNOWN_SECTION",
                "section: '" + std::string(section) + "' is not a section of this venue");
  }
  Json(ex, 200, std::move(body), {{http::field::cache_control, "no-cache"}});
}

}  // namespace cm::api
