// concertmania: the ticketing server. `concertmania serve --help` lists every flag;
// `concertmania tickets --help` the offline door's tools; `backup` and `restore` online
// backups; `health` a container's health check; `promote` a standby's takeover; `reconcile`
// the payment provider's books against the engine's; `queue verify` a waiting room's proof.
#include <CLI/CLI.hpp>

#include <cstring>

#include "app/backup_cli.h"
#include "app/health_cli.h"
#include "app/promote_cli.h"
#include "app/queue_verify_cli.h"
#include "app/reconcile_cli.h"
#include "app/serve_options.h"
#include "app/tickets_cli.h"
#include "runtime/huge_page_heap.h"

int main(int argc, char** argv) {
  // The server holds the state: on huge pages it restarts and decides faster.
  if (argc > 1 && std::strcmp(argv[1], "serve") == 0) cm::runtime::UseHugePageHeap(argv);
  CLI::App app{"Concert Mania: a concert ticketing backend"};
  app.require_subcommand(1);
  cm::app::ServeOptions options;
  CLI::App* serve = app.add_subcommand("serve", "Run the HTTP booking server");
  cm::app::AddServeFlags(*serve, options);
  cm::app::TicketsCli tickets;
  cm::app::AddTicketsCommands(app, tickets);
  cm::app::BackupCli backups;
  cm::app::AddBackupCommands(app, backups);
  cm::app::HealthCli health;
  cm::app::AddHealthCommand(app, health);
  cm::app::PromoteCli promote;
  cm::app::AddPromoteCommand(app, promote);
  cm::app::ReconcileCli reconcile;
  cm::app::AddReconcileCommand(app, reconcile);
  cm::app::QueueCli queue;
  cm::app::AddQueueCommands(app, queue);
  CLI11_PARSE(app, argc, argv);
  if (serve->parsed()) return cm::app::RunServer(options);
  if (tickets.root->parsed()) return cm::app::RunTicketsCommand(tickets);
  if (backups.backup->parsed() || backups.restore->parsed())
    return cm::app::RunBackupCommand(backups);
  if (health.health->parsed()) return cm::app::RunHealthCommand(health);
  if (promote.promote->parsed()) return cm::app::RunPromoteCommand(promote);
  if (reconcile.reconcile->parsed()) return cm::app::RunReconcileCommand(reconcile);
  if (queue.root->parsed()) return cm::app::RunQueueCommand(queue);
  return 0;
}
