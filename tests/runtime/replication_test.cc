// The pipeline with a journal replicator (runtime/journal_replicator.h): nothing is reported
// durable before the replicas have it, the replicas get the journal's own bytes, a replicator
// that fails or is given up on halts the pipeline without answering, and a restart sends the
// replicas the tail they lack before taking anything new.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "engine/codec/event_codec.h"
#include "journal/memory_journal.h"
#include "runtime/pipeline.h"
#include "tests/support/pipeline_driver.h"
#include "tests/support/random_commands.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_world.h"

using namespace cm::test;
using cm::runtime::DurableListener;
using cm::runtime::JournalReplicator;
using cm::runtime::Pipeline;
using cm::runtime::PipelineOptions;
using Clock = std::chrono::steady_clock;

namespace {

// Replicas in memory: acknowledges each batch at once, or holds every acknowledgement back
// while `Hold` is on.
class FakeReplicator final : public JournalReplicator {
 public:
  struct Batch {
    Seq first, last;
    std::string records;
  };
  explicit FakeReplicator(Seq already_replicated = 0) : replicated_(already_replicated) {}

  void Send(Seq first, Seq last, cm::engine::Term, std::string_view records) override {
    std::lock_guard lock(mu_);
    sent_.push_back({first, last, std::string(records)});
    if (!hold_) Acknowledge(last);
  }
  Seq replicated_seq() const override { return replicated_.load(); }
  bool failed() const override { return failed_.load(); }
  void OnProgress(std::function<void()> wake) override {
    std::lock_guard lock(mu_);
    wake_ = std::move(wake);
  }
  bool WaitReplicated(Seq last, std::string* why) override {
    std::unique_lock lock(mu_);
    for (;;) {
      if (replicated_ >= last) return true;
      if (!failure_.empty()) return *why = failure_, false;
      if (Clock::now() >= give_up_at_) return *why = "gave up", false;
      cv_.wait_for(lock, std::chrono::milliseconds(5));
    }
  }
  void GiveUpAfter(int ms) override {
    std::lock_guard lock(mu_);
    give_up_at_ = Clock::now() + std::chrono::milliseconds(ms);
  }
  void Hold() {
    std::lock_guard lock(mu_);
    hold_ = true;
  }
  void Release() {
    std::lock_guard lock(mu_);
    hold_ = false;
    if (!sent_.empty()) Acknowledge(sent_.back().last);
  }
  void FailWith(const std::string& why) {
    std::lock_guard lock(mu_);
    failure_ = why;
    failed_ = true;
    cv_.notify_all();
    if (wake_) wake_();
  }
  std::vector<Batch> sent() const {
    std::lock_guard lock(mu_);
    return sent_;
  }

 private:
  void Acknowledge(Seq last) {  // under mu_
    replicated_ = last;
    cv_.notify_all();
    if (wake_) wake_();
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool hold_ = false;
  std::atomic<Seq> replicated_;
  std::atomic<bool> failed_{false};
  std::function<void()> wake_;
  std::string failure_;
  Clock::time_point give_up_at_ = Clock::time_point::max();
  std::vector<Batch> sent_;
};

struct Answers : DurableListener {
  std::atomic<uint64_t> answered{0};
  std::atomic<uint64_t> last_token{0};  // of the last command answered
  std::atomic<Seq> last_delivered{0};
  std::atomic<bool> halted{false};
  void OnDurable(const EventSlot& slot) override {
    last_delivered = slot.event.seq;
    if (slot.ends_command && slot.request_token != 0) {
      ++answered;
      last_token = slot.request_token;
    }
  }
  void OnHalted(const std::string&) override { halted = true; }
};

// Publishes a command that always makes an event (a signup) and waits for its answer: the
// pipeline keeps order, so everything published before it has been answered, or never will be
// (a repeated idempotency key makes no event). Waiting instead for the durable seq to stand
// still for 50 ms was not enough: under ThreadSanitizer on a busy machine the sequencer could
// sit that long before it took the commands at all.
void Drain(Pipeline& p, const Answers& answers, uint64_t token) {
  Command c;
  c.actor_role = Role::kSystem;
  c.body = RegisterUserCmd{"drain" + std::to_string(token) + "@x.io", "h", Role::kUser, ""};
  PublishAll(p, {c}, token);
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (answers.last_token.load() != token) {
    REQUIRE(Clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// The journal's batches as the store holds them, for comparison with what was replicated.
std::vector<FakeReplicator::Batch> JournalBatches(cm::journal::JournalStore& store) {
  std::vector<FakeReplicator::Batch> out;
  REQUIRE(store
              .Scan(1,
                    [&](Seq first, std::string_view records) {
                      Seq last = first;
                      Event e;
                      for (std::string_view in = records; !in.empty(); last = e.seq)
                        REQUIRE(DecodeEvent(&in, &e).ok());
                      out.push_back({first, last, std::string(records)});
                      return true;
                    })
              .ok());
  return out;
}

void CheckSameBatches(const std::vector<FakeReplicator::Batch>& replicated,
                      const std::vector<FakeReplicator::Batch>& journal) {
  REQUIRE(replicated.size() == journal.size());
  for (std::size_t i = 0; i < journal.size(); ++i) {
    CHECK(replicated[i].first == journal[i].first);
    CHECK(replicated[i].last == journal[i].last);
    CHECK(replicated[i].records == journal[i].records);
    if (i > 0) CHECK(replicated[i].first == replicated[i - 1].last + 1);
  }
}

}  // namespace

TEST_CASE("with replicas, nothing is durable before they have it; they get the journal's bytes") {
  TempDir dir;
  PipelineOptions options;
  options.publisher = PipelineOptions::Publisher::kThread;
  SUBCASE("publisher thread") {}
  SUBCASE("inline publisher") { options.publisher = PipelineOptions::Publisher::kInline; }
  options.data_dir = dir.path();
  FakeReplicator replicas;
  options.replicator = &replicas;
  auto store = std::make_unique<cm::journal::MemoryJournal>();
  auto* journal = store.get();
  Answers answers;
  auto opened = Pipeline::Open(options, std::move(store), &answers);
  REQUIRE(opened.ok());
  Pipeline& p = *opened.value();

  RandomCommands gen(7);
  PublishAll(p, gen.Setup(), 1);
  Drain(p, answers, 900);
  REQUIRE(p.durable_seq() > 0);

  // Held back: the journal thread goes on sending and syncing batches (it does not wait for
  // one batch's replicas before the next), and the durable seq and the answers stay put.
  replicas.Hold();
  const Seq durable_before = p.durable_seq();
  const uint64_t answered_before = answers.answered.load();
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  for (int wave = 0; wave < 2; ++wave) {
    const std::size_t batches_before = replicas.sent().size();
    PublishAll(p, Stream(gen, 200), 1'000 + wave * 1'000);
    while (replicas.sent().size() == batches_before) {
      REQUIRE(Clock::now() < deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(replicas.sent().back().last > durable_before);
  CHECK(p.durable_seq() == durable_before);
  CHECK(answers.answered.load() == answered_before);
  CHECK(answers.last_delivered.load() <= durable_before);

  replicas.Release();
  PublishAll(p, Stream(gen, 2'000), 10'000);
  p.Stop();
  CHECK_FALSE(p.halted());
  CHECK(p.durable_seq() == p.state_after_stop().last_seq());
  CHECK(answers.last_delivered.load() == p.durable_seq());
  CHECK(replicas.replicated_seq() == p.durable_seq());
  CheckSameBatches(replicas.sent(), JournalBatches(*journal));
}

TEST_CASE("replicas that fail for good halt the pipeline; the batch is never answered") {
  TempDir dir;
  PipelineOptions options;
  options.data_dir = dir.path();
  FakeReplicator replicas;
  options.replicator = &replicas;
  Answers answers;
  auto opened = Pipeline::Open(options, std::make_unique<cm::journal::MemoryJournal>(), &answers);
  REQUIRE(opened.ok());
  Pipeline& p = *opened.value();
  RandomCommands gen(8);
  PublishAll(p, gen.Setup(), 1);
  replicas.Hold();
  replicas.FailWith("broker says: record too large");
  std::vector<Command> more = Stream(gen, 500);
  uint64_t token = 1'000;
  for (auto& c : more) {
    c.request_token = token++;
    if (p.TryPublish(c) == Pipeline::PublishResult::kHalted) break;
  }
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (!p.halted() && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(p.halted());
  CHECK(p.halt_reason().find("not replicated: broker says: record too large") !=
        std::string::npos);
  p.Stop();
  CHECK(answers.halted);
  CHECK(answers.last_delivered.load() <= replicas.replicated_seq());
  CHECK(p.durable_seq() <= replicas.replicated_seq());
}

TEST_CASE("given up at shutdown, unreplicated batches stay unanswered; a restart sends them first") {
  TempDir dir;
  PipelineOptions options;
  options.data_dir = dir.path();
  RandomCommands gen(9);
  Seq replicated_before = 0, local_last = 0;
  std::vector<FakeReplicator::Batch> first_run;
  {
    FakeReplicator replicas;
    options.replicator = &replicas;
    Answers answers;
    auto opened = Pipeline::Open(options, &answers);
    REQUIRE(opened.ok());
    Pipeline& p = *opened.value();
    PublishAll(p, gen.Setup(), 1);
    PublishAll(p, Stream(gen, 300), 1'000);
    Drain(p, answers, 1'300);
    replicas.Hold();
    replicated_before = replicas.replicated_seq();
    const uint64_t answered_before = answers.answered.load();
    PublishAll(p, Stream(gen, 300), 5'000);
    replicas.GiveUpAfter(100);
    p.Stop();
    CHECK(p.halted());  // the journal has batches no replica acknowledged
    CHECK(p.halt_reason().find("not replicated: gave up") != std::string::npos);
    CHECK(p.durable_seq() == replicated_before);
    CHECK(answers.answered.load() == answered_before);
    // The journal thread halted at the first batch it could not replicate, after syncing it:
    // that batch is the last in the local journal (the sequencer may have decided more).
    first_run = replicas.sent();
    local_last = first_run.back().last;
    CHECK(local_last > replicated_before);
  }
  // The replicas kept only what they acknowledged; the restart sends the rest before opening.
  while (!first_run.empty() && first_run.back().last > replicated_before) first_run.pop_back();
  std::vector<FakeReplicator::Batch> all = first_run;
  {
    FakeReplicator replicas(replicated_before);
    options.replicator = &replicas;
    auto reopened = Pipeline::Open(options, nullptr);
    REQUIRE(reopened.ok());
    Pipeline& p = *reopened.value();
    CHECK(p.recovered_seq() == local_last);
    CHECK(replicas.replicated_seq() == local_last);
    PublishAll(p, Stream(gen, 100), 20'000);
    p.Stop();
    CHECK_FALSE(p.halted());
    CHECK(p.durable_seq() > local_last);
    for (const auto& b : replicas.sent()) all.push_back(b);
  }
  auto store = cm::journal::OpenRocksJournal(cm::journal::JournalDir(dir.path()),
                                             cm::journal::Durability::kSync);
  REQUIRE(store.ok());
  CheckSameBatches(all, JournalBatches(*store.value()));
}

TEST_CASE("replicas ahead of the local journal: this node refuses to open for writes") {
  TempDir dir;
  PipelineOptions options;
  options.data_dir = dir.path();
  FakeReplicator replicas(42);
  options.replicator = &replicas;
  auto opened = Pipeline::Open(options, nullptr);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().message().find("ahead of this node's (seq 42 > 0)") != std::string::npos);
}
