// Payments: start paying for a held reservation, and follow the payment. The saga itself runs
// in the engine (decisions) and the payment worker (calls to the provider); this file only
// turns requests into commands and durable state into replies.
#include "api/payments_handler.h"

#include "api/replies.h"
#include "api/request_input.h"
#include "views/resource_json.h"

namespace cm::api {

using views::WritePayment;

using engine::Event;

void PaymentsHandler::ReplyPayment(const ExPtr& ex, engine::PaymentId id, int status,
                                   bool replayed) {
  std::string body = reads_.Read([&](const engine::EngineState& s) {
    const engine::Payment* p = s.FindPayment(id);
    if (p == nullptr) return std::string();
    JsonWriter w;
    WritePayment(w, *p);
    return w.Take();
  });
  if (body.empty())
    return Fail(ex, 404, "UNKNOWN_PAYMENT", "no payment with id " + std::to_string(id));
  ReplyResource(ex, status, std::move(body), "/api/payments/" + std::to_string(id), replayed);
}

void PaymentsHandler::CreatePayment(const ExPtr& ex) {
  auto claims = ctx_.Authenticate(ex, false);
  if (!claims) return;
  if (!options_.payments_enabled)
    return Fail(ex, Problem(503, "PAYMENTS_UNAVAILABLE",
                            "no payment provider is configured (--payment-provider-url)")
                        .Header(http::field::retry_after, "60"));
  // A double click must not pay twice: the key makes a retry answer with the first payment.
  if (ex->req["Idempotency-Key"].empty())
    return Fail(ex, Problem(400, "IDEMPOTENCY_KEY_REQUIRED",
                            "POST /api/payments needs an Idempotency-Key header")
                        .With([](JsonWriter& w) { w.Field("field", "Idempotency-Key"); }));
  auto body = Body(ex);
  if (!body) return;
  FieldReader f(*body);
  int64_t reservation = 0;
  std::string method_name = "CARD";
  if (!f.Int("reservationId", &reservation, 1, INT64_MAX)) return FailInput(ex, f.error());
  if (f.Has("method") && !f.String("method", &method_name, 1, 32)) return FailInput(ex, f.error());
  engine::PaymentMethod method;
  if (!engine::ParsePaymentMethod(method_name, &method))
    return Fail(ex,
                Problem(422, "UNKNOWN_PAYMENT_METHOD",
                        "method: '" + method_name + "' is not one of CARD, BANK_TRANSFER, EASY_PAY")
                    .With([](JsonWriter& w) { w.Field("field", "method"); }));
  // 간편결제 goes through the wallet the fan picked; no other method names one.
  std::string wallet_name;
  engine::EasyPayProvider wallet = engine::EasyPayProvider::kNone;
  if (f.Has("wallet") && !f.String("wallet", &wallet_name, 1, 32)) return FailInput(ex, f.error());
  const bool easy = method == engine::PaymentMethod::kEasyPay;
  if ((easy && !engine::ParseEasyPayProvider(wallet_name, &wallet)) || (!easy && f.Has("wallet")))
    return Fail(ex, Problem(422, "UNKNOWN_PAYMENT_METHOD",
                            easy ? "wallet: EASY_PAY needs one of KAKAOPAY, NAVERPAY, TOSSPAY"
                                 : "wallet: only EASY_PAY names a wallet")
                        .With([](JsonWriter& w) { w.Field("field", "wallet"); }));
  auto cmd = NewCommand(ex, *claims);
  if (!cmd) return;
  cmd->body =
      engine::RequestPaymentCmd{static_cast<engine::ReservationId>(reservation), method, wallet};
  ctx_.Submit(ex, std::move(*cmd), [this, ex](const Event& e) {
    if (const auto* p = std::get_if<engine::PaymentRequested>(&e.body))
      return ReplyPayment(ex, p->payment, 202, false);
    if (const auto* d = std::get_if<engine::DuplicateCommand>(&e.body);
        d && d->code == engine::ResultCode::kOk)
      return ReplyPayment(ex, d->ref, 202, true);
    FailEvent(ex, e);  // someone else's reservation answers 404 UNKNOWN_RESERVATION
  });
}

void PaymentsHandler::GetPayment(const ExPtr& ex, std::string_view id_text) {
  auto claims = ctx_.Authenticate(ex, false);
  if (!claims) return;
  auto id = IdParam(ex, id_text, "payment");
  if (!id) return;
  const auto owner =
      reads_.Read([&](const engine::EngineState& s) -> std::optional<engine::UserId> {
        const engine::Payment* p = s.FindPayment(*id);
        return p ? std::optional(p->user) : std::nullopt;
      });
  // Someone else's payment answers exactly like a missing one, so ids cannot be probed.
  if (!owner || (*owner != claims->sub && claims->role != engine::Role::kAdmin))
    return Fail(ex, 404, "UNKNOWN_PAYMENT", "no payment with id " + std::to_string(*id));
  ReplyPayment(ex, *id, 200, false);
}

}  // namespace cm::api
