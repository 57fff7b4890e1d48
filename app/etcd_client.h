#pragma once
// The few etcd v3 calls a leader election needs, over etcd's JSON gateway (`/v3/...`, etcd
// 3.4 as Debian ships it): leases, a create-if-absent put bound to a lease, and reads. Keys
// and values travel base64-encoded, 64-bit ids as decimal strings, as the gateway wants them.
// Each call tries the endpoints in turn until one answers, within `timeout` each.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/status.h"

namespace cm::app {

class EtcdClient {
 public:
  // `endpoints`: http://host:port, the cluster's client URLs.
  EtcdClient(std::vector<std::string> endpoints, std::chrono::milliseconds timeout);

  // A lease of `ttl_s` seconds; returns its id.
  Result<int64_t> GrantLease(int ttl_s);
  // Renews the lease; returns the TTL left, 0 when the lease is gone (expired or revoked).
  Result<int64_t> KeepAlive(int64_t lease);
  Status RevokeLease(int64_t lease);
  // Puts `value` under `key` bound to `lease` unless the key exists; true when it was put.
  Result<bool> CreateIfAbsent(const std::string& key, const std::string& value, int64_t lease);
  // Puts `value` under `key` if the key is bound to `lease` (its holder's); true when it was.
  Result<bool> PutIfLease(const std::string& key, const std::string& value, int64_t lease);
  // The key's value, or nullopt when there is no such key.
  Result<std::optional<std::string>> Get(const std::string& key);
  // The lease the key is bound to (0: no key, or bound to none), by a linearizable read.
  Result<int64_t> LeaseOf(const std::string& key);
  // The endpoint that answered the last call that succeeded.
  std::size_t last_endpoint() const { return preferred_; }

 private:
  // A transaction: put (bound to `lease`) if `compare` (the compare's JSON members) holds.
  Result<bool> PutIf(const std::string& key, const std::string& value, int64_t lease,
                     const std::string& compare);
  // A linearizable read of one key: nullopt when there is no such key.
  struct KeyValue {
    std::string value;
    int64_t lease = 0;  // 0: bound to none
  };
  Result<std::optional<KeyValue>> Range(const std::string& key);
  // POSTs `body` to `path` on the first endpoint that answers; the answer's JSON.
  Result<std::string> Call(const std::string& path, const std::string& body);

  std::vector<std::string> endpoints_;
  std::chrono::milliseconds timeout_;
  std::size_t preferred_ = 0;  // the endpoint that answered last
};

std::string Base64(const std::string& bytes);

}  // namespace cm::app
