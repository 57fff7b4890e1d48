#pragma once
// The payment provider as the saga worker sees it: charge and refund by idempotency key,
// answered through callbacks. The real adapter speaks HTTP (HttpPaymentProvider); a test may
// put anything behind this interface.

#include <cstdint>
#include <functional>
#include <string>

#include "engine/types.h"

namespace cm::payments {

struct ChargeRequest {
  std::string key;  // the provider's idempotency key: the same for every attempt of a payment
  int64_t amount = 0;
  engine::PaymentMethod method = engine::PaymentMethod::kCard;
  engine::EasyPayProvider wallet = engine::EasyPayProvider::kNone;  // EASY_PAY's 간편결제
};

struct ChargeResult {
  engine::ChargeOutcome outcome = engine::ChargeOutcome::kError;
  std::string detail;  // the provider's reason or the transport error, for the history
};

struct RefundResult {
  bool ok = false;       // false: try again later (nothing is known to have changed)
  int64_t refunded = 0;  // what the provider returned under the key
  std::string detail;
};

class PaymentProvider {
 public:
  using ChargeDone = std::function<void(ChargeResult)>;
  using RefundDone = std::function<void(RefundResult)>;
  virtual ~PaymentProvider() = default;
  // Each call answers exactly once, on a thread of the provider's, within its timeout.
  virtual void Charge(const ChargeRequest& request, ChargeDone done) = 0;
  // Returns at most `up_to` of what was captured under the key (a cancellation keeps a fee).
  virtual void Refund(const std::string& key, int64_t up_to, RefundDone done) = 0;
};

}  // namespace cm::payments
