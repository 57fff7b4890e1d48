#include "app/promote_cli.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "app/http_fetch.h"
#include "app/replication_parts.h"

namespace cm::app {

void AddPromoteCommand(CLI::App& app, PromoteCli& cli) {
  cli.promote = app.add_subcommand("promote", "Tell the standby on a data directory to lead");
  cli.promote->add_option("--data-dir", cli.data_dir, "The standby's data directory")
      ->envname("CM_DATA_DIR")->capture_default_str();
  cli.promote->add_option("--wait-port", cli.wait_port,
                          "Then wait until the server on this port takes writes (0: do not)")
      ->check(CLI::Range(0, 65535))->capture_default_str();
  cli.promote->add_option("--host", cli.host, "Address of the server to wait for")
      ->capture_default_str();
  cli.promote->add_option("--timeout", cli.timeout_s, "Seconds to wait")
      ->check(CLI::Range(1, 3600))->capture_default_str();
}

int RunPromoteCommand(const PromoteCli& cli) {
  if (!std::filesystem::is_directory(cli.data_dir)) {
    std::fprintf(stderr, "concertmania promote: %s is not a directory\n", cli.data_dir.c_str());
    return 1;
  }
  const std::string request = PromoteRequestFile(cli.data_dir);
  if (!(std::ofstream(request) << "promote\n")) {
    std::fprintf(stderr, "concertmania promote: cannot write %s\n", request.c_str());
    return 1;
  }
  if (cli.wait_port == 0) return 0;
  const std::string url = "http://" + cli.host + ":" + std::to_string(cli.wait_port);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(cli.timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = Fetch(url, boost::beast::http::verb::get, "/metrics", "", "",
                   std::chrono::seconds(2));
    if (r.ok() && r.value().status == 200 &&
        r.value().body.find("\ncm_leader 1\n") != std::string::npos)
      return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr, "concertmania promote: %s did not take writes within %d s\n", url.c_str(),
               cli.timeout_s);
  return 1;
}

}  // namespace cm::app
