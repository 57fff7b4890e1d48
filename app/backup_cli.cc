#include "app/backup_cli.h"

#include <simdjson.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include "app/http_fetch.h"
#include "journal/backup.h"
#include "journal/timeline.h"
#include "json/json_writer.h"

namespace cm::app {
namespace {

namespace fs = std::filesystem;
using boost::beast::http::verb;

constexpr int kFailed = 1, kBadBackup = 2;

int Fail(const std::string& why) {
  std::fprintf(stderr, "concertmania: %s\n", why.c_str());
  return kFailed;
}

int RunBackup(const BackupCli& cli) {
  auto token = AdminToken(cli.url, cli.token, cli.email, cli.password);
  if (!token.ok()) return Fail(token.status().message());
  std::error_code ec;
  if (fs::exists(cli.to, ec) && !fs::is_empty(cli.to, ec))
    return Fail(cli.to + " is not empty: copy a backup into a new directory");
  auto made = Fetch(cli.url, verb::post, "/api/admin/backups", "", token.value(),
                    std::chrono::seconds(cli.timeout_s));
  if (!made.ok()) return Fail(made.status().message());
  if (made.value().status != 201)
    return Fail("the server did not take a backup (" + std::to_string(made.value().status) +
                "): " + made.value().body);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  uint64_t seq;
  std::string_view hash;
  simdjson::dom::array files;
  if (parser.parse(made.value().body).get(doc) || doc["seq"].get(seq) ||
      doc["stateHash"].get(hash) || doc["files"].get(files))
    return Fail("the server's answer is not a backup: " + made.value().body);
  // The copy holds e-mails and password hashes: only its owner may read it.
  fs::create_directories(cli.to, ec);
  fs::permissions(cli.to, fs::perms::owner_all, ec);
  if (ec) return Fail("cannot create " + cli.to + ": " + ec.message());
  const std::string base = "/api/admin/backups/" + std::to_string(seq) + "/file?path=";
  std::vector<std::string> paths{"MANIFEST"};
  for (auto f : files) {
    std::string_view p;
    if (f["path"].get(p)) return Fail("a file of the backup has no path");
    if (!journal::IsKeyFile(std::string(p))) paths.emplace_back(p);
  }
  uint64_t bytes = 0;
  for (const std::string& p : paths) {
    auto got = Fetch(cli.url, verb::get, base + QueryEscape(p), "", token.value(),
                     std::chrono::seconds(cli.timeout_s));
    if (!got.ok()) return Fail(got.status().message());
    if (got.value().status != 200)
      return Fail("cannot read " + p + " (" + std::to_string(got.value().status) + ")");
    const fs::path out = fs::path(cli.to) / p;
    fs::create_directories(out.parent_path(), ec);
    std::ofstream file(out, std::ios::binary | std::ios::trunc);
    file << got.value().body;
    if (!file.flush()) return Fail("cannot write " + out.string());
    fs::permissions(out, fs::perms::owner_read | fs::perms::owner_write, ec);
    bytes += got.value().body.size();
  }
  auto checked = journal::ReadBackup(cli.to, true);
  if (!checked.ok()) {
    std::fprintf(stderr, "concertmania: the copy fails its checks: %s\n",
                 checked.status().ToString().c_str());
    return kBadBackup;
  }
  std::printf("backup of seq %" PRIu64 " (state hash %.*s) copied to %s: %zu files, %" PRIu64
              " bytes\n",
              seq, static_cast<int>(hash.size()), hash.data(), cli.to.c_str(), paths.size(),
              bytes);
  return 0;
}

int RunRestore(const BackupCli& cli) {
  auto b = journal::ReadBackup(cli.from, true);
  if (!b.ok()) {
    std::fprintf(stderr, "concertmania: %s\n", b.status().ToString().c_str());
    return b.status().IsNotFound() ? kFailed : kBadBackup;
  }
  // Without its keys a server makes new ones, and every ticket code already issued would be
  // refused at the door: that must be chosen, never an accident.
  if (!journal::HoldsKeys(cli.from) && cli.keys_from.empty() && !cli.without_keys) {
    std::fprintf(stderr,
                 "concertmania: a backup holds no keys: give --keys-from DIR (the directory "
                 "where jwt-secret and ticket-signing-key were kept), or --without-keys when "
                 "the server takes them from --jwt-secret and --ticket-signing-key\n");
    return kBadBackup;
  }
  if (Status s = journal::RestoreBackup(cli.from, cli.data_dir, cli.keys_from); !s.ok())
    return Fail(s.ToString());
  // The lost events' ids may be out in the world: what comes next starts a new timeline.
  std::optional<engine::Timeline> requested;
  if (cli.timeline > 0) requested = static_cast<engine::Timeline>(cli.timeline);
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  auto started = journal::StartTimeline(cli.data_dir, cli.from, requested, now_ms);
  if (!started.ok()) return Fail("restored, but no new timeline: " + started.status().ToString());
  const engine::TimelineStart& t = started.value().start;
  std::printf("restored the backup of seq %" PRIu64 " (state hash %016" PRIx64
              ") into %s as timeline %u (after timeline %u, from seq %" PRIu64
              "; new ids from %" PRIu64 "); start it with: concertmania serve --data %s\n",
              b.value().seq, b.value().state_hash, cli.data_dir.c_str(), t.timeline,
              started.value().previous, t.first_seq, t.id_base + t.first_seq + 1,
              cli.data_dir.c_str());
  return 0;
}

}  // namespace

void AddBackupCommands(CLI::App& app, BackupCli& cli) {
  cli.backup =
      app.add_subcommand("backup", "Take an online backup of a running server and copy it out");
  cli.backup->add_option("--url", cli.url, "The server")->envname("CM_URL")->capture_default_str();
  cli.backup->add_option("--to", cli.to, "A new directory for the copy")->required();
  cli.backup->add_option("--email", cli.email, "An admin's email")->envname("CM_ADMIN_EMAIL");
  cli.backup->add_option("--password", cli.password, "That admin's password")
      ->envname("CM_ADMIN_PASSWORD");
  cli.backup->add_option("--token", cli.token, "An admin's access token instead of a login")
      ->envname("CM_ADMIN_TOKEN");
  cli.backup->add_option("--timeout", cli.timeout_s, "Seconds to wait for each answer")
      ->capture_default_str();
  cli.restore = app.add_subcommand("restore", "Check a backup and make a data directory of it");
  cli.restore->add_option("--from", cli.from, "The backup's directory")->required();
  cli.restore->add_option("--data", cli.data_dir, "The new data directory")->required();
  cli.restore
      ->add_option("--timeline", cli.timeline,
                   "The new timeline's number (default: the lowest this backup has not taken)")
      ->check(CLI::Range(1u, engine::kMaxTimeline));
  auto* keys = cli.restore->add_option(
      "--keys-from", cli.keys_from,
      "A directory holding the server's jwt-secret and ticket-signing-key (copied 0600)");
  cli.restore
      ->add_flag("--without-keys", cli.without_keys,
                 "Restore without key files: the server takes its keys from its flags, or makes "
                 "new ones (then codes already issued are refused at the door)")
      ->excludes(keys);
}

int RunBackupCommand(const BackupCli& cli) {
  if (cli.backup->parsed()) return RunBackup(cli);
  return RunRestore(cli);
}

}  // namespace cm::app
