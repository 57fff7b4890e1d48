#include "auth/pow_spends.h"

#include <algorithm>
#include <cstring>

namespace cm::auth {

std::size_t PowSpends::NonceHash::operator()(const std::array<uint8_t, 16>& n) const {
  uint64_t a, b;  // the nonce is random: its own bits hash it
  std::memcpy(&a, n.data(), 8);
  std::memcpy(&b, n.data() + 8, 8);
  return static_cast<std::size_t>(a ^ (b * 0x9E3779B97F4A7C15ULL));
}

PowSpend PowSpends::Look(const SolvedPow& solved, engine::UserId user,
                         const engine::IdemKey& idem, int64_t now_s) {
  latest_s_ = std::max(latest_s_, now_s);
  while (!expiries_.empty() && expiries_.top().first <= latest_s_) {
    spent_.erase(expiries_.top().second);
    expiries_.pop();
  }
  if (solved.expires_at_s <= latest_s_) return PowSpend::kExpired;
  if (auto it = spent_.find(solved.nonce); it != spent_.end()) {
    const bool retry = idem != engine::IdemKey{} && it->second.user == user &&
                       it->second.idem == idem;
    return retry ? PowSpend::kRetry : PowSpend::kReused;
  }
  return PowSpend::kFirst;
}

PowSpend PowSpends::Check(const SolvedPow& solved, engine::UserId user,
                          const engine::IdemKey& idem, int64_t now_s) {
  std::lock_guard lock(mu_);
  return Look(solved, user, idem, now_s);
}

PowSpend PowSpends::Spend(const SolvedPow& solved, engine::ConcertId concert,
                          engine::UserId user, const engine::IdemKey& idem, int64_t now_s,
                          bool arrival) {
  std::lock_guard lock(mu_);
  if (const PowSpend seen = Look(solved, user, idem, now_s); seen != PowSpend::kFirst)
    return seen;
  if (spent_.size() >= capacity_) return PowSpend::kFull;
  spent_.emplace(solved.nonce, Spent{user, idem});
  expiries_.emplace(solved.expires_at_s, solved.nonce);
  if (!arrival) return PowSpend::kFirst;
  Second& s = rates_[concert][static_cast<std::size_t>(now_s % kRateWindowS)];
  if (s.at != now_s) s = {now_s, 0};
  ++s.arrivals;
  return PowSpend::kFirst;
}

double PowSpends::ArrivalRate(engine::ConcertId concert, int64_t now_s) const {
  std::lock_guard lock(mu_);
  auto it = rates_.find(concert);
  if (it == rates_.end()) return 0;
  uint64_t arrivals = 0;
  for (const Second& s : it->second)
    if (s.at > now_s - kRateWindowS && s.at <= now_s) arrivals += s.arrivals;
  return static_cast<double>(arrivals) / kRateWindowS;
}

std::size_t PowSpends::remembered() const {
  std::lock_guard lock(mu_);
  return spent_.size();
}

}  // namespace cm::auth
