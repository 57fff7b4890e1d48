#pragma once
// The ledger and the failure injection of concertmania-fakepg, our stand-in for a payment
// provider. Charges are idempotent by key the way real providers keep an order: a key whose
// charge was captured answers CAPTURED again (no second capture); a declined key may be tried
// again. Refunds are idempotent by the charge's key and return what was captured, or nothing.
// Thread-safe (one mutex): the server's I/O threads share one FakeProvider.

#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <map>
#include <vector>

namespace cm::payments {

struct FaultSettings {
  double decline_ratio = 0;  // share of charges declined
  int latency_min_ms = 0;    // every answer waits uniformly in [min, max]
  int latency_max_ms = 0;
  double timeout_ratio = 0;  // share of charges never answered (nothing captured) ...
  int hang_ms = 30'000;      // ... until this long, when the connection gets a 504
  uint32_t error_every = 0;  // bursts of 5xx: after every `error_every` charges ...
  uint32_t error_burst = 0;  // ... this many answer 503 (nothing captured)
  double late_ratio = 0;     // share of charges captured but answered only after ...
  int late_ms = 5'000;       // ... this long ("succeeds but answers late")
  // Scripted faults for tests, used before the ratios: the next N charges.
  uint32_t decline_next = 0, timeout_next = 0, error_next = 0, late_next = 0;
};

enum class ChargeReply { kCaptured, kDeclined, kServerError, kNoAnswer, kRefunded };

struct ChargeDecision {
  ChargeReply reply = ChargeReply::kCaptured;
  int delay_ms = 0;    // answer after this long
  int64_t amount = 0;  // captured (kCaptured)
  bool replayed = false;  // the key was already captured: nothing new was taken
  std::string reason;
};

// One key's charge as the provider's listing shows it.
struct ChargeEntry {
  std::string key;
  std::string status;    // as StatusOf
  int64_t amount = 0;    // captured
  int64_t refunded = 0;  // returned
  std::string method;    // as the first request of the key named it: CARD, EASY_PAY ...
  std::string wallet;    // EASY_PAY's wallet (KAKAOPAY, NAVERPAY, TOSSPAY), else empty
};

struct Ledger {
  int64_t captured = 0;  // KRW taken, in total
  int64_t refunded = 0;  // KRW returned, in total
  uint64_t charge_requests = 0;
  uint64_t captures = 0;
  uint64_t declines = 0;
  uint64_t refunds = 0;
};

// 무통장입금: a virtual account for one payment's key, open for one deposit until `due_at`.
struct VirtualAccount {
  std::string key, bank, number, holder;
  int64_t amount = 0;  // what is due (a deposit of another amount is taken all the same)
  int64_t due_at = 0;
  bool deposited = false;
};

enum class DepositReply { kAccepted, kUnknownAccount, kClosed };
struct DepositDecision {
  DepositReply reply = DepositReply::kUnknownAccount;
  std::string key;         // the payment's key (kAccepted)
  std::string deposit_id;  // (kAccepted)
};

class FakeProvider {
 public:
  FakeProvider(FaultSettings settings, uint64_t seed);

  // `method` and `wallet` are kept as the key's first request named them.
  ChargeDecision Charge(const std::string& key, int64_t amount, std::string_view method = "CARD",
                        std::string_view wallet = {});
  // Returns what this key's refund gave back (the same on every call): the captured amount
  // (at most `up_to`), or 0 when nothing was captured under the key.
  int64_t Refund(const std::string& key, int64_t up_to = INT64_MAX);

  // The key's virtual account: made on the first call, the same on every call after.
  VirtualAccount IssueAccount(const std::string& key, int64_t amount, int64_t due_at);
  // Money into account `number` at `now_ms`: taken under the account's key (so a refund by the
  // key returns it) unless the account took a deposit already or is past due (closed).
  DepositDecision Deposit(const std::string& number, int64_t amount, int64_t now_ms);

  // "NONE", "NOT_CAPTURED", "CAPTURED" or "REFUNDED", and the amount captured.
  std::pair<std::string, int64_t> StatusOf(const std::string& key) const;
  // Every key's charge after `after` in key order, at most `limit` (how a merchant lists its
  // charges to reconcile them with its own books).
  std::vector<ChargeEntry> List(const std::string& after, std::size_t limit) const;
  Ledger ledger() const;
  FaultSettings settings() const;
  void Configure(const FaultSettings& s);

 private:
  struct ChargeRecord {
    bool captured = false;
    bool refunded = false;
    int64_t amount = 0;
    int64_t refund_amount = 0;
    std::string method, wallet;
  };
  static std::pair<std::string, int64_t> StatusOfRecord(const ChargeRecord& c);
  int Latency();
  bool Roll(double ratio);

  mutable std::mutex mu_;
  FaultSettings s_;
  std::mt19937_64 rng_;
  uint64_t since_burst_ = 0;
  uint32_t burst_left_ = 0;
  std::map<std::string, ChargeRecord> charges_;  // ordered, for the listing
  std::map<std::string, VirtualAccount> accounts_;  // by key
  std::map<std::string, std::string> account_keys_;  // account number -> key
  uint64_t deposits_ = 0;
  Ledger ledger_;
};

}  // namespace cm::payments
