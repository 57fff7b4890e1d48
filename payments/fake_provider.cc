#include "payments/fake_provider.h"

#include <algorithm>

namespace cm::payments {

FakeProvider::FakeProvider(FaultSettings settings, uint64_t seed) : s_(settings), rng_(seed) {}

int FakeProvider::Latency() {
  if (s_.latency_max_ms <= s_.latency_min_ms) return s_.latency_min_ms;
  return std::uniform_int_distribution<int>(s_.latency_min_ms, s_.latency_max_ms)(rng_);
}

bool FakeProvider::Roll(double ratio) {
  return ratio > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < ratio;
}

ChargeDecision FakeProvider::Charge(const std::string& key, int64_t amount,
                                    std::string_view method, std::string_view wallet) {
  std::lock_guard lock(mu_);
  ++ledger_.charge_requests;
  ChargeDecision d;
  d.delay_ms = Latency();
  ChargeRecord& c = charges_[key];
  if (c.method.empty()) {
    c.method = method;
    c.wallet = wallet;
  }
  if (c.refunded) {
    d.reply = ChargeReply::kRefunded;
    d.reason = "this payment was refunded";
    return d;
  }
  // Outages and lost answers hit any request, a repeated one too; declines only new ones.
  auto take = [](uint32_t& n) { return n > 0 ? (--n, true) : false; };
  if (s_.error_every > 0 && ++since_burst_ >= s_.error_every) {
    since_burst_ = 0;
    burst_left_ = s_.error_burst;
  }
  const bool burst = burst_left_ > 0 && (--burst_left_, true);
  if (take(s_.error_next) || burst) {
    d.reply = ChargeReply::kServerError;
    d.reason = "provider unavailable";
    return d;
  }
  if (take(s_.timeout_next) || Roll(s_.timeout_ratio)) {
    d.reply = ChargeReply::kNoAnswer;
    d.delay_ms = s_.hang_ms;
    return d;
  }
  if (c.captured) {  // the same order again: the first capture, not a second one
    d.amount = c.amount;
    d.replayed = true;
    return d;
  }
  if (take(s_.decline_next) || Roll(s_.decline_ratio)) {
    d.reply = ChargeReply::kDeclined;
    d.reason = "card declined";
    ++ledger_.declines;
    return d;
  }
  if (take(s_.late_next) || Roll(s_.late_ratio)) d.delay_ms = s_.late_ms;
  c.captured = true;
  c.amount = amount;
  ledger_.captured += amount;
  ++ledger_.captures;
  d.amount = amount;
  return d;
}

int64_t FakeProvider::Refund(const std::string& key, int64_t up_to) {
  std::lock_guard lock(mu_);
  ChargeRecord& c = charges_[key];
  if (c.refunded) return c.refund_amount;
  c.refunded = true;
  c.refund_amount = c.captured ? std::min(c.amount, std::max<int64_t>(up_to, 0)) : 0;
  ledger_.refunded += c.refund_amount;
  ++ledger_.refunds;
  return c.refund_amount;
}

VirtualAccount FakeProvider::IssueAccount(const std::string& key, int64_t amount, int64_t due_at) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = accounts_.try_emplace(key);
  VirtualAccount& a = it->second;
  if (fresh) {
    // 14 digits, grouped as Korean banks print them: 3-2-6-3.
    const uint64_t n = 900'000'000'000ULL + accounts_.size() * 7'919ULL % 99'999'999'999ULL;
    std::string digits = std::to_string(n) + "37";
    a = VirtualAccount{key, "신한은행",
                       digits.substr(0, 3) + "-" + digits.substr(3, 2) + "-" +
                           digits.substr(5, 6) + "-" + digits.substr(11, 3),
                       "(주)콘서트매니아", amount, due_at, false};
    account_keys_[a.number] = key;
  }
  return a;
}

DepositDecision FakeProvider::Deposit(const std::string& number, int64_t amount, int64_t now_ms) {
  std::lock_guard lock(mu_);
  DepositDecision d;
  auto key = account_keys_.find(number);
  if (key == account_keys_.end()) return d;
  VirtualAccount& a = accounts_.at(key->second);
  if (a.deposited || now_ms > a.due_at) {
    d.reply = DepositReply::kClosed;
    return d;
  }
  a.deposited = true;
  ChargeRecord& c = charges_[a.key];
  c.captured = true;
  c.amount = amount;
  c.method = "BANK_TRANSFER";
  ledger_.captured += amount;
  ++ledger_.captures;
  d.reply = DepositReply::kAccepted;
  d.key = a.key;
  d.deposit_id = "dep-" + std::to_string(++deposits_);
  return d;
}

std::pair<std::string, int64_t> FakeProvider::StatusOfRecord(const ChargeRecord& c) {
  if (c.refunded) return {"REFUNDED", c.amount};
  if (c.captured) return {"CAPTURED", c.amount};
  return {"NOT_CAPTURED", 0};  // declined, failed or never answered
}

std::pair<std::string, int64_t> FakeProvider::StatusOf(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = charges_.find(key);
  if (it == charges_.end()) return {"NONE", 0};
  return StatusOfRecord(it->second);
}

std::vector<ChargeEntry> FakeProvider::List(const std::string& after, std::size_t limit) const {
  std::lock_guard lock(mu_);
  std::vector<ChargeEntry> out;
  for (auto it = charges_.upper_bound(after); it != charges_.end() && out.size() < limit; ++it) {
    const ChargeRecord& c = it->second;
    auto [status, amount] = StatusOfRecord(c);
    out.push_back({it->first, std::move(status), amount, c.refund_amount, c.method, c.wallet});
  }
  return out;
}

Ledger FakeProvider::ledger() const {
  std::lock_guard lock(mu_);
  return ledger_;
}

FaultSettings FakeProvider::settings() const {
  std::lock_guard lock(mu_);
  return s_;
}

void FakeProvider::Configure(const FaultSettings& s) {
  std::lock_guard lock(mu_);
  s_ = s;
  since_burst_ = 0;
  burst_left_ = 0;
}

}  // namespace cm::payments
