#pragma once
// concertmania-fakepg as a child process on a free port of 127.0.0.1, with helpers to change
// its failure injection and read its ledger over its HTTP API.

#include <sys/types.h>

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "tests/support/http_client.h"

namespace cm::test {

class FakePgProcess {
 public:
  // `flags` are appended to the command line (e.g. "--latency-min-ms", "5").
  explicit FakePgProcess(const std::string& port_file, std::vector<std::string> flags = {});
  ~FakePgProcess();  // SIGKILL
  FakePgProcess(const FakePgProcess&) = delete;
  FakePgProcess& operator=(const FakePgProcess&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // PUT /v1/config with `settings` (fakepg's camelCase names); throws unless 200.
  void Configure(const std::string& settings_json);
  // GET /v1/ledger: captured, refunded, chargeRequests, captures, declines, refunds.
  boost::json::value Ledger();
  // GET /v1/charges/{key}: status and amount.
  boost::json::value Charge(const std::string& key);

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

}  // namespace cm::test
