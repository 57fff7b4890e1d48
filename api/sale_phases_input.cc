#include "api/sale_phases_input.h"

#include <algorithm>

namespace cm::api {

using http::FieldReader;

namespace {
// The reason alone, from an error whose detail is "<field>: <reason>".
std::string ReasonOf(const http::InputError& e) {
  return e.detail.size() > e.field.size() + 2 ? e.detail.substr(e.field.size() + 2) : e.detail;
}
}  // namespace

bool ReadWaitingRoom(simdjson::dom::object obj, const std::string& path,
                     engine::WaitingRoomSettings* room, FieldReader* outer) {
  FieldReader f(obj);
  int64_t max_active = room->max_active, rate = room->admit_per_second,
          admission_s = room->admission_ttl_ms / 1000, pre_s = room->pre_queue_ms / 1000,
          abandon_s = room->abandon_after_ms / 1000;
  bool enabled = true;
  if (f.Has("enabled") && obj["enabled"].get(enabled))
    return outer->Fail(path + ".enabled", "must be true or false");
  f.OptionalInt("maxActive", &max_active, 1, 1'000'000) &&
      f.OptionalInt("admitPerSecond", &rate, 1, 100'000) &&
      f.OptionalInt("admissionSeconds", &admission_s, 10, 24 * 3600) &&
      f.OptionalInt("preQueueSeconds", &pre_s, 0, 7 * 24 * 3600) &&
      f.OptionalInt("abandonAfterSeconds", &abandon_s, 5, 3600);
  if (!f.ok()) return outer->Fail(path + "." + f.error().field, ReasonOf(f.error()));
  room->enabled = enabled;
  room->max_active = static_cast<uint32_t>(max_active);
  room->admit_per_second = static_cast<uint32_t>(rate);
  room->admission_ttl_ms = admission_s * 1000;
  room->pre_queue_ms = pre_s * 1000;
  room->abandon_after_ms = abandon_s * 1000;
  return true;
}

bool ReadSalePhases(FieldReader& f, engine::ConcertSpec* spec) {
  if (!f.Has("salePhases")) return true;
  simdjson::dom::array list;
  if (!f.Array("salePhases", &list, 1, engine::kMaxSalePhases)) return false;
  std::size_t i = 0;
  uint32_t largest_limit = 0;
  for (auto item : list) {
    const std::string at = "salePhases[" + std::to_string(i++) + "]";
    simdjson::dom::object obj;
    if (item.get(obj)) return f.Fail(at, "must be an object");
    FieldReader p(obj);
    engine::SalePhase phase;
    int64_t limit = spec->max_seats_per_user;
    p.String("name", &phase.name, 1, engine::kMaxPhaseNameBytes) &&
        p.Time("opensAt", &phase.opens_at) && p.Time("closesAt", &phase.closes_at) &&
        p.OptionalInt("maxSeatsPerUser", &limit, 1,
                      static_cast<int64_t>(engine::kMaxSeatsPerHold) * 4);
    if (p.ok() && p.Has("membersOnly") && obj["membersOnly"].get(phase.members_only))
      p.Fail("membersOnly", "must be true or false");
    if (p.ok() && p.Has("waitingRoom")) {
      simdjson::dom::object room;
      if (p.Object("waitingRoom", &room))
        ReadWaitingRoom(room, "waitingRoom", &phase.waiting_room, &p);
    }
    if (!p.ok()) return f.Fail(at + "." + p.error().field, ReasonOf(p.error()));
    phase.max_seats_per_user = static_cast<uint32_t>(limit);
    largest_limit = std::max(largest_limit, phase.max_seats_per_user);
    spec->phases.push_back(std::move(phase));
  }
  // The sale's own window and limit follow from its phases; the engine checks the rest (order,
  // overlap, each room).
  spec->sales_open_at = spec->phases.front().opens_at;
  spec->sales_close_at = spec->phases.back().closes_at;
  spec->max_seats_per_user = largest_limit;
  return true;
}

}  // namespace cm::api
