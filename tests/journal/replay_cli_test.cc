// concertmania-replay, run as a program over real data directories: its summary, --verify,
// --until, --dump, --check-snapshot, and its exit codes.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "engine/codec/state_codec.h"
#include "journal/journal_writer.h"
#include "journal/snapshot_files.h"
#include "json/json_writer.h"
#include "runtime/pipeline.h"
#include "tests/support/random_commands.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_world.h"
#include "views/event_json.h"

using namespace cm::test;

namespace {

struct Run {
  int exit_code = -1;
  std::string out;  // stdout and stderr
};

Run Replay(const std::string& args) {
  const std::string cmd = std::string(CM_REPLAY_BINARY) + " " + args + " 2>&1";
  Run r;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// A data directory written by the real pipeline, with snapshots.
Seq MakeData(const std::string& dir, uint64_t* hash) {
  cm::runtime::PipelineOptions options;
  options.data_dir = dir;
  options.snapshot_every = 500;
  auto p = cm::runtime::Pipeline::Open(options, nullptr);
  REQUIRE(p.ok());
  RandomCommands gen(21);
  for (auto& c : gen.Setup()) REQUIRE(p.value()->TryPublish(c) == cm::runtime::Pipeline::PublishResult::kOk);
  for (int i = 0; i < 3000; ++i)
    while (p.value()->TryPublish(gen.Next()) != cm::runtime::Pipeline::PublishResult::kOk) {
    }
  p.value()->Stop();
  *hash = StateHash(p.value()->state_after_stop());
  return p.value()->durable_seq();
}

std::string Hex(uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

TEST_CASE("replay prints the count, last seq and hash; snapshot and full replay agree") {
  TempDir dir;
  uint64_t hash = 0;
  const Seq last = MakeData(dir.path(), &hash);
  Run r = Replay("--data " + dir.path() + " --verify --check-snapshot");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("last seq:   " + std::to_string(last)) != std::string::npos);
  CHECK(r.out.find("state hash: " + Hex(hash)) != std::string::npos);
  CHECK(r.out.find("(same)") != std::string::npos);
  CHECK(r.out.find("invariants: all hold") != std::string::npos);
  CHECK(r.out.find("snapshot:   none") == std::string::npos);

  CHECK(r.out.find("state hashes: ") != std::string::npos);
  CHECK(r.out.find("state hashes: 0 ") == std::string::npos);  // the tail holds one at least
  // In full, every snapshot the pipeline took left its digest to check.
  Run full = Replay("--data " + dir.path() + " --verify --full");
  INFO(full.out);
  CHECK(full.exit_code == 0);
  const auto at = full.out.find("state hashes: ");
  REQUIRE(at != std::string::npos);
  CHECK(std::stoull(full.out.substr(at + 14)) >= 1);

  Run until = Replay("--data " + dir.path() + " --until 100 --full");
  CHECK(until.exit_code == 0);
  CHECK(until.out.find("last seq:   100\n") != std::string::npos);
}

TEST_CASE("--dump prints one JSON line per event") {
  TempDir dir;
  uint64_t hash = 0;
  const Seq last = MakeData(dir.path(), &hash);
  const std::string cmd = std::string(CM_REPLAY_BINARY) + " --data " + dir.path() +
                          " --dump 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char line[4096];
  Seq lines = 0;
  bool seqs_in_order = true;
  while (std::fgets(line, sizeof line, p)) {
    ++lines;
    const std::string l(line);
    seqs_in_order &= l.rfind("{\"seq\":" + std::to_string(lines) + ",", 0) == 0;
    CHECK(l.back() == '\n');
  }
  CHECK(::pclose(p) == 0);
  CHECK(lines == last);
  CHECK(seqs_in_order);
}

TEST_CASE("exit codes: missing data 1, corruption 2 naming the file, broken invariant 3") {
  TempDir dir;
  Run missing = Replay("--data " + dir.path() + "/nothing-here");
  CHECK(missing.exit_code == 1);
  CHECK(missing.out.find("no journal") != std::string::npos);

  uint64_t hash = 0;
  MakeData(dir.path(), &hash);
  const auto snaps = cm::journal::ListSnapshots(cm::journal::SnapshotDir(dir.path()));
  REQUIRE_FALSE(snaps.empty());
  {
    std::fstream f(snaps[0].path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40);
    f.put('\x7f');
  }
  Run corrupt = Replay("--data " + dir.path());
  CHECK(corrupt.exit_code == 2);
  CHECK(corrupt.out.find(snaps[0].path) != std::string::npos);
  CHECK(Replay("--data " + dir.path() + " --full").exit_code == 0);  // the journal is fine

  // A journal whose events apply but leave a hold live past its expiry (only a bug could
  // write this; --verify must catch it).
  TempDir bad;
  {
    auto store = cm::journal::OpenRocksJournal(cm::journal::JournalDir(bad.path()),
                                               cm::journal::Durability::kSync);
    REQUIRE(store.ok());
    TestWorld w;
    const UserId u = w.AddUser("u@x.io");
    const ConcertId c = w.AddConcert(w.AddVenue(GridVenue(1, 1, 4)), true, 4, 1'000);
    w.Hold(u, c, {0});
    Event late = w.Run(w.As(u, TestWorld::kStart + 500, ReleaseHoldCmd{424242}));
    late.ts = TestWorld::kStart + 5'000;  // time passed, yet no HoldExpired came first
    cm::journal::JournalWriter writer(*store.value(), 1);
    for (const Event& e : w.sink.events) writer.Add(&e == &w.sink.events.back() ? late : e);
    REQUIRE(writer.Commit().ok());
  }
  Run broken = Replay("--data " + bad.path() + " --verify");
  CHECK(broken.exit_code == 3);
  CHECK(broken.out.find("past its expiry") != std::string::npos);
}

TEST_CASE("--verify stops with exit 2 where the state differs from a recorded digest") {
  TempDir dir;
  Seq hashed_at = 0;
  {
    auto store = cm::journal::OpenRocksJournal(cm::journal::JournalDir(dir.path()),
                                               cm::journal::Durability::kSync);
    REQUIRE(store.ok());
    TestWorld w;
    const UserId u = w.AddUser("u@x.io");
    const ConcertId c = w.AddConcert(w.AddVenue(GridVenue(1, 1, 4)));
    std::string encoded;
    EncodeState(w.state, &encoded);
    const uint64_t right = EncodedStateDigest(encoded);
    w.Hold(u, c, {0});
    // A digest of the state before the hold, recorded after it: as a diverged replica sees it.
    Event wrong;
    wrong.seq = w.state.last_seq() + 1;
    wrong.ts = w.state.clock();
    wrong.body = StateHashed{w.state.last_seq(), right, kStateFormatVersion};
    hashed_at = w.state.last_seq();
    cm::journal::JournalWriter writer(*store.value(), 1);
    for (const Event& e : w.sink.events) writer.Add(e);
    writer.Add(wrong);
    REQUIRE(writer.Commit().ok());
  }
  CHECK(Replay("--data " + dir.path()).exit_code == 0);  // without --verify, not compared
  Run verify = Replay("--data " + dir.path() + " --verify");
  INFO(verify.out);
  CHECK(verify.exit_code == 2);
  CHECK(verify.out.find("the state at seq " + std::to_string(hashed_at) + " differs") !=
        std::string::npos);
}

TEST_CASE("JSON strings are escaped, whatever they hold") {
  std::string out;
  cm::json::AppendQuoted("a\"b\\c\nd\x01\te/\xc3\xa9", &out);
  CHECK(out == "\"a\\\"b\\\\c\\nd\\u0001\\te/\xc3\xa9\"");
}

TEST_CASE("an event's JSON follows the one UTF-8 policy: invalid bytes become U+FFFD") {
  cm::engine::UserRegistered registered;
  registered.user = 7;
  registered.email = "fan@example.com";
  registered.name = "Bj\xf6rk";  // Latin-1, not UTF-8
  cm::engine::Event e;
  e.body = registered;
  std::string out;
  cm::views::AppendEventJson(e, &out);
  CHECK(out.find("\"name\":\"Bj\\ufffdrk\"") != std::string::npos);
}
