// Crash safety: a child process runs the pipeline with the journal in sync mode and reports
// every durable seq it learns of through a pipe; the parent kills it with SIGKILL at a random
// moment. After reopening, every reported seq is there, the journal is a clean prefix that
// replays without error, and a snapshot + tail restart agrees with a full replay.
#include <doctest/doctest.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "engine/invariants.h"
#include "engine/codec/state_codec.h"
#include "runtime/pipeline.h"
#include "tests/support/random_commands.h"
#include "tests/support/temp_dir.h"

using namespace cm::test;
using namespace cm::engine;
using cm::runtime::Pipeline;

namespace {

struct PipeReporter : cm::runtime::DurableListener {
  int fd;
  void OnDurable(const EventSlot&) override {}
  void OnBatchDelivered(Seq durable) override {
    char line[32];
    const int n = std::snprintf(line, sizeof line, "%llu\n",
                                static_cast<unsigned long long>(durable));
    if (::write(fd, line, static_cast<std::size_t>(n)) != n) _exit(3);
  }
};

[[noreturn]] void RunChild(const std::string& dir, int fd, uint64_t seed) {
  cm::runtime::PipelineOptions options;
  options.data_dir = dir;
  options.snapshot_every = 3'000;
  PipeReporter reporter;
  reporter.fd = fd;
  auto opened = Pipeline::Open(options, &reporter);
  if (!opened.ok()) _exit(2);
  RandomCommands gen(1);
  auto setup = gen.Setup();  // after the first round these are rejected, which is fine
  gen.Reseed(seed);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (std::size_t i = 0; i < 5'000'000 && std::chrono::steady_clock::now() < deadline; ++i) {
    Command c = i < setup.size() ? setup[i] : gen.Next();
    while (opened.value()->TryPublish(c) == Pipeline::PublishResult::kFull)
      std::this_thread::yield();
  }
  _exit(0);  // not reached in practice: the parent kills us first
}

// Reads "seq\n" lines until EOF; returns the highest. The child is killed `kill_after` its
// first report (so a slow recovery, e.g. under ASan, still leaves it time to make progress),
// or after a minute whatever happens.
Seq ReadReports(int fd, std::chrono::milliseconds kill_after, pid_t child) {
  Seq highest = 0;
  std::string buffer;
  auto kill_at = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool killed = false, reported = false;
  for (;;) {
    if (!killed && std::chrono::steady_clock::now() >= kill_at) {
      ::kill(child, SIGKILL);
      killed = true;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5) < 0) break;
    if (!(p.revents & (POLLIN | POLLHUP))) continue;
    char chunk[4096];
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) break;  // EOF: the child is gone
    buffer.append(chunk, static_cast<std::size_t>(n));
    if (!reported) {
      reported = true;
      kill_at = std::chrono::steady_clock::now() + kill_after;
    }
    std::size_t nl;
    while ((nl = buffer.find('\n')) != std::string::npos) {
      highest = std::max<Seq>(highest, std::stoull(buffer.substr(0, nl)));
      buffer.erase(0, nl + 1);
    }
  }
  return highest;
}

}  // namespace

TEST_CASE("SIGKILL at random moments loses nothing that was reported durable") {
  TempDir dir;
  std::mt19937 rng(12345);
  Seq previous = 0;
  for (int round = 0; round < 6; ++round) {
    CAPTURE(round);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    std::fflush(nullptr);  // the child must not repeat our buffered output
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(fds[0]);
      RunChild(dir.path(), fds[1], 1000 + round);
    }
    ::close(fds[1]);
    const auto kill_after = std::chrono::milliseconds(150 + rng() % 600);
    const Seq reported = ReadReports(fds[0], kill_after, child);
    ::close(fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(WIFSIGNALED(status));
    REQUIRE(reported > previous);  // the child made progress

    auto store = cm::journal::OpenRocksJournal(cm::journal::JournalDir(dir.path()),
                                               cm::journal::Durability::kSync);
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    cm::journal::RecoveryOptions full;
    full.use_snapshots = false;
    auto replayed = cm::journal::Recover(*store.value(), "", full);
    REQUIRE_MESSAGE(replayed.ok(), replayed.status().ToString());
    const Seq recovered = replayed->state->last_seq();
    MESSAGE("round " << round << ": reported durable " << reported << ", recovered " << recovered);
    CHECK(recovered >= reported);
    CHECK(CheckInvariants(*replayed->state).empty());
    auto restarted = cm::journal::Recover(*store.value(), cm::journal::SnapshotDir(dir.path()),
                                          cm::journal::RecoveryOptions{});
    REQUIRE_MESSAGE(restarted.ok(), restarted.status().ToString());
    CHECK(restarted->state->last_seq() == recovered);
    CHECK(StateHash(*restarted->state) == StateHash(*replayed->state));
    previous = recovered;
  }
}
