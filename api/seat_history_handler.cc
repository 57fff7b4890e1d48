#include "api/seat_history_handler.h"

#include <charconv>

#include "api/replies.h"
#include "api/request_input.h"
#include "views/resource_json.h"

namespace cm::api {
namespace {

// {"id", "email", "name"}; the id alone for an account this replica does not know.
void WritePerson(JsonWriter& w, const char* key, const engine::EngineState& s, engine::UserId id) {
  if (id == 0) return;
  w.Key(key).BeginObject().Field("id", id);
  if (const engine::User* u = s.FindUser(id)) w.Field("email", u->email).Field("name", u->name);
  w.EndObject();
}

}  // namespace

void SeatHistoryHandler::GetHistory(const ExPtr& ex, std::string_view concert_text,
                                    std::string_view seat_text) {
  if (!ctx_.Authenticate(ex, true)) return;
  auto concert = IdParam(ex, concert_text, "concert");
  if (!concert) return;
  uint64_t seat = 0;
  const auto [end, ec] = std::from_chars(seat_text.data(), seat_text.data() + seat_text.size(), seat);
  if (ec != std::errc() || end != seat_text.data() + seat_text.size() || seat > UINT32_MAX)
    return Fail(ex, 422, "VALIDATION_FAILED", "seat: must be a seat id");
  int64_t after = 0, limit = 0;
  if (!QueryNumber(ex, "after", 0, 0, INT64_MAX, &after) ||
      !QueryNumber(ex, "limit", 200, 1, 1000, &limit))
    return;
  bool concert_known = false, seat_known = false;
  reads_.Read([&](const engine::EngineState& s) {
    const engine::Concert* c = s.FindConcert(*concert);
    concert_known = c != nullptr;
    seat_known = c != nullptr && seat < c->venue->seat_count();
    return 0;
  });
  if (!concert_known)
    return Fail(ex, 404, "UNKNOWN_CONCERT", "no concert with id " + std::to_string(*concert));
  if (!seat_known) return Fail(ex, 404, "UNKNOWN_SEAT", "the concert's venue has no seat " + std::to_string(seat));
  if (index_ == nullptr)
    return Fail(ex, 503, "SEAT_HISTORY_UNAVAILABLE", "this server keeps no seat history");
  const engine::Seq indexed = index_->indexed_seq();
  auto found = index_->Query(*concert, static_cast<engine::SeatIndex>(seat),
                             static_cast<engine::Seq>(after), static_cast<std::size_t>(limit) + 1);
  if (!found.ok()) return Fail(ex, 500, "SEAT_HISTORY_FAILED", found.status().ToString());
  const auto& entries = found.value();
  std::string body = reads_.Read([&](const engine::EngineState& s) {
    JsonWriter w;
    w.BeginObject().Field("concertId", *concert).Key("seat");
    views::WriteSeat(w, *s.FindConcert(*concert), static_cast<engine::SeatIndex>(seat));
    // startsAtSeq: 1, or where the journal began when the index first read it (retention).
    w.Field("indexedSeq", indexed).Field("startsAtSeq", index_->starts_at()).Key("entries").BeginArray();
    for (std::size_t i = 0; i < entries.size() && i < static_cast<std::size_t>(limit); ++i) {
      const history::SeatHistoryEntry& e = entries[i];
      w.BeginObject()
          .Field("seq", e.seq)
          .Field("at", json::FormatTime(e.at))
          .Field("kind", history::ToString(e.kind));
      if (e.reservation != 0) w.Field("reservationId", e.reservation);
      if (e.ticket != 0) w.Field("ticketId", e.ticket);
      WritePerson(w, "user", s, e.user);
      WritePerson(w, "by", s, e.by);
      if (!e.detail.empty())
        w.Field(e.kind == history::SeatEventKind::kCheckIn ||
                        e.kind == history::SeatEventKind::kConflict
                    ? "gate"
                    : "reason",
                e.detail);
      w.EndObject();
    }
    w.EndArray();
    if (entries.size() > static_cast<std::size_t>(limit))
      w.Field("next", entries[static_cast<std::size_t>(limit) - 1].seq);
    return w.EndObject().Take();
  });
  Json(ex, 200, std::move(body), {{http::field::cache_control, "no-store"}});
}

}  // namespace cm::api
