#pragma once
// `concertmania health`: asks a running server's /healthz, for a container's HEALTHCHECK (the
// runtime image has no curl). Exit 0 when it answers 200 within the timeout, 1 otherwise.

#include <CLI/CLI.hpp>

#include <string>

namespace cm::app {

struct HealthCli {
  CLI::App* health = nullptr;
  std::string host = "127.0.0.1";
  int port = 8080;
  int timeout_s = 3;
};

void AddHealthCommand(CLI::App& app, HealthCli& cli);
int RunHealthCommand(const HealthCli& cli);

}  // namespace cm::app
