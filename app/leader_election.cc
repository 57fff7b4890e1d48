#include "app/leader_election.h"

#include <spdlog/spdlog.h>

namespace cm::app {

namespace {

using Clock = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

}  // namespace

LeaderElection::LeaderElection(ElectionOptions options)
    : options_(std::move(options)),
      key_("/concertmania/" + options_.cluster + "/leader"),
      // A call waits a fifth of the lease at most on one member before trying the next, or
      // one stopped member would cost the lease.
      client_(options_.endpoints, std::chrono::milliseconds(options_.ttl_s * 1000 / 5)),
      renew_client_(options_.endpoints, std::chrono::milliseconds(options_.ttl_s * 1000 / 5)) {}

std::chrono::nanoseconds LeaderElection::DriftMargin(int ttl_s) {
  return std::max<std::chrono::nanoseconds>(std::chrono::milliseconds(200),
                                            std::chrono::milliseconds(ttl_s * 100));
}

LeaderElection::~LeaderElection() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (renewer_.joinable()) renewer_.join();
  if (lease_ != 0 && Holding()) {
    valid_until_ns_.store(0);
    if (Status s = client_.RevokeLease(lease_); !s.ok())
      spdlog::warn("election: could not give the leadership up: {}", s.ToString());
    else
      spdlog::info("election: gave the leadership up ({})", key_);
  }
}

Result<bool> LeaderElection::TryAcquire(const std::string& url) {
  if (Holding()) return true;
  const int64_t started = NowNs();
  auto lease = client_.GrantLease(options_.ttl_s);
  if (!lease.ok()) return lease.status();
  auto taken = client_.CreateIfAbsent(key_, url, lease.value());
  if (!taken.ok() || !taken.value()) {
    (void)client_.RevokeLease(lease.value()).ok();  // best effort: it would run out anyway
    return taken;
  }
  lease_ = lease.value();
  valid_until_ns_.store(started + int64_t{options_.ttl_s} * 1'000'000'000 -
                        DriftMargin(options_.ttl_s).count());
  renewer_ = std::thread([this] { RenewLoop(); });
  spdlog::info("election: this server leads ({} = \"{}\", lease {} s)", key_, url,
               options_.ttl_s);
  return true;
}

Status LeaderElection::Announce(const std::string& url) {
  if (!Holding()) return Status::InvalidArgument("election: not leading");
  auto put = client_.PutIfLease(key_, url, lease_);
  if (!put.ok()) return put.status();
  if (!put.value()) return Status::InvalidArgument("election: the key is no longer this server's");
  return Status::OK();
}

Result<std::string> LeaderElection::CurrentLeader() {
  auto value = client_.Get(key_);
  if (!value.ok()) return value.status();
  return value.value().value_or(std::string());
}

bool LeaderElection::Holding() const { return NowNs() < valid_until_ns_.load(); }

void LeaderElection::RenewLoop() {
  const auto period = std::chrono::milliseconds(options_.ttl_s * 1000 / 5);
  bool warned = false;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (stop_cv_.wait_for(lock, period, [this] { return stop_; })) return;
    }
    const int64_t sent = NowNs();
    auto ttl = renew_client_.KeepAlive(lease_);
    if (ttl.ok() && ttl.value() > 0) {
      // Only a quorum makes the renewal real: a linearizable read through the same member
      // must follow it (a member cut off from the quorum cannot answer that), and find the
      // key still bound to our lease.
      const std::size_t renewed_by = renew_client_.last_endpoint();
      auto bound = renew_client_.LeaseOf(key_);
      if (bound.ok() && bound.value() == lease_ && renew_client_.last_endpoint() == renewed_by) {
        valid_until_ns_.store(sent + ttl.value() * 1'000'000'000 -
                              DriftMargin(options_.ttl_s).count());
        warned = false;
        continue;
      }
      ttl = !bound.ok()                ? bound.status()
            : bound.value() != lease_ ? Status::IOError("the key is no longer bound to our lease")
                                      : Status::IOError("the renewal could not be confirmed "
                                                        "through the member that took it");
    }
    if (ttl.ok()) {  // the lease is gone: another server may lead by now
      valid_until_ns_.store(0);
      spdlog::critical("election: the lease on {} ran out; this server no longer leads", key_);
      return;
    }
    if (!warned) spdlog::error("election: cannot renew the lease: {}", ttl.status().ToString());
    warned = true;
    if (!Holding()) {
      spdlog::critical("election: the lease on {} may have run out; this server no longer leads",
                       key_);
      return;
    }
  }
}

}  // namespace cm::app
