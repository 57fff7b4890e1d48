#pragma once
// Tickets as their holders see them: the list, one ticket with its signed code, its QR code,
// the public key that checks codes, and offering a ticket to someone else. Codes are signed here
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
  // A transfer is an offer to an email (202 OFFERED, whoever has it or not); the account with
  // that email accepts or declines it, and the holder may withdraw it until then.
  void Transfer(const ExPtr& ex, std::string_view id);
  void AcceptTransfer(const ExPtr& ex, std::string_view id);
  void EndTransferOffer(const ExPtr& ex, std::string_view id);
  void OffersToMe(const ExPtr& ex);

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
