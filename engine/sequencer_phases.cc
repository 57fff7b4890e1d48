// Sale phases and member lists (ConcertSpec::phases, engine/member_list.h):
//   (time)            -> SalePhaseBegan, when a phase closes and another follows
//   ListMembers       -> MembersListed (admins)
//   ClaimMemberCode   -> MemberCodeClaimed
#include "engine/reject.h"
#include "engine/sequencer.h"

namespace cm::engine {

void Sequencer::BeginDuePhases(EventSink& sink) {
  for (ConcertId id : state_.phased()) {
    // Each event moves one concert one phase on; a long pause may move it several.
    for (const Concert* c = state_.FindConcert(id);
         c->phase + 1 < c->spec->phase_count() && c->spec->phases[c->phase].closes_at <= now_;)
      Emit(SalePhaseBegan{id, c->phase + 1}, nullptr, nullptr, false, sink);
  }
}

EventBody Sequencer::DecideListMembers(const Command& cmd, const ListMembersCmd& c) {
  if (!IsAdmin(cmd)) return Reject(cmd, ResultCode::kForbidden, 0, "only an admin lists members");
  const Concert* concert = state_.FindConcert(c.concert);
  if (concert == nullptr) return Reject(cmd, ResultCode::kUnknownConcert, c.concert);
  if (c.entries.size() > kMaxMembersPerUpload)
    return Reject(cmd, ResultCode::kInvalidArgument, kMaxMembersPerUpload,
                  "at most " + std::to_string(kMaxMembersPerUpload) + " members at once");
  const std::size_t kept = c.replace ? 0 : concert->members.size();
  if (kept + c.entries.size() > kMaxMembers)
    return Reject(cmd, ResultCode::kInvalidArgument, kMaxMembers,
                  "a member list holds at most " + std::to_string(kMaxMembers) + " entries");
  for (uint64_t e : c.entries)
    if (e == 0) return Reject(cmd, ResultCode::kInvalidArgument, 0, "an entry of 0");
  return MembersListed{c.concert, c.replace, c.entries};
}

EventBody Sequencer::DecideClaimMemberCode(const Command& cmd, const ClaimMemberCodeCmd& c) {
  if (!state_.HasUser(cmd.actor)) return Reject(cmd, ResultCode::kUnknownUser, cmd.actor);
  const Concert* concert = state_.FindConcert(c.concert);
  if (concert == nullptr) return Reject(cmd, ResultCode::kUnknownConcert, c.concert);
  if (state_.IsMember(*concert, cmd.actor))
    return Reject(cmd, ResultCode::kAlreadyAMember, c.concert);
  if (!concert->members.Has(c.entry))
    return Reject(cmd, ResultCode::kUnknownMemberCode, c.concert);
  if (concert->members.ClaimedBy(c.entry) != 0)
    return Reject(cmd, ResultCode::kMemberCodeTaken, c.concert);
  return MemberCodeClaimed{c.concert, cmd.actor, c.entry};
}

}  // namespace cm::engine
