// The runtime's named stages: the durable fan-out calls its stages in order and a throwing
// stage halts the pipeline; the ticker stamps time into the engine as Tick commands.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "journal/memory_journal.h"
#include "runtime/durable_fanout.h"
#include "runtime/pipeline.h"
#include "runtime/ticker.h"
#include "tests/support/random_commands.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_world.h"

using namespace cm::test;
using cm::runtime::DurableFanOut;
using cm::runtime::Pipeline;
using cm::runtime::PipelineOptions;
using cm::runtime::Ticker;

namespace {

std::unique_ptr<Pipeline> OpenInMemory(const std::string& dir, DurableFanOut* fanout) {
  PipelineOptions options;
  options.data_dir = dir;
  auto opened = Pipeline::Open(options, std::make_unique<cm::journal::MemoryJournal>(), fanout);
  REQUIRE(opened.ok());
  return std::move(opened).value();
}

void PublishAll(Pipeline& p, std::vector<Command> commands) {
  uint64_t token = 1;
  for (auto& c : commands) {
    c.request_token = token++;
    while (p.TryPublish(c) == Pipeline::PublishResult::kFull) std::this_thread::yield();
  }
}

}  // namespace

TEST_CASE("the durable fan-out runs its stages in order, each on every durable event") {
  TempDir dir;
  DurableFanOut fanout;
  // Publisher thread only, so no lock; `log` says who ran, per event.
  std::vector<char> log;
  Seq a_last = 0, b_last = 0, batch_last = 0;
  int recovered = 0, out_of_order = 0;
  fanout.Add({.name = "first",
              .on_recovered = [&](const EngineState&) { recovered = recovered * 10 + 1; },
              .on_durable =
                  [&](const EventSlot& s) {
                    if (s.event.seq != a_last + 1) ++out_of_order;
                    a_last = s.event.seq;
                    log.push_back('a');
                  }});
  fanout.Add({.name = "second",
              .on_recovered = [&](const EngineState&) { recovered = recovered * 10 + 2; },
              .on_durable =
                  [&](const EventSlot& s) {
                    if (s.event.seq != a_last) ++out_of_order;  // the first saw it already
                    b_last = s.event.seq;
                    log.push_back('b');
                  },
              .on_batch = [&](Seq durable) { batch_last = durable; }});
  fanout.Add({.name = "halt only"});
  CHECK(fanout.names() == std::vector<std::string>{"first", "second", "halt only"});

  auto p = OpenInMemory(dir.path(), &fanout);
  CHECK(recovered == 12);
  RandomCommands gen(3);
  std::vector<Command> commands = gen.Setup();
  for (int i = 0; i < 2'000; ++i) commands.push_back(gen.Next());
  PublishAll(*p, commands);
  p->Stop();
  CHECK(out_of_order == 0);
  CHECK(a_last == p->durable_seq());
  CHECK(b_last == p->durable_seq());
  CHECK(batch_last == p->durable_seq());
  REQUIRE(log.size() == 2 * static_cast<std::size_t>(p->durable_seq()));
  for (std::size_t i = 0; i < log.size(); i += 2) {
    CHECK(log[i] == 'a');
    CHECK(log[i + 1] == 'b');
  }
}

TEST_CASE("a stage that throws halts the pipeline, and every stage hears it") {
  TempDir dir;
  DurableFanOut fanout;
  std::atomic<int> halted{0};
  std::atomic<Seq> after_seen{0};
  fanout.Add({.name = "fails at 50",
              .on_durable =
                  [](const EventSlot& s) {
                    if (s.event.seq == 50) throw std::runtime_error("stage failed");
                  },
              .on_halted = [&](const std::string&) { halted.fetch_add(1); }});
  fanout.Add({.name = "after",
              .on_durable = [&](const EventSlot& s) { after_seen = s.event.seq; },
              .on_halted = [&](const std::string&) { halted.fetch_add(1); }});
  auto p = OpenInMemory(dir.path(), &fanout);
  RandomCommands gen(4);
  std::vector<Command> commands = gen.Setup();
  for (int i = 0; i < 500; ++i) commands.push_back(gen.Next());
  uint64_t token = 1;
  for (auto& c : commands) {
    c.request_token = token++;
    Pipeline::PublishResult r;
    while ((r = p->TryPublish(c)) == Pipeline::PublishResult::kFull) std::this_thread::yield();
    if (r == Pipeline::PublishResult::kHalted) break;
  }
  p->Stop();
  CHECK(p->halted());
  CHECK(p->halt_reason().find("stage failed") != std::string::npos);
  CHECK(halted.load() == 2);
  CHECK(after_seen.load() < 50);  // the stage after the failing one never saw event 50
}

TEST_CASE("the ticker publishes Tick commands stamped with the clock, and runs its second job") {
  std::mutex mu;
  std::vector<Command> ticks;
  std::atomic<int> seconds{0};
  {
    Ticker ticker(
        [&](Command c) {
          std::lock_guard lock(mu);
          ticks.push_back(std::move(c));
          return true;
        },
        [] { return int64_t{1'234'567}; }, std::chrono::milliseconds(5),
        [&] { seconds.fetch_add(1); });
    for (int i = 0; i < 400; ++i) {
      {
        std::lock_guard lock(mu);
        if (ticks.size() >= 5) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }  // joins
  std::lock_guard lock(mu);
  REQUIRE(ticks.size() >= 5);
  for (const Command& c : ticks) {
    CHECK(std::holds_alternative<TickCmd>(c.body));
    CHECK(c.now == 1'234'567);
    CHECK(c.actor_role == Role::kSystem);
  }
  // Fresh entropy on each tick.
  CHECK(std::get<TickCmd>(ticks[0].body).entropy != std::get<TickCmd>(ticks[1].body).entropy);
  CHECK(seconds.load() >= 1);  // the first tick runs it, then once a second
}
