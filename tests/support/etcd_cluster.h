#pragma once
// A real etcd cluster of three members on 127.0.0.1 (Debian's etcd-server), each a child
// process with its own data directory, started by the test and killed when it ends.

#include <sys/types.h>

#include <string>
#include <vector>

namespace cm::test {

class EtcdCluster {
 public:
  // Starts three members and waits (up to 30 s) until each says it is healthy.
  explicit EtcdCluster(const std::string& dir);
  ~EtcdCluster();  // SIGKILL
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  // The client URLs, comma-separated (for --elect-with-etcd).
  std::string endpoints() const;
  // The value of `key`, or "" (through the JSON gateway, from the first live member).
  std::string Get(const std::string& key) const;
  // Which member (0-2) leads the raft group now, as the live members say; -1 when none does.
  int RaftLeader() const;
  // SIGKILLs one member.
  void Kill(int member);

 private:
  std::vector<pid_t> pids_;  // 0 once killed
  std::vector<uint16_t> client_ports_;
};

}  // namespace cm::test
