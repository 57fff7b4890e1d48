// The sequencer's decisions for support: what an operator does for (or against) one account
// or one ticket, each with the operator and their reason journaled.
//
//   RevokeTicket      -> TicketRevoked (the seat stays sold; the codes stop admitting)
//   SetAccountStatus  -> AccountStatusChanged (a disabled account's sessions end with it)
#include "engine/reject.h"
#include "engine/sequencer.h"

namespace cm::engine {

EventBody Sequencer::DecideRevokeTicket(const Command& cmd, const RevokeTicketCmd& c) {
  if (!IsAdmin(cmd)) return Reject(cmd, ResultCode::kForbidden, 0, "admin only");
  if (c.reason.empty() || c.reason.size() > kMaxSupportReason)
    return Reject(cmd, ResultCode::kInvalidArgument, 0, "a reason of 1 to 500 bytes is required");
  const Ticket* t = state_.FindTicket(c.ticket);
  if (t == nullptr) return Reject(cmd, ResultCode::kUnknownTicket, c.ticket);
  if (t->state == TicketState::kCheckedIn)
    return Reject(cmd, ResultCode::kTicketCheckedIn, static_cast<uint64_t>(t->checked_in_at));
  if (t->state == TicketState::kRevoked) return Reject(cmd, ResultCode::kTicketRevoked, t->version);
  return TicketRevoked{t->id, t->concert, t->holder, cmd.actor, c.reason};
}

EventBody Sequencer::DecideAccountStatus(const Command& cmd, const SetAccountStatusCmd& c) {
  if (!IsAdmin(cmd)) return Reject(cmd, ResultCode::kForbidden, 0, "admin only");
  if (c.reason.size() > kMaxSupportReason)
    return Reject(cmd, ResultCode::kInvalidArgument, 0, "a reason is at most 500 bytes");
  const User* u = state_.FindUser(c.user);
  if (u == nullptr) return Reject(cmd, ResultCode::kUnknownUser, c.user);
  // An admin cannot lock themselves out, so some admin can always undo a mistake.
  if (c.user == cmd.actor)
    return Reject(cmd, ResultCode::kForbidden, c.user, "an admin cannot disable their own account");
  if (u->disabled == c.disabled)
    return Reject(cmd, ResultCode::kInvalidArgument, c.user,
                  c.disabled ? "the account is disabled already" : "the account is not disabled");
  return AccountStatusChanged{c.user, c.disabled, cmd.actor, c.reason};
}

}  // namespace cm::engine
