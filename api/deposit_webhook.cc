#include "api/deposit_webhook.h"

#include <charconv>

#include "api/replies.h"
#include "api/request_input.h"
#include "auth/deposit_signature.h"

namespace cm::api {

using auth::SignatureCheck;

void DepositWebhook::Receive(const ExPtr& ex) {
  if (secret_.empty())
    return Fail(ex, 503, "WEBHOOKS_OFF", "this server takes no deposit notices");
  // A notice is a few hundred bytes: the MAC is not computed over more.
  if (ex->req.body().size() > kMaxNoticeBytes)
    return Fail(ex, 413, "BODY_TOO_LARGE", "a deposit notice is at most 16 KiB");
  const std::string_view header = ex->req[auth::kDepositSignatureHeader];
  switch (auth::CheckDepositNotice(secret_, header, ex->req.body(), ex->received_ms,
                                       kToleranceMs)) {
    case SignatureCheck::kOk:
      break;
    case SignatureCheck::kMalformed:
      return Fail(ex, 400, "WEBHOOK_SIGNATURE_MALFORMED",
                  "CM-Signature must be t=<unix ms>,v1=<64 hex digits>");
    case SignatureCheck::kExpired:
      return Fail(ex, 401, "WEBHOOK_SIGNATURE_EXPIRED",
                  "the notice was signed more than 5 minutes from now");
    case SignatureCheck::kForged:
      return Fail(ex, 401, "WEBHOOK_SIGNATURE_INVALID", "the signature does not match the notice");
  }
  auto body = Body(ex);
  if (!body) return;
  FieldReader f(*body);
  std::string key, deposit_id;
  int64_t amount = 0, deposited_at = 0;
  f.String("key", &key, 1, 255) && f.Int("amount", &amount, 1, 1'000'000'000'000) &&
      f.String("depositId", &deposit_id, 1, 128) &&
      f.Int("depositedAt", &deposited_at, 1, INT64_MAX / 2);
  if (!f.ok()) return FailInput(ex, f.error());
  engine::PaymentId payment = 0;
  const std::string_view id = std::string_view(key).substr(
      key.starts_with(key_prefix_) ? key_prefix_.size() : key.size());
  const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), payment);
  if (id.empty() || ec != std::errc() || end != id.data() + id.size())
    return Fail(ex, 404, "UNKNOWN_PAYMENT", "the key names no payment of this server");
  engine::Command cmd;
  cmd.actor_role = engine::Role::kSystem;  // the provider's word, proven by its signature
  cmd.has_idem = true;
  // The payment's and the provider's deposit id together: ids a provider reuses (after its own
  // restart) never shadow another payment's deposit.
  cmd.idem = engine::IdemKeyFromString("deposit:" + std::to_string(payment) + ":" + deposit_id);
  cmd.body = engine::ReportDepositCmd{payment, amount, deposited_at};
  ctx_.Submit(ex, std::move(cmd), [ex, payment](const engine::Event& e) {
    const engine::Outcome o = engine::OutcomeOf(e);
    const auto* rejected = std::get_if<engine::CommandRejected>(&e.body);
    if (rejected != nullptr && (rejected->code == engine::ResultCode::kUnknownPayment ||
                                rejected->code == engine::ResultCode::kIdempotencyKeyReused))
      return FailEvent(ex, e);
    // Decided (a confirmation, a refund, or a deposit an operator must look at): the provider
    // has nothing to send again.
    JsonWriter w;
    w.BeginObject()
        .Field("paymentId", payment)
        .Field("result", std::string(engine::ToString(TypeOf(e))))
        .Field("code", engine::ToString(o.code))
        .EndObject();
    Json(ex, 200, w.Take());
  });
}

}  // namespace cm::api
