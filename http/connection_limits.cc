#include "http/connection_limits.h"

#include <sys/resource.h>

namespace cm::http {

std::shared_ptr<void> ConnectionLimits::TryAdmit(const std::string& address, Verdict* verdict) {
  {
    std::lock_guard lock(mu_);
    if (max_total_ != 0 && open_ >= max_total_) {
      *verdict = Verdict::kTooManyInAll;
      return nullptr;
    }
    std::size_t& mine = per_address_[address];
    if (max_per_address_ != 0 && mine >= max_per_address_) {
      *verdict = Verdict::kTooManyFromAddress;
      return nullptr;
    }
    ++mine;
    ++open_;
  }
  *verdict = Verdict::kAdmitted;
  return std::make_shared<Slot>(shared_from_this(), address);
}

void ConnectionLimits::Release(const std::string& address) {
  std::lock_guard lock(mu_);
  --open_;
  auto it = per_address_.find(address);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

std::size_t ConnectionLimits::open() const {
  std::lock_guard lock(mu_);
  return open_;
}

std::size_t ConnectionLimits::addresses() const {
  std::lock_guard lock(mu_);
  return per_address_.size();
}

std::size_t DefaultMaxConnections(std::size_t reserve) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  const auto handles = static_cast<std::size_t>(lim.rlim_cur);
  return handles > reserve + 64 ? handles - reserve : 64;
}

}  // namespace cm::http
