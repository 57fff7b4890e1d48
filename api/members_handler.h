#pragma once
// A concert's member list (engine/member_list.h): the admin uploads member codes and emails;
// a fan enters a code, or is a member by the email of their account, and may then buy in the
// concert's members-only phases (선예매).
//   PUT  /api/admin/concerts/{id}/members        {"replace", "emails": [...], "codes": [...]}
//   GET  /api/v1/concerts/{id}/membership        whether the caller is a member, and how
//   POST /api/v1/concerts/{id}/membership        {"code"}: claim a member code
#include <string_view>

#include "api/edge_limits.h"
#include "api/request_context.h"

namespace cm::api {

class MembersHandler {
 public:
  explicit MembersHandler(RequestContext& ctx)
      : ctx_(ctx),
        reads_(ctx.reads()),
        // Codes are secrets a fan types: a few tries at once, then each waits twice as long
        // (up to 10 minutes), so guessing a short code costs a bot days per account.
        claim_backoff_(5, 2'000, 600'000) {}

  void ListMembers(const ExPtr& ex, std::string_view concert_id);
  void GetMembership(const ExPtr& ex, std::string_view concert_id);
  void ClaimCode(const ExPtr& ex, std::string_view concert_id);

 private:
  void ReplyMembership(const ExPtr& ex, engine::ConcertId concert, engine::UserId user,
                       int status);

  RequestContext& ctx_;
  readmodel::ReadModel& reads_;
  AttemptBackoff claim_backoff_;
};

}  // namespace cm::api
