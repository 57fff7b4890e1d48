#include "tickets/door_bundle.h"

#include <simdjson.h>

#include <algorithm>
#include <vector>

#include "json/json_writer.h"

namespace cm::tickets {
namespace {

constexpr std::string_view kFormat = "concertmania-door-bundle/1";

void WriteIds(json::JsonWriter& w, std::string_view name, std::vector<engine::TicketId> ids) {
  std::sort(ids.begin(), ids.end());
  w.Key(name).BeginArray();
  for (engine::TicketId id : ids) w.Uint(id);
  w.EndArray();
}

}  // namespace

std::string ExportDoorBundle(const engine::EngineState& state, engine::ConcertId concert,
                             const PublicKey& key, std::string_view generated_at) {
  std::vector<std::pair<engine::TicketId, uint32_t>> versions;
  std::vector<engine::TicketId> revoked, used;
  for (const auto& [id, t] : state.tickets()) {
    if (t.concert != concert) continue;
    versions.emplace_back(id, t.version);
    if (t.state == engine::TicketState::kRevoked) revoked.push_back(id);
    if (t.state == engine::TicketState::kCheckedIn) used.push_back(id);
  }
  std::sort(versions.begin(), versions.end());
  const engine::Concert* c = state.FindConcert(concert);
  json::JsonWriter w;
  w.BeginObject()
      .Field("format", kFormat)
      .Field("concert", concert)
      .Field("title", c ? std::string_view(c->spec->title) : std::string_view())
      .Field("asOfSeq", state.last_seq())
      .Field("generatedAt", generated_at)
      .Field("publicKey", PublicKeyText(key));
  w.Key("tickets").BeginArray();
  for (const auto& [id, version] : versions) w.BeginArray().Uint(id).Uint(version).EndArray();
  w.EndArray();
  WriteIds(w, "revoked", std::move(revoked));
  WriteIds(w, "checkedIn", std::move(used));
  w.EndObject();
  return w.Take();
}

Result<DoorBundle> ParseDoorBundle(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS)
    return Status::InvalidArgument("the bundle is not JSON");
  auto bad = [](std::string_view what) {
    return Status::InvalidArgument("the bundle's " + std::string(what) + " is missing or malformed");
  };
  DoorBundle b;
  std::string_view format, key, title;
  if (doc["format"].get(format) != simdjson::SUCCESS || format != kFormat)
    return Status::InvalidArgument("not a door bundle of format " + std::string(kFormat));
  if (doc["concert"].get(b.concert) != simdjson::SUCCESS) return bad("concert");
  if (doc["asOfSeq"].get(b.as_of_seq) != simdjson::SUCCESS) return bad("asOfSeq");
  if (doc["title"].get(title) == simdjson::SUCCESS) b.title = std::string(title);
  if (doc["publicKey"].get(key) != simdjson::SUCCESS) return bad("publicKey");
  auto parsed = ParsePublicKey(key);
  if (!parsed) return bad("publicKey");
  b.key = *parsed;
  simdjson::dom::array tickets, revoked, used;
  if (doc["tickets"].get(tickets) != simdjson::SUCCESS) return bad("tickets");
  for (simdjson::dom::element pair : tickets) {
    simdjson::dom::array a;
    uint64_t id = 0, version = 0;
    if (pair.get(a) != simdjson::SUCCESS || a.size() != 2 || a.at(0).get(id) != simdjson::SUCCESS ||
        a.at(1).get(version) != simdjson::SUCCESS || version == 0 || version > UINT32_MAX)
      return bad("tickets");
    b.versions[id] = static_cast<uint32_t>(version);
  }
  auto ids = [&](const char* name, std::unordered_set<engine::TicketId>* out) {
    simdjson::dom::array a;
    if (doc[name].get(a) != simdjson::SUCCESS) return false;
    for (simdjson::dom::element e : a) {
      uint64_t id = 0;
      if (e.get(id) != simdjson::SUCCESS) return false;
      out->insert(id);
    }
    return true;
  };
  if (!ids("revoked", &b.revoked)) return bad("revoked");
  if (!ids("checkedIn", &b.checked_in)) return bad("checkedIn");
  return b;
}

std::string_view ToString(OfflineVerdict v) {
  switch (v) {
    case OfflineVerdict::kAdmit: return "ADMITTED";
    case OfflineVerdict::kInvalidTicket: return "INVALID_TICKET";
    case OfflineVerdict::kWrongConcert: return "WRONG_CONCERT";
    case OfflineVerdict::kUnknownTicket: return "UNKNOWN_TICKET";
    case OfflineVerdict::kRevoked: return "REVOKED";
    case OfflineVerdict::kAlreadyUsed: return "ALREADY_USED";
  }
  return "UNKNOWN";
}

OfflineVerdict VerifyOffline(const DoorBundle& bundle, std::string_view code, TicketClaim* claim) {
  const auto c = VerifyTicketCode(code, bundle.key);
  if (!c) return OfflineVerdict::kInvalidTicket;
  if (claim != nullptr) *claim = *c;
  if (c->concert != bundle.concert) return OfflineVerdict::kWrongConcert;
  auto it = bundle.versions.find(c->ticket);
  if (it == bundle.versions.end()) return OfflineVerdict::kUnknownTicket;
  if (bundle.revoked.contains(c->ticket) || it->second != c->version)
    return OfflineVerdict::kRevoked;
  if (bundle.checked_in.contains(c->ticket)) return OfflineVerdict::kAlreadyUsed;
  return OfflineVerdict::kAdmit;
}

}  // namespace cm::tickets
