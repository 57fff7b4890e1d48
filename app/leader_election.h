#pragma once
// Who leads, decided by etcd (`serve --elect-with-etcd ENDPOINTS`), as Patroni does: the leader
// holds the key /concertmania/<cluster>/leader, whose value is its URL, bound to a lease of
// `ttl_s` seconds (5 by default) that it renews every ttl/5. A standby that finds the key gone
// (the leader died, or was cut off or paused long enough for its lease to run out) takes it,
// then promotes itself.
//
// Leading is only ever assumed on the safe side: Holding() is true until the deadline the
// leader computes itself, from when it *sent* its last confirmed renewal, plus the TTL, less a
// margin for the two clocks' drift (a tenth of the TTL, at least 200 ms). That is never later
// than etcd's own expiry of the lease, which counts from when the renewal arrived. A renewal
// counts only once a linearizable read through the member that took it follows, and finds the
// key still bound to our lease: an etcd member that lost its quorum but still thinks it leads
// the raft group keeps answering keepalives for a while (etcd 3.4 renews leases in the raft
// leader's memory, not through the log), and a read that needs the quorum is what it cannot
// answer. Left open: a partition that heals between the two calls (milliseconds apart) could
// let a renewal the quorum never saw count; the drift margin covers part of that. The pipeline asks Holding() before
// acknowledging anything (PipelineOptions::holds_leadership), so a leader that was paused past
// its lease, or cut off from etcd's quorum, acknowledges nothing after its deadline, even if
// Kafka took its batches: the new leader may have read the log without them.
// Why 5 s and ttl/5: renewals fail while etcd elects a new raft leader (one election timeout,
// 1 s by default, and a call that waits on a stopped member takes ttl/5 before trying the
// next); with 2 s and ttl/3 the outside test saw our leader's lease lapse in 8 of 10 kills of
// etcd's raft leader, with 5 s in none. The failover timeline: the lease runs out at most
// `ttl_s` after the leader's last renewal; a standby looks every `poll` (100 ms); then its
// promotion (read the log to its end, open the pipeline, start the next term).
//
// Thread-safety: TryAcquire and CurrentLeader from one thread (the main loop); Holding from any.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "app/etcd_client.h"

namespace cm::app {

struct ElectionOptions {
  std::vector<std::string> endpoints;  // etcd client URLs
  std::string cluster = "main";
  int ttl_s = 5;
};

class LeaderElection {
 public:
  explicit LeaderElection(ElectionOptions options);
  // Stops renewing and, while leading, revokes the lease so a standby need not wait it out.
  ~LeaderElection();
  LeaderElection(const LeaderElection&) = delete;
  LeaderElection& operator=(const LeaderElection&) = delete;

  // Takes the key if nobody holds it: true when this server now leads (and keeps renewing).
  // `url` is the key's value: where this server takes writes, when it already listens (a
  // standby taking over), so nobody reads an empty key while it takes writes; empty at
  // startup, before it listens, until Announce.
  Result<bool> TryAcquire(const std::string& url);
  // While leading: sets the key's value to `url` (known once the server listens).
  Status Announce(const std::string& url);
  // The leader's URL as the key says (empty when nobody holds it, or it has not said yet).
  Result<std::string> CurrentLeader();
  // This server took the key and its lease surely has not run out.
  bool Holding() const;
  // How much earlier than sent + TTL this server stops believing it leads.
  static std::chrono::nanoseconds DriftMargin(int ttl_s);
  const std::string& key() const { return key_; }

 private:
  void RenewLoop();

  const ElectionOptions options_;
  const std::string key_;
  EtcdClient client_;        // the main loop's
  EtcdClient renew_client_;  // the renewing thread's
  int64_t lease_ = 0;
  std::atomic<int64_t> valid_until_ns_{0};  // steady clock; 0 = not leading
  std::thread renewer_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;  // guarded by mu_
};

}  // namespace cm::app
