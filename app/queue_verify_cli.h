#pragma once
// `concertmania queue verify PROOF.json`: checks a waiting room's opening proof (views/
// queue_proof.h) as an outsider would: the seed against the commitment published before the
// sale, and the order recomputed from the seed and the entries. Written from the rules in
// docs/architecture.md with OpenSSL and simdjson, sharing none of the engine's code, so it
// checks the engine rather than repeating it. With --user and a proof whose key is revealed,
// finds that account's own entry. Exit 0: the proof holds; 1: it does not (why on stderr);
// 2: the file cannot be read.

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace cm::app {

struct QueueCli {
  CLI::App* root = nullptr;
  CLI::App* verify = nullptr;
  std::string proof_path;
  uint64_t user = 0;         // 0: no account to look for
  bool print_order = false;  // the recomputed order, one pseudonym a line
};

void AddQueueCommands(CLI::App& app, QueueCli& cli);
int RunQueueCommand(const QueueCli& cli);

}  // namespace cm::app
