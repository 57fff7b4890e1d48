#include "tests/support/etcd_cluster.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <sodium.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/server_process.h"

namespace cm::test {

namespace {

// A port nobody listens on now (the kernel's choice for a socket bound to port 0).
uint16_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("no free port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::string Url(uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); }

std::string Base64(const std::string& in) {
  std::string out(sodium_base64_encoded_len(in.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(in.data()),
                    in.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);
  return out;
}

std::string FromBase64(const std::string& in) {
  std::string out(in.size(), '\0');
  size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(),
                        in.size(), nullptr, &length, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return "";
  out.resize(length);
  return out;
}

}  // namespace

EtcdCluster::EtcdCluster(const std::string& dir) {
  std::vector<uint16_t> peer_ports;
  for (int i = 0; i < 3; ++i) {
    client_ports_.push_back(FreePort());
    peer_ports.push_back(FreePort());
  }
  std::string initial;
  for (int i = 0; i < 3; ++i)
    initial += (i ? "," : "") + std::string("m") + std::to_string(i) + "=" + Url(peer_ports[i]);
  for (int i = 0; i < 3; ++i) {
    const std::string name = "m" + std::to_string(i);
    std::filesystem::create_directories(dir + "/" + name);
    std::vector<std::string> args = {
        "/usr/bin/etcd", "--name", name, "--data-dir", dir + "/" + name + "/data",
        "--listen-client-urls", Url(client_ports_[i]), "--advertise-client-urls",
        Url(client_ports_[i]), "--listen-peer-urls", Url(peer_ports[i]),
        "--initial-advertise-peer-urls", Url(peer_ports[i]), "--initial-cluster", initial,
        "--initial-cluster-state", "new", "--initial-cluster-token", "concertmania-test",
        "--logger", "zap", "--log-level", "error", "--log-outputs", dir + "/" + name + "/etcd.log"};
    pids_.push_back(Spawn(std::move(args)));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (uint16_t port : client_ports_) {
    for (;;) {
      try {
        HttpClient http(port);
        const auto r = http.Get("/health");
        if (r.status == 200 && r.body.find("\"true\"") != std::string::npos) break;
      } catch (const std::exception&) {
      }
      for (pid_t pid : pids_)
        if (waitpid(pid, nullptr, WNOHANG) == pid)
          throw std::runtime_error("an etcd member exited at startup (logs in " + dir + ")");
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("etcd did not become healthy within 30 s (logs in " + dir + ")");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

EtcdCluster::~EtcdCluster() {
  for (pid_t pid : pids_)
    if (pid != 0) kill(pid, SIGKILL);
  for (pid_t pid : pids_)
    if (pid != 0) waitpid(pid, nullptr, 0);
}

void EtcdCluster::Kill(int member) {
  const pid_t pid = pids_.at(static_cast<std::size_t>(member));
  if (pid == 0) return;
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  pids_[static_cast<std::size_t>(member)] = 0;
}

int EtcdCluster::RaftLeader() const {
  // Each live member's status names its own id and the leader's.
  std::vector<std::string> ids(pids_.size());
  std::string leader;
  for (std::size_t i = 0; i < pids_.size(); ++i) {
    if (pids_[i] == 0) continue;
    try {
      HttpClient http(client_ports_[i]);
      const auto r = http.Post("/v3/maintenance/status", "{}");
      if (r.status != 200) continue;
      const boost::json::value v = r.Json();
      ids[i] = std::string(v.at("header").at("member_id").as_string());
      if (const auto* l = v.as_object().if_contains("leader"); l != nullptr && leader.empty())
        leader = std::string(l->as_string());
    } catch (const std::exception&) {
    }
  }
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (!leader.empty() && ids[i] == leader) return static_cast<int>(i);
  return -1;
}

std::string EtcdCluster::endpoints() const {
  std::string out;
  for (uint16_t port : client_ports_) out += (out.empty() ? "" : ",") + Url(port);
  return out;
}

std::string EtcdCluster::Get(const std::string& key) const {
  std::size_t live = 0;
  while (live + 1 < pids_.size() && pids_[live] == 0) ++live;
  HttpClient http(client_ports_[live]);
  const auto r = http.Post("/v3/kv/range", "{\"key\":\"" + Base64(key) + "\"}");
  if (r.status != 200) return "";
  const boost::json::value v = r.Json();
  const auto* kvs = v.as_object().if_contains("kvs");
  if (kvs == nullptr || kvs->as_array().empty()) return "";
  const auto* value = kvs->as_array()[0].as_object().if_contains("value");
  return value == nullptr ? "" : FromBase64(std::string(value->as_string()));
}

}  // namespace cm::test
