#pragma once
// The real server as a child process, for tests over real TCP: `concertmania serve` on a free
// port of 127.0.0.1 with its own data directory.

#include <sys/types.h>

#include <cstdint>

#include <string>
#include <vector>

namespace cm::test {

class ServerProcess {
 public:
  // Starts the server and waits (up to 30 s) until it listens. Extra flags are appended
  // (--fast-password-hash=false asks for real argon2id). `launcher`, when given, runs the
  // server (for example {"/usr/bin/prlimit", "--nofile=300:300"}).
  ServerProcess(const std::string& data_dir, std::vector<std::string> extra_flags = {},
                std::vector<std::string> launcher = {});
  ~ServerProcess();  // SIGKILL if still running
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // SIGTERM and wait; returns the exit code (or 128 + signal).
  int Terminate();
  // SIGKILL and wait: a crash.
  void Kill();
  // Waits up to `limit_ms` for the server to exit by itself: its exit code (or 128 + signal),
  // or -1 while it still runs.
  int WaitForExit(int limit_ms);
  // A secret both the server and the test know, so tests can forge tokens on purpose.
  static constexpr const char* kSecret = "test-secret-0123456789abcdef0123456789abcdef";
  static constexpr const char* kAdminEmail = "root@test.io";
  static constexpr const char* kAdminPassword = "root-password";

 private:
  int Wait();
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

// Path of a built program, from a compile definition.
std::string ServerBinary();
std::string ReplayBinary();
std::string FakePgBinary();

// Starts `args` (args[0] is the program's path) as a child process.
pid_t Spawn(std::vector<std::string> args);
// Starts `args` (args[0] is the program) and waits (up to 30 s) until it writes its port to
// `port_file`; throws when it exits or times out first.
pid_t StartChild(std::vector<std::string> args, const std::string& port_file, uint16_t* port);
// Waits for the child; returns its exit code (or 128 + signal).
int WaitChild(pid_t pid);

}  // namespace cm::test
