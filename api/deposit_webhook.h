#pragma once
// 무통장입금: the provider's notice of a deposit into a payment's virtual account.
//   POST /api/webhooks/deposits   CM-Signature: t=...,v1=...   (auth/deposit_signature.h)
//        {"key": "cm-pay-<payment id>", "amount": N, "depositId": "...", "depositedAt": unix ms,
//         "accountNumber": "..."}   (depositedAt: when the bank took it; in time if by the deadline)
// The signature is checked before the body is read, and nothing reaches the engine without it.
// The checked notice goes to the engine as the system's ReportDeposit (the provider's word,
// proven by its key, as the payment worker's reports are), with the deposit id as the
// idempotency key: the provider sends a notice again until it is taken, and it counts once.
//   200 the engine decided (or had decided) it: {"paymentId", "result"}
//   401 WEBHOOK_SIGNATURE_INVALID, WEBHOOK_SIGNATURE_EXPIRED; 400 WEBHOOK_SIGNATURE_MALFORMED
//   404 UNKNOWN_PAYMENT; 422 IDEMPOTENCY_KEY_REUSED (the deposit id named another notice);
//   413 over 16 KiB; 503 WEBHOOKS_OFF (no secret configured)
#include <string>

#include "api/request_context.h"

namespace cm::api {

class DepositWebhook {
 public:
  // How far a notice's signed time may be from ours: a replay later than this is refused.
  static constexpr int64_t kToleranceMs = 5 * 60'000;
  static constexpr std::size_t kMaxNoticeBytes = 16 * 1024;

  DepositWebhook(RequestContext& ctx, std::string secret, std::string key_prefix)
      : ctx_(ctx), secret_(std::move(secret)), key_prefix_(std::move(key_prefix)) {}

  void Receive(const ExPtr& ex);

 private:
  RequestContext& ctx_;
  const std::string secret_;
  const std::string key_prefix_;
};

}  // namespace cm::api
