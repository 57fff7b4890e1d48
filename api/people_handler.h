#pragma once
// Admin: the people behind the accounts, for support. Finding a customer by email, their page
// (reservations with payments, tickets), disabling an account or enabling it again, finding a
// reservation by id, email or seat, and revoking a ticket. Every change is a command with the
// operator and their reason journaled (engine/sequencer_support.cc).

#include <string_view>

#include "api/request_context.h"

namespace cm::api {

class PeopleHandler {
 public:
  explicit PeopleHandler(RequestContext& ctx) : ctx_(ctx), reads_(ctx.reads()) {}

  // GET /api/admin/users?email=PREFIX&staff=true&after=EMAIL&limit=N: accounts in email order,
  // {"items": [user + disabled], "next": EMAIL (more follow)}.
  void FindUsers(const ExPtr& ex);
  // GET /api/admin/users/{id}: {"user", "reservations" (with their payments), "tickets"}.
  void GetUser(const ExPtr& ex, std::string_view id);
  // POST /api/admin/users/{id}/disable {"reason"} and .../enable: the account as it now stands.
  void SetDisabled(const ExPtr& ex, std::string_view id, bool disabled);
  // GET /api/admin/reservations?id=N | ?email=E | ?concert=C&section=S&row=R&number=N: the
  // reservations found (the seat's: the one holding or owning it now), newest first.
  void FindReservations(const ExPtr& ex);
  // POST /api/admin/tickets/{id}/revoke {"reason"}: the ticket, REVOKED.
  void RevokeTicket(const ExPtr& ex, std::string_view id);

 private:
  void ReplyUser(const ExPtr& ex, engine::UserId id, int status);

  RequestContext& ctx_;
  readmodel::ReadModel& reads_;
};

// The reason an operator gave in the request's body ({"reason"}), "" when the body is empty and
// `required` is false; nullopt after answering 422 or 415.
std::optional<std::string> ReasonOf(const ExPtr& ex, bool required);

}  // namespace cm::api
