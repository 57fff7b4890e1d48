#include "app/tickets_cli.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "journal/journal_archive.h"
#include "journal/recovery.h"
#include "json/json_writer.h"
#include "runtime/wall_clock.h"
#include "tickets/door_bundle.h"
#include "tickets/signing_key.h"

namespace cm::app {

void AddTicketsCommands(CLI::App& app, TicketsCli& cli) {
  cli.root = app.add_subcommand("tickets", "The offline door: export a bundle, verify a code");
  cli.root->require_subcommand(1);
  cli.export_cmd = cli.root->add_subcommand(
      "export", "Write a concert's door bundle (public key and revocation list) from a data "
                "directory");
  cli.export_cmd->add_option("--data", cli.data_dir, "Data directory (its journal is read)")
      ->envname("CM_DATA_DIR");
  cli.export_cmd->add_option("--concert", cli.concert, "Concert id")->required();
  cli.export_cmd->add_option("--out", cli.out, "Write the bundle here (default: stdout)");
  cli.verify_cmd = cli.root->add_subcommand("verify", "Check one ticket code against a bundle");
  cli.verify_cmd->add_option("code", cli.code, "The code a QR code carries (CM1...)")->required();
  cli.verify_cmd->add_option("--bundle", cli.bundle, "A bundle from `tickets export`")->required();
}

namespace {

int Export(const TicketsCli& cli) {
  if (!std::filesystem::is_directory(journal::JournalDir(cli.data_dir))) {
    std::fprintf(stderr, "tickets export: no journal in %s\n", cli.data_dir.c_str());
    return 1;
  }
  // The server's key, never a fresh one: a bundle with a key nobody signed with refuses all.
  const std::string key_file = cli.data_dir + "/ticket-signing-key";
  if (std::getenv("CM_TICKET_SIGNING_KEY") == nullptr && !std::filesystem::exists(key_file)) {
    std::fprintf(stderr, "tickets export: no %s (and no CM_TICKET_SIGNING_KEY)\n",
                 key_file.c_str());
    return 1;
  }
  auto key = tickets::SigningKey::ForServer(cli.data_dir, "");
  if (!key.ok()) {
    std::fprintf(stderr, "tickets export: %s\n", key.status().ToString().c_str());
    return 1;
  }
  auto store =
      journal::OpenRocksJournal(journal::JournalDir(cli.data_dir), journal::Durability::kSync);
  if (!store.ok()) {
    std::fprintf(stderr, "tickets export: %s (is the server still running? it serves the same "
                         "bundle at GET /api/checkin/bundle)\n",
                 store.status().ToString().c_str());
    return 1;
  }
  auto with_archive = journal::WithArchive(journal::ArchiveDir(cli.data_dir), *store.value());
  auto r = journal::Recover(*with_archive, journal::SnapshotDir(cli.data_dir), {});
  if (!r.ok()) {
    std::fprintf(stderr, "tickets export: %s\n", r.status().ToString().c_str());
    return 1;
  }
  if (r->state->FindConcert(cli.concert) == nullptr) {
    std::fprintf(stderr, "tickets export: no concert %lu\n", static_cast<unsigned long>(cli.concert));
    return 1;
  }
  const int64_t now = runtime::WallNowMs();
  const std::string bundle = tickets::ExportDoorBundle(*r->state, cli.concert,
                                                       key->public_key(), json::FormatTime(now));
  if (cli.out.empty()) {
    std::fwrite(bundle.data(), 1, bundle.size(), stdout);
    std::fputc('\n', stdout);
    return 0;
  }
  std::ofstream out(cli.out, std::ios::trunc);
  out << bundle << '\n';
  if (!out.flush()) {
    std::fprintf(stderr, "tickets export: cannot write %s\n", cli.out.c_str());
    return 1;
  }
  return 0;
}

int Verify(const TicketsCli& cli) {
  std::ifstream in(cli.bundle);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    std::fprintf(stderr, "tickets verify: cannot read %s\n", cli.bundle.c_str());
    return 1;
  }
  auto bundle = tickets::ParseDoorBundle(text.str());
  if (!bundle.ok()) {
    std::fprintf(stderr, "tickets verify: %s\n", bundle.status().ToString().c_str());
    return 1;
  }
  tickets::TicketClaim claim;
  const tickets::OfflineVerdict v = tickets::VerifyOffline(bundle.value(), cli.code, &claim);
  json::JsonWriter w;
  w.BeginObject().Field("result", tickets::ToString(v));
  if (v != tickets::OfflineVerdict::kInvalidTicket)
    w.Field("ticketId", claim.ticket)
        .Field("concertId", claim.concert)
        .Field("seat", claim.seat)
        .Field("version", claim.version);
  w.EndObject();
  std::printf("%s\n", w.str().c_str());
  return v == tickets::OfflineVerdict::kAdmit ? 0 : 2;
}

}  // namespace

int RunTicketsCommand(const TicketsCli& cli) {
  if (cli.export_cmd->parsed()) return Export(cli);
  return Verify(cli);
}

}  // namespace cm::app
