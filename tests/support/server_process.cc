#include "tests/support/server_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace cm::test {

std::string ServerBinary() { return CM_SERVER_BINARY; }
std::string ReplayBinary() { return CM_REPLAY_BINARY; }
std::string FakePgBinary() { return CM_FAKEPG_BINARY; }

pid_t Spawn(std::vector<std::string> args) {
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

pid_t StartChild(std::vector<std::string> args, const std::string& port_file, uint16_t* port) {
  const pid_t pid = Spawn(args);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file);
    int bound = 0;
    if (in >> bound && bound > 0) {
      *port = static_cast<uint16_t>(bound);
      return pid;
    }
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid)
      throw std::runtime_error(args[0] + " exited during startup");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  throw std::runtime_error(args[0] + " did not start listening within 30 s");
}

int WaitChild(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

ServerProcess::ServerProcess(const std::string& data_dir, std::vector<std::string> extra,
                             std::vector<std::string> launcher) {
  const std::string port_file = data_dir + ".port";
  std::remove(port_file.c_str());
  std::vector<std::string> args = {ServerBinary(),   "serve",
                                   "--address",      "127.0.0.1",
                                   "--port",         "0",
                                   "--data",         data_dir,
                                   "--port-file",    port_file,
                                   "--jwt-secret",   kSecret,
                                   "--admin-email",  kAdminEmail,
                                   "--admin-password", kAdminPassword,
                                   "--io-threads",   "2",
                                   "--access-log",   "false",
                                   "--log-level",    "warn"};
  if (std::find(extra.begin(), extra.end(), "--fast-password-hash=false") == extra.end())
    args.push_back("--fast-password-hash");
  // Every test client comes from 127.0.0.1, so the per-address limits are off unless a test
  // sets them itself.
  for (const char* flag : {"--signup-rate-per-ip", "--login-rate-per-ip", "--max-connections-per-ip"})
    if (std::find(extra.begin(), extra.end(), flag) == extra.end()) {
      args.push_back(flag);
      args.push_back("0");
    }
  args.insert(args.end(), extra.begin(), extra.end());
  args.insert(args.begin(), launcher.begin(), launcher.end());
  pid_ = StartChild(args, port_file, &port_);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Kill();
}

int ServerProcess::Wait() {
  const int code = WaitChild(pid_);
  pid_ = -1;
  return code;
}

int ServerProcess::WaitForExit(int limit_ms) {
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limit_ms);
  do {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return -1;
}

int ServerProcess::Terminate() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  return Wait();
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  Wait();
}

}  // namespace cm::test
