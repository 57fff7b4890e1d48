#pragma once
// Who leads, decided by etcd (`serve --elect-with-etcd ENDPOINTS`), as Patroni does: the leader
// holds the key /concertmania/<cluster>/leader, whose value is its URL, bound to a lease of
// `ttl_s` seconds that it renews every ttl/3. A standby that finds the key gone (the leader
// died, or was cut off or paused long enough for its lease to run out) takes it, then promotes
// itself.
//
// Leading is only ever assumed on the safe side: Holding() is true until the last renewal
// *sent* plus the TTL, which is never later than etcd's own expiry of the lease (it counts
// from when the renewal arrived). The pipeline asks it before acknowledging anything
// (PipelineOptions::holds_leadership), so a leader that was paused past its lease answers
// nothing more when it wakes, even if Kafka took its batches: the new leader may have read the
// log without them. The failover timeline: the lease runs out at most `ttl_s` after the leader's
// last renewal; a standby looks every `poll` (100 ms); then its promotion (read the log to its
// end, open the pipeline, start the next term).
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
  int ttl_s = 2;
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
