#pragma once
// Payments: start paying for a held reservation, and follow the payment. The saga itself runs
// in the engine (decisions) and the payment worker (calls to the provider); this handler only
// turns requests into commands and durable state into replies.
#include <string_view>

#include "api/api_options.h"
#include "api/request_context.h"

namespace cm::api {

class PaymentsHandler {
 public:
  PaymentsHandler(RequestContext& ctx, const ApiOptions& options)
      : ctx_(ctx), reads_(ctx.reads()), options_(options) {}

  void CreatePayment(const ExPtr& ex);
  void GetPayment(const ExPtr& ex, std::string_view id);

 private:
  // Reply with a payment the read model knows (202 on creation, 200 on reads).
  void ReplyPayment(const ExPtr& ex, engine::PaymentId id, int status, bool replayed);

  RequestContext& ctx_;
  readmodel::ReadModel& reads_;
  const ApiOptions& options_;
};

}  // namespace cm::api
