// concertmania: the ticketing server. `concertmania serve --help` lists every flag.
#include <CLI/CLI.hpp>

#include "app/serve_options.h"

int main(int argc, char** argv) {
  CLI::App app{"Concert Mania: a concert ticketing backend"};
  app.require_subcommand(1);
  cm::app::ServeOptions options;
  CLI::App* serve = app.add_subcommand("serve", "Run the HTTP booking server");
  cm::app::AddServeFlags(*serve, options);
  CLI11_PARSE(app, argc, argv);
  if (serve->parsed()) return cm::app::RunServer(options);
  return 0;
}
