// Sale phases and member lists (ConcertSpec::phases, engine/member_list.h).
#include <algorithm>
#include <string>

#include "engine/engine_state.h"

namespace cm::engine {

namespace {
std::string At(const Event& e) { return "event seq " + std::to_string(e.seq) + ": "; }
}  // namespace

void EngineState::IndexConcert(const Concert& c) {
  // Ids only grow and snapshots list concerts ascending: both lists stay sorted.
  if (c.spec->HasWaitingRoom()) rooms_.push_back(c.id);
  if (c.spec->phase_count() > 1) phased_.push_back(c.id);
}

void EngineState::PlanNextPhase() {
  next_phase_at_ = kNever;
  for (ConcertId id : phased_) {
    const Concert& c = *concerts_.at(id);
    if (c.phase + 1 < c.spec->phase_count())
      next_phase_at_ = std::min(next_phase_at_, c.spec->phases[c.phase].closes_at);
  }
}

bool EngineState::IsMember(const Concert& c, UserId user) const {
  if (c.members.ClaimOf(user) != 0) return true;
  const User* u = FindUser(user);
  // Emails are stored lower-cased, as the list's are normalised.
  return u != nullptr &&
         c.members.Has(NormalisedMemberEntry(c.spec->member_key, MemberKind::kEmail, u->email));
}

Status EngineState::ApplySalePhases(const Event& e) {
  auto concert = [&](ConcertId id) -> Concert* {
    auto it = concerts_.find(id);
    return it == concerts_.end() ? nullptr : it->second.get();
  };
  switch (TypeOf(e)) {
    case EventType::kSalePhaseBegan: {
      const auto& b = std::get<SalePhaseBegan>(e.body);
      Concert* c = concert(b.concert);
      if (c == nullptr || b.phase != c->phase + 1 || b.phase >= c->spec->phase_count() ||
          e.ts < c->spec->phases[c->phase].closes_at)
        return Status::Corruption(At(e) + "phase " + std::to_string(b.phase) +
                                  " cannot begin in concert " + std::to_string(b.concert));
      c->EnterPhase(b.phase);
      // Holds placed in the phase before are still live; the new room counts them as its own
      // (a hold's end is told to whichever room is current).
      if (c->room)
        for (const auto& [id, r] : reservations_)
          if (r.concert == c->id && IsLive(r.status)) c->room->OnHoldPlaced(r.user);
      PlanNextPhase();
      return Status::OK();
    }
    case EventType::kMembersListed: {
      const auto& b = std::get<MembersListed>(e.body);
      Concert* c = concert(b.concert);
      if (c == nullptr || b.entries.size() > kMaxMembersPerUpload)
        return Status::Corruption(At(e) + "members cannot be listed");
      if (b.replace ? !c->members.Replace(b.entries) : !c->members.Add(b.entries))
        return Status::Corruption(At(e) + "the member list would pass its cap");
      return Status::OK();
    }
    case EventType::kMemberCodeClaimed: {
      const auto& b = std::get<MemberCodeClaimed>(e.body);
      Concert* c = concert(b.concert);
      if (c == nullptr || !HasUser(b.user) || !c->members.Claim(b.entry, b.user))
        return Status::Corruption(At(e) + "the member code cannot be claimed");
      return Status::OK();
    }
    case EventType::kQueueCommitted: {
      const auto& b = std::get<QueueCommitted>(e.body);
      Concert* c = concert(b.concert);
      // Before anyone joins the phase's room: a phase to come, or the current one still empty.
      const bool fits = c != nullptr && b.phase < c->draws.size() && b.phase >= c->phase &&
                        !c->draws[b.phase].committed &&
                        c->spec->Phase(b.phase).waiting_room->enabled &&
                        (b.phase > c->phase ||
                         (c->room && c->room->untouched()));
      if (!fits || b.commitment != CommitmentOf(b.seed, b.concert, b.phase))
        return Status::Corruption(At(e) + "phase " + std::to_string(b.phase) + " of concert " +
                                  std::to_string(b.concert) + " cannot commit to a draw");
      OpeningDraw& d = c->draws[b.phase];
      d.committed = true;
      d.seed = b.seed;
      d.key = b.key;
      d.commitment = b.commitment;
      d.key_commitment = CommitmentOf(b.key, b.concert, b.phase);
      d.committed_at = e.ts;
      d.committed_seq = e.seq;
      if (b.phase == c->phase) c->room->UseDraw(&d);
      return Status::OK();
    }
    default:
      return Status::Corruption(At(e) + "not an event of this area");
  }
}

}  // namespace cm::engine
