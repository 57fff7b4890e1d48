#include "live/delta_json.h"

#include "json/json_writer.h"

namespace cm::live {

std::string RenderDelta(const DeltaHeader& h, std::span<const SeatChange> changes) {
  json::JsonWriter w;
  w.BeginObject()
      .Field("type", "delta")
      .Field("concertId", h.concert)
      .Field("prevSeq", h.prev_seq)
      .Field("seq", h.seq)
      .Field("durableAtUs", h.durable_at_us);
  if (h.leader_sent_us != 0) w.Field("leaderSentAtUs", h.leader_sent_us);
  if (h.phase >= 0) w.Field("phase", static_cast<int64_t>(h.phase));
  w.Key("changes").BeginArray();
  for (const SeatChange& c : changes)
    w.BeginArray().Uint(c.seat).String(std::string_view(&c.status, 1)).EndArray();
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace cm::live
