#include "tests/support/fakepg_process.h"

#include <signal.h>

#include <stdexcept>

#include "tests/support/server_process.h"

namespace cm::test {

FakePgProcess::FakePgProcess(const std::string& port_file, std::vector<std::string> flags) {
  std::remove(port_file.c_str());
  std::vector<std::string> args = {FakePgBinary(), "--port", "0", "--port-file", port_file,
                                   "--threads", "1"};
  args.insert(args.end(), flags.begin(), flags.end());
  pid_ = StartChild(args, port_file, &port_);
}

FakePgProcess::~FakePgProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  WaitChild(pid_);
}

void FakePgProcess::Configure(const std::string& settings_json) {
  HttpClient http(port_);
  auto r = http.Request("PUT", "/v1/config", settings_json,
                        {{"Content-Type", "application/json"}});
  if (r.status != 200) throw std::runtime_error("fakepg refused its config: " + r.body);
}

boost::json::value FakePgProcess::Ledger() { return HttpClient(port_).Get("/v1/ledger").Json(); }

boost::json::value FakePgProcess::Charge(const std::string& key) {
  return HttpClient(port_).Get("/v1/charges/" + key).Json();
}

}  // namespace cm::test
