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

// 무통장입금: a virtual account for one payment, open for one deposit until `due_at_ms`.
struct AccountRequest {
  std::string key;  // the payment's key, as a charge's: the same account on every call
  int64_t amount = 0;
  int64_t due_at_ms = 0;
};

struct AccountResult {
  bool ok = false;  // false: try again later
  std::string bank, account, holder;
  std::string detail;
};

// What the provider holds under a key now: a deposit the merchant never heard of shows here.
struct DepositState {
  bool ok = false;       // false: not known now (try again)
  int64_t captured = 0;  // taken and not refunded
};

class PaymentProvider {
 public:
  using ChargeDone = std::function<void(ChargeResult)>;
  using RefundDone = std::function<void(RefundResult)>;
  using AccountDone = std::function<void(AccountResult)>;
  using StateDone = std::function<void(DepositState)>;
  virtual ~PaymentProvider() = default;
  // Each call answers exactly once, on a thread of the provider's, within its timeout.
  virtual void Charge(const ChargeRequest& request, ChargeDone done) = 0;
  // Returns at most `up_to` of what was captured under the key (a cancellation keeps a fee).
  virtual void Refund(const std::string& key, int64_t up_to, RefundDone done) = 0;
  // Issues (or gives again) the key's virtual account. A provider without virtual accounts
  // answers so, and BANK_TRANSFER payments then wait for their deadline and fail.
  virtual void IssueAccount(const AccountRequest& request, AccountDone done) {
    (void)request;
    done(AccountResult{false, {}, {}, {}, "this provider issues no virtual accounts"});
  }
  // What is held under `key` (a virtual account's deposit). Without virtual accounts: nothing.
  virtual void DepositStatus(const std::string& key, StateDone done) {
    (void)key;
    done(DepositState{true, 0});
  }
};

}  // namespace cm::payments
