#include "engine/types.h"

#include <algorithm>

#include "engine/hash.h"

namespace cm::engine {

std::string_view ToString(Role r) {
  switch (r) {
    case Role::kUser: return "USER";
    case Role::kAdmin: return "ADMIN";
    case Role::kSystem: return "SYSTEM";
    case Role::kStaff: return "STAFF";
  }
  return "UNKNOWN";
}

std::string_view ToString(TicketState s) {
  switch (s) {
    case TicketState::kValid: return "VALID";
    case TicketState::kCheckedIn: return "CHECKED_IN";
    case TicketState::kRevoked: return "REVOKED";
  }
  return "UNKNOWN";
}

std::string_view ToString(SeatStatus s) {
  switch (s) {
    case SeatStatus::kAvailable: return "AVAILABLE";
    case SeatStatus::kHeld: return "HELD";
    case SeatStatus::kSold: return "SOLD";
    case SeatStatus::kReturning: return "RETURNING";
  }
  return "UNKNOWN";
}

std::string_view ToString(ReservationStatus s) {
  switch (s) {
    case ReservationStatus::kHeld: return "HELD";
    case ReservationStatus::kPaymentPending: return "PAYMENT_PENDING";
    case ReservationStatus::kConfirmed: return "CONFIRMED";
    case ReservationStatus::kExpired: return "EXPIRED";
    case ReservationStatus::kCancelled: return "CANCELLED";
    case ReservationStatus::kRefunded: return "REFUNDED";
  }
  return "UNKNOWN";
}

std::string_view ToString(PaymentStatus s) {
  switch (s) {
    case PaymentStatus::kPending: return "PENDING";
    case PaymentStatus::kSucceeded: return "SUCCEEDED";
    case PaymentStatus::kFailed: return "FAILED";
    case PaymentStatus::kRefunded: return "REFUNDED";
  }
  return "UNKNOWN";
}

std::string_view ToString(PaymentMethod m) {
  switch (m) {
    case PaymentMethod::kCard: return "CARD";
    case PaymentMethod::kBankTransfer: return "BANK_TRANSFER";
    case PaymentMethod::kEasyPay: return "EASY_PAY";
  }
  return "UNKNOWN";
}

std::string_view ToString(EasyPayProvider p) {
  switch (p) {
    case EasyPayProvider::kNone: return "NONE";
    case EasyPayProvider::kKakaoPay: return "KAKAOPAY";
    case EasyPayProvider::kNaverPay: return "NAVERPAY";
    case EasyPayProvider::kTossPay: return "TOSSPAY";
  }
  return "UNKNOWN";
}

bool ParseEasyPayProvider(std::string_view name, EasyPayProvider* out) {
  for (EasyPayProvider p :
       {EasyPayProvider::kKakaoPay, EasyPayProvider::kNaverPay, EasyPayProvider::kTossPay})
    if (ToString(p) == name) {
      *out = p;
      return true;
    }
  return false;
}

std::string_view ToString(ChargeOutcome o) {
  switch (o) {
    case ChargeOutcome::kCaptured: return "CAPTURED";
    case ChargeOutcome::kDeclined: return "DECLINED";
    case ChargeOutcome::kError: return "ERROR";
  }
  return "UNKNOWN";
}

bool ParsePaymentMethod(std::string_view name, PaymentMethod* out) {
  for (PaymentMethod m : {PaymentMethod::kCard, PaymentMethod::kBankTransfer, PaymentMethod::kEasyPay})
    if (ToString(m) == name) {
      *out = m;
      return true;
    }
  return false;
}

bool SeatList::operator==(const SeatList& o) const {
  return count == o.count && std::equal(begin(), end(), o.begin());
}

IdemKey IdemKeyFromString(std::string_view client_key) {
  return IdemKey{Hash64(client_key, 0x6a09e667f3bcc908ULL), Hash64(client_key, 0xbb67ae8584caa73bULL)};
}

}  // namespace cm::engine
