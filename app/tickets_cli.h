#pragma once
// `concertmania tickets export` and `concertmania tickets verify`: the offline door.
//   export --data D --concert N [--out FILE]   the door bundle of concert N, from D's journal
//                                              (a stopped server's data, or a copy of it; a
//                                              running server serves the same bundle at
//                                              GET /api/checkin/bundle?concert=N)
//   verify CODE --bundle FILE                  checks one code offline; prints the verdict
// Exit codes: 0 admitted (verify) or written (export); 1 bad usage or unreadable input;
// 2 the code does not admit (verify).

#include <CLI/CLI.hpp>

#include <string>

namespace cm::app {

struct TicketsCli {
  CLI::App* root = nullptr;
  CLI::App* export_cmd = nullptr;
  CLI::App* verify_cmd = nullptr;
  std::string data_dir = "./data";
  uint64_t concert = 0;
  std::string out;
  std::string code;
  std::string bundle;
};

void AddTicketsCommands(CLI::App& app, TicketsCli& cli);
int RunTicketsCommand(const TicketsCli& cli);

}  // namespace cm::app
