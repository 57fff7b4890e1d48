#include "app/health_cli.h"

#include <cstdio>

#include "app/http_fetch.h"

namespace cm::app {

void AddHealthCommand(CLI::App& app, HealthCli& cli) {
  cli.health = app.add_subcommand("health", "Exit 0 when the server's /healthz answers 200");
  cli.health->add_option("--host", cli.host, "Address of the server")->capture_default_str();
  // The same variable as `serve --port`, so a container's check follows the server's port.
  cli.health->add_option("--port", cli.port, "Port of the server")
      ->envname("CM_PORT")->check(CLI::Range(1, 65535))->capture_default_str();
  cli.health->add_option("--timeout", cli.timeout_s, "Seconds to wait for the answer")
      ->check(CLI::Range(1, 600))->capture_default_str();
}

int RunHealthCommand(const HealthCli& cli) {
  const std::string url = "http://" + cli.host + ":" + std::to_string(cli.port);
  auto r = Fetch(url, boost::beast::http::verb::get, "/healthz", "", "",
                 std::chrono::seconds(cli.timeout_s));
  if (!r.ok()) {
    std::fprintf(stderr, "concertmania health: %s: %s\n", url.c_str(),
                 r.status().message().c_str());
    return 1;
  }
  if (r.value().status != 200) {
    std::fprintf(stderr, "concertmania health: %s/healthz answered %d\n", url.c_str(),
                 r.value().status);
    return 1;
  }
  return 0;
}

}  // namespace cm::app
