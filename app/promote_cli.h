#pragma once
// `concertmania promote --data-dir DIR`: tells the standby serving from DIR to take over as
// the leader (it looks for the request every 100 ms). Like `pg_ctl promote`, it needs access to
// the standby's data directory, which is how it is kept to the standby's operators. With
// `--wait-port`, it then waits until the server on that port takes writes (its /metrics says
// cm_leader 1), and fails if that takes longer than `--timeout`.

#include <CLI/CLI.hpp>

#include <string>

namespace cm::app {

struct PromoteCli {
  CLI::App* promote = nullptr;
  std::string data_dir = "./data";
  std::string host = "127.0.0.1";
  int wait_port = 0;
  int timeout_s = 30;
};

void AddPromoteCommand(CLI::App& app, PromoteCli& cli);
int RunPromoteCommand(const PromoteCli& cli);

}  // namespace cm::app
