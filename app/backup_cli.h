#pragma once
// `concertmania backup` and `concertmania restore`: online backups from the outside.
//   backup --url URL --to DIR     asks a running server for a backup (POST /api/admin/backups,
//                                 as an admin: --email/--password or --token) and copies it
//                                 into DIR, checking every file's size and crc32c
//   restore --from DIR --data D   checks the backup in DIR and lays it out as data directory D
//                                 (which must be new or empty), ready for `serve --data D`,
//                                 and starts a new timeline there (journal/timeline.h)
// Exit codes: 0 done; 1 bad usage, an unreachable server or a refused request; 2 a backup that
// fails its checks.

#include <CLI/CLI.hpp>

#include <string>

namespace cm::app {

struct BackupCli {
  CLI::App* backup = nullptr;
  CLI::App* restore = nullptr;
  std::string url = "http://127.0.0.1:8080";
  std::string to;
  std::string email, password, token;
  std::string from;
  std::string data_dir;
  unsigned timeline = 0;  // restore --timeline; 0: the lowest free one
  std::string keys_from;  // restore --keys-from: where the key files are kept
  bool without_keys = false;  // restore --without-keys: the server gets its keys elsewhere
  int timeout_s = 600;
};

void AddBackupCommands(CLI::App& app, BackupCli& cli);
int RunBackupCommand(const BackupCli& cli);

}  // namespace cm::app
