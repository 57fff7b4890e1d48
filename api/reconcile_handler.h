#pragma once
// Admin: the engine's side of reconciling with the payment provider (concertmania reconcile).
// Lists the engine's payments in id order, and has the saga refund a charge the provider holds
// under a lost timeline's payment id (an orphan a restore left behind).

#include "api/request_context.h"

namespace cm::api {

class ReconcileHandler {
 public:
  explicit ReconcileHandler(RequestContext& ctx) : ctx_(ctx), reads_(ctx.reads()) {}

  // GET /api/admin/payments?after=ID&limit=N: {"items":[payment...], "next": ID (more follow)}.
  void ListPayments(const ExPtr& ex);
  // POST /api/admin/payments/orphans {"paymentId","amount"}: 202 and the adopted payment.
  void AdoptOrphan(const ExPtr& ex);

 private:
  RequestContext& ctx_;
  readmodel::ReadModel& reads_;
};

}  // namespace cm::api
