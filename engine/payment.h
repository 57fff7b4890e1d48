#pragma once
// A payment: the saga that turns a held reservation into a sale (DESIGN.md, "The payment
// saga"). The sequencer only decides; a worker outside it calls the provider and reports each
// attempt back as a command. Everything here is changed by events alone, so replay restores a
// saga wherever it stood.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/types.h"

namespace cm::engine {

// One line of a payment's history, as GET /api/payments/{id} shows it.
enum class PaymentStep : uint8_t {
  kRequested = 0,      // PaymentRequested
  kAttemptFailed = 1,  // PaymentFailed, a retry follows
  kSucceeded = 2,      // PaymentSucceeded
  kFailed = 3,         // PaymentFailed, no more retries
  kRefundIssued = 4,   // RefundIssued: the worker is to return the money
  kRefundSettled = 5,  // RefundSettled: the provider confirmed the refund
  kSeatsReleased = 6,  // SeatsReleased: the compensation gave the seats back
  kAccountIssued = 7,  // VirtualAccountIssued: a bank transfer's account, awaiting the deposit
};

std::string_view ToString(PaymentStep s);

struct PaymentHistoryEntry {
  TimeMs at = 0;
  PaymentStep step = PaymentStep::kRequested;
  uint32_t attempt = 0;
  ChargeOutcome outcome = ChargeOutcome::kCaptured;  // for attempt steps
  std::string detail;                                // the provider's reason, if any
  bool operator==(const PaymentHistoryEntry&) const = default;
};

struct Payment {
  PaymentId id = 0;
  ReservationId reservation = 0;
  UserId user = 0;
  ConcertId concert = 0;
  int64_t amount = 0;  // KRW
  PaymentMethod method = PaymentMethod::kCard;
  EasyPayProvider wallet = EasyPayProvider::kNone;  // which 간편결제, for EASY_PAY
  PaymentStatus status = PaymentStatus::kPending;
  IdemKey client_key;         // the Idempotency-Key of the request that started it
  uint32_t failed_attempts = 0;  // the next attempt is failed_attempts + 1
  TimeMs created_at = 0;
  TimeMs next_attempt_at = 0;  // when the worker may call the provider again
  // A call ended without an answer (timeout, 5xx): money may have been taken, so a failure
  // must end with a refund by key.
  bool outcome_unknown = false;
  bool refund_requested = false;  // RefundIssued decided; the worker returns the money
  bool refund_settled = false;    // the provider confirmed it
  int64_t refunded = 0;           // what the provider said it returned
  int64_t refund_amount = 0;      // what RefundIssued asked to return (a cancellation keeps a fee)
  std::vector<PaymentHistoryEntry> history;
  // 무통장입금 (BANK_TRANSFER): the deposit is due by `deposit_due` (the hold's end), into the
  // virtual account the provider issued (empty until VirtualAccountIssued).
  TimeMs deposit_due = 0;
  std::string bank, account, holder;

  // Paid by a deposit (a BANK_TRANSFER asked for from record version 17 on; older ones were
  // charged like a card, and still are when one is found in flight).
  bool IsDeposit() const { return deposit_due != 0; }
  bool AwaitingDeposit() const {
    return IsDeposit() && status == PaymentStatus::kPending && !account.empty();
  }

  uint32_t current_attempt() const { return failed_attempts + 1; }
  // Nothing more will happen to it: it failed with nothing taken (no refund follows), or its
  // refund is settled. A success is not an end when its reservation is gone: its refund follows.
  bool SagaEnded() const {
    return (status == PaymentStatus::kFailed && !outcome_unknown) || refund_settled;
  }
  // A fresh payment that keeps the history's buffer (for the slab that reuses the slot).
  void ResetKeepingCapacity() {
    std::vector<PaymentHistoryEntry> kept = std::move(history);
    kept.clear();
    *this = Payment{};
    history = std::move(kept);
  }
  // The saga still needs the worker: a charge to make or a refund to settle.
  bool NeedsWorker() const {
    return status == PaymentStatus::kPending || (refund_requested && !refund_settled);
  }
};

}  // namespace cm::engine
