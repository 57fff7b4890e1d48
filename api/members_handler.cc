#include "api/members_handler.h"

#include <algorithm>

#include "api/replies.h"
#include "api/request_input.h"
#include "engine/member_list.h"

namespace cm::api {

using engine::Event;
using engine::MemberKind;

namespace {

// The member entries of one array of texts; false (with the field and reason in `f`) when one
// is not a string of 1 to 254 characters or has nothing left once normalised.
bool ReadEntries(FieldReader& f, const char* name, MemberKind kind,
                 const engine::SipKey& key, std::vector<uint64_t>* out) {
  if (!f.Has(name)) return true;
  simdjson::dom::array list;
  if (!f.Array(name, &list, 0, engine::kMaxMembersPerUpload)) return false;
  std::size_t i = 0;
  for (auto item : list) {
    const std::string at = std::string(name) + "[" + std::to_string(i++) + "]";
    std::string_view text;
    if (item.get(text) || text.empty() || text.size() > 254)
      return f.Fail(at, "must be a string of 1 to 254 characters");
    std::string normal(text);
    if (kind == MemberKind::kEmail) {
      // As accounts' emails are checked and stored (lower-cased), or it could match none.
      const std::size_t first = normal.find_first_not_of(" \t\r\n");
      const std::size_t last = normal.find_last_not_of(" \t\r\n");
      normal = first == std::string::npos ? std::string() : normal.substr(first, last - first + 1);
      std::string why;
      if (!NormaliseEmail(&normal, &why)) return f.Fail(at, why);
      out->push_back(engine::NormalisedMemberEntry(key, kind, normal));
      continue;
    }
    normal = engine::NormaliseMemberText(kind, text);
    if (normal.empty()) return f.Fail(at, "has nothing but spaces and hyphens");
    if (std::any_of(normal.begin(), normal.end(), [](char ch) { return ch < 0x21 || ch > 0x7e; }))
      return f.Fail(at, "a member code is letters, digits and ASCII signs");
    out->push_back(engine::NormalisedMemberEntry(key, kind, normal));
  }
  return true;
}

}  // namespace

void MembersHandler::ListMembers(const ExPtr& ex, std::string_view concert_text) {
  auto claims = ctx_.Authenticate(ex, true);
  if (!claims) return;
  auto concert = IdParam(ex, concert_text, "concert");
  if (!concert) return;
  auto body = Body(ex);
  if (!body) return;
  // The key is the concert's own; entries are hashed here so the engine never sees the list.
  const auto key = reads_.Read([&](const engine::EngineState& s) {
    const engine::Concert* c = s.FindConcert(*concert);
    return c ? std::optional<engine::SipKey>(c->spec->member_key) : std::nullopt;
  });
  if (!key) return Fail(ex, 404, "UNKNOWN_CONCERT", "no concert with id " + std::to_string(*concert));
  if (*key == engine::SipKey{})
    return Fail(ex, 409, "NO_MEMBERS_ONLY_PHASE",
                "this concert has no members-only phase, so it keeps no member list");
  FieldReader f(*body);
  bool replace = false;
  if (f.Has("replace") && (*body)["replace"].get(replace))
    f.Fail("replace", "must be true or false");
  engine::ListMembersCmd list{*concert, replace, {}};
  f.ok() && ReadEntries(f, "emails", MemberKind::kEmail, *key, &list.entries) &&
      ReadEntries(f, "codes", MemberKind::kCode, *key, &list.entries);
  if (f.ok() && list.entries.size() > engine::kMaxMembersPerUpload)
    f.Fail("codes", "at most " + std::to_string(engine::kMaxMembersPerUpload) +
                        " emails and codes in one upload; send the rest in more");
  if (f.ok() && list.entries.empty() && !replace)
    f.Fail("codes", "give emails or codes (or \"replace\": true to empty the list)");
  if (!f.ok()) return FailInput(ex, f.error());
  std::sort(list.entries.begin(), list.entries.end());
  list.entries.erase(std::unique(list.entries.begin(), list.entries.end()), list.entries.end());
  auto cmd = NewCommand(ex, *claims);
  if (!cmd) return;
  const std::size_t given = list.entries.size();
  cmd->body = std::move(list);
  ctx_.Submit(ex, std::move(*cmd), [this, ex, concert = *concert, given](const Event& e) {
    if (engine::OutcomeOf(e).code != engine::ResultCode::kOk) return FailEvent(ex, e);
    const auto counts = reads_.Read([&](const engine::EngineState& s) {
      const engine::Concert* c = s.FindConcert(concert);
      return std::pair<uint64_t, uint64_t>(c ? c->members.size() : 0,
                                           c ? c->members.claimed() : 0);
    });
    JsonWriter w;
    w.BeginObject()
        .Field("concertId", concert)
        .Field("received", static_cast<uint64_t>(given))
        .Field("members", counts.first)
        .Field("codesClaimed", counts.second)
        .EndObject();
    Json(ex, 200, w.Take());
  });
}

void MembersHandler::ReplyMembership(const ExPtr& ex, engine::ConcertId concert,
                                     engine::UserId user, int status) {
  struct Found {
    bool concert = false, member = false, by_code = false, members_only = false;
  };
  const Found f = reads_.Read([&](const engine::EngineState& s) {
    Found out;
    const engine::Concert* c = s.FindConcert(concert);
    if (c == nullptr) return out;
    out.concert = true;
    out.by_code = c->members.ClaimOf(user) != 0;
    out.member = out.by_code || s.IsMember(*c, user);
    for (const engine::SalePhase& p : c->spec->phases) out.members_only |= p.members_only;
    return out;
  });
  if (!f.concert)
    return Fail(ex, 404, "UNKNOWN_CONCERT", "no concert with id " + std::to_string(concert));
  JsonWriter w;
  w.BeginObject()
      .Field("concertId", concert)
      .Field("hasMembersOnlyPhase", f.members_only)
      .Field("member", f.member)
      .Key("via");
  if (f.member)
    w.String(f.by_code ? "CODE" : "EMAIL");
  else
    w.Null();
  Json(ex, status, w.EndObject().Take(), {{http::field::cache_control, "no-store"}});
}

void MembersHandler::GetMembership(const ExPtr& ex, std::string_view concert_text) {
  auto claims = ctx_.Authenticate(ex, false);
  if (!claims) return;
  auto concert = IdParam(ex, concert_text, "concert");
  if (!concert) return;
  ReplyMembership(ex, *concert, claims->sub, 200);
}

void MembersHandler::ClaimCode(const ExPtr& ex, std::string_view concert_text) {
  auto claims = ctx_.Authenticate(ex, false);
  if (!claims) return;
  auto concert = IdParam(ex, concert_text, "concert");
  if (!concert) return;
  auto body = Body(ex);
  if (!body) return;
  FieldReader f(*body);
  std::string code;
  f.String("code", &code, 1, 64);
  if (f.ok() && engine::NormaliseMemberText(MemberKind::kCode, code).empty())
    f.Fail("code", "has nothing but spaces and hyphens");
  if (!f.ok()) return FailInput(ex, f.error());
  int retry_after = 1;
  if (!claim_backoff_.TryStart(claims->sub, ex->received_ms, &retry_after))
    return TryLater(ex, 429, "MEMBER_CODE_RATE_LIMITED",
                    "too many member codes tried; wait before the next", retry_after);
  const auto key = reads_.Read([&](const engine::EngineState& s) {
    const engine::Concert* c = s.FindConcert(*concert);
    return c ? std::optional<engine::SipKey>(c->spec->member_key) : std::nullopt;
  });
  if (!key) return Fail(ex, 404, "UNKNOWN_CONCERT", "no concert with id " + std::to_string(*concert));
  auto cmd = NewCommand(ex, *claims);
  if (!cmd) return;
  cmd->body = engine::ClaimMemberCodeCmd{*concert, engine::MemberEntry(*key, MemberKind::kCode, code)};
  ctx_.Submit(ex, std::move(*cmd), [this, ex, concert = *concert, user = claims->sub](const Event& e) {
    const engine::ResultCode code = engine::OutcomeOf(e).code;
    if (code == engine::ResultCode::kOk || code == engine::ResultCode::kAlreadyAMember) {
      claim_backoff_.Succeeded(user);
      return ReplyMembership(ex, concert, user,
                             std::holds_alternative<engine::MemberCodeClaimed>(e.body) ? 201 : 200);
    }
    FailEvent(ex, e);
  });
}

}  // namespace cm::api
