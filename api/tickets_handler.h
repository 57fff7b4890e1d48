#pragma once
// Tickets as their holders see them: the list, one ticket with its signed code, its QR code,
// the public key that checks codes, and giving a ticket to someone else. Codes are signed here
// (never in the engine) each time one is shown; Ed25519 makes that the same code every time.
#include <string_view>

#include "api/request_context.h"
#include "tickets/signing_key.h"

namespace cm::api {

class TicketsHandler {
 public:
  TicketsHandler(RequestContext& ctx, const tickets::SigningKey& key)
      : ctx_(ctx), reads_(ctx.reads()), key_(key) {}

  void PublicKey(const ExPtr& ex);
  void MyTickets(const ExPtr& ex);
  void GetTicket(const ExPtr& ex, std::string_view id);
  void GetQr(const ExPtr& ex, std::string_view id);
  void Transfer(const ExPtr& ex, std::string_view id);

 private:
  // The ticket if the caller holds it (admins see every ticket); answers 404 itself otherwise,
  // exactly as for a missing one, so ids cannot be probed.
  std::optional<engine::Ticket> Visible(const ExPtr& ex, const auth::AccessClaims& claims,
                                        engine::TicketId id);
  // The ticket's JSON, with its code while it is valid.
  std::string Render(const engine::Ticket& t);

  RequestContext& ctx_;
  readmodel::ReadModel& reads_;
  const tickets::SigningKey& key_;
};

}  // namespace cm::api
