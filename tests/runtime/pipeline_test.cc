// The pipeline under concurrency: every command is answered once, events are delivered in
// order and only when durable, a write failure or a sequencer exception stops it (fail-stop),
// and a restart continues from where the journal ended.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "engine/codec/event_codec.h"
#include "engine/invariants.h"
#include "engine/codec/state_codec.h"
#include "journal/memory_journal.h"
#include "journal/recovery.h"
#include "journal/snapshot_files.h"
#include "runtime/pipeline.h"
#include "tests/support/pipeline_driver.h"
#include "tests/support/random_commands.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_world.h"

using namespace cm::test;
using cm::runtime::DurableListener;
using cm::runtime::Pipeline;
using cm::runtime::PipelineOptions;

namespace {

// Records what the publisher delivers and checks order on the fly.
struct Recorder : DurableListener {
  std::atomic<Seq> last_seq{0};
  std::atomic<uint64_t> answered{0};
  std::atomic<uint64_t> out_of_order{0};
  std::atomic<uint64_t> not_yet_durable{0};
  std::atomic<bool> halted{false};
  const Pipeline* pipeline = nullptr;
  std::vector<uint8_t> seen_tokens;  // publisher thread only

  void OnDurable(const EventSlot& slot) override {
    if (slot.event.seq != last_seq.load() + 1) ++out_of_order;
    last_seq = slot.event.seq;
    if (pipeline && slot.event.seq > pipeline->durable_seq()) ++not_yet_durable;
    if (slot.ends_command && slot.request_token != 0) {
      if (slot.request_token >= seen_tokens.size()) seen_tokens.resize(slot.request_token + 1);
      ++seen_tokens[slot.request_token];
      ++answered;
    }
  }
  void OnHalted(const std::string&) override { halted = true; }
};

}  // namespace

TEST_CASE("4 producers: each command answered once, in seq order, only when durable") {
  TempDir dir;
  PipelineOptions options;
  // Both ways of delivering durable events: a publisher thread, and the journal thread itself.
  options.publisher = PipelineOptions::Publisher::kThread;
  SUBCASE("publisher thread") {}
  SUBCASE("inline publisher") { options.publisher = PipelineOptions::Publisher::kInline; }
  options.data_dir = dir.path();
  options.input_ring_size = 1 << 10;  // small rings, so producers meet a full ring
  options.output_ring_size = 1 << 10;
  options.snapshot_every = 5'000;
  auto store = std::make_unique<cm::journal::MemoryJournal>();
  auto* journal = store.get();
  Recorder rec;
  auto opened = Pipeline::Open(options, std::move(store), &rec);
  REQUIRE(opened.ok());
  Pipeline& p = *opened.value();
  rec.pipeline = &p;

  RandomCommands setup(1);
  PublishAll(p, setup.Setup(), 1);
  constexpr int kPerProducer = 20'000;
  std::vector<std::thread> producers;
  for (int t = 0; t < 4; ++t) {
    producers.emplace_back([&, t] {
      RandomCommands gen = setup;
      gen.Reseed(100 + t);
      PublishAll(p, Stream(gen, kPerProducer), 1'000 + t * 100'000);
    });
  }
  for (auto& t : producers) t.join();
  p.Stop();

  CHECK(rec.out_of_order == 0);
  CHECK(rec.not_yet_durable == 0);
  CHECK(rec.answered >= 4 * kPerProducer * 9 / 10);  // ticks are not answered
  uint64_t twice = 0;
  for (uint8_t n : rec.seen_tokens) twice += n > 1;
  CHECK(twice == 0);
  CHECK(p.durable_seq() == rec.last_seq);
  CHECK(p.durable_seq() == p.state_after_stop().last_seq());
  CHECK(p.snapshots_written() >= 1);
  CHECK(CheckInvariants(p.state_after_stop()).empty());

  // The journal alone rebuilds the live state.
  cm::journal::RecoveryOptions ro;
  ro.use_snapshots = false;
  const std::string snapshots = cm::journal::SnapshotDir(dir.path());
  auto replayed = cm::journal::Recover(*journal, snapshots, ro);
  REQUIRE(replayed.ok());
  CHECK(StateHash(*replayed->state) == StateHash(p.state_after_stop()));
  auto from_snapshot = cm::journal::Recover(*journal, snapshots, {});
  REQUIRE(from_snapshot.ok());
  CHECK(from_snapshot->snapshot_seq > 0);
  CHECK(StateHash(*from_snapshot->state) == StateHash(p.state_after_stop()));
}

TEST_CASE("a journal write failure halts the pipeline; nothing after it is reported durable") {
  TempDir dir;
  PipelineOptions options;
  // Both ways of delivering durable events: a publisher thread, and the journal thread itself.
  options.publisher = PipelineOptions::Publisher::kThread;
  SUBCASE("publisher thread") {}
  SUBCASE("inline publisher") { options.publisher = PipelineOptions::Publisher::kInline; }
  options.data_dir = dir.path();
  options.input_ring_size = 1 << 8;
  options.output_ring_size = 1 << 8;
  auto store = std::make_unique<cm::journal::MemoryJournal>();
  store->FailAppendsAfter(4);
  auto* journal = store.get();
  Recorder rec;
  auto opened = Pipeline::Open(options, std::move(store), &rec);
  REQUIRE(opened.ok());
  Pipeline& p = *opened.value();

  RandomCommands gen(2);
  std::vector<Command> commands = gen.Setup();
  for (auto& c : Stream(gen, 20'000)) commands.push_back(c);
  uint64_t token = 1;
  Pipeline::PublishResult last = Pipeline::PublishResult::kOk;
  for (auto& c : commands) {
    c.request_token = token++;
    while ((last = p.TryPublish(c)) == Pipeline::PublishResult::kFull) std::this_thread::yield();
    if (last == Pipeline::PublishResult::kHalted) break;
  }
  CHECK(last == Pipeline::PublishResult::kHalted);
  CHECK(p.halted());
  CHECK(p.halt_reason().find("injected write failure") != std::string::npos);
  p.Stop();
  CHECK(rec.halted);
  Seq stored_last = 0;
  for (auto& [first, bytes] : journal->batches()) {
    std::string_view in = bytes;
    while (!in.empty()) {
      Event e;
      REQUIRE(DecodeEvent(&in, &e).ok());
      stored_last = e.seq;
    }
  }
  CHECK(p.durable_seq() == stored_last);
  CHECK(rec.last_seq <= stored_last);
}

TEST_CASE("an exception in the sequencer is fatal: logged with its seq, the pipeline stops") {
  TempDir dir;
  PipelineOptions options;
  options.data_dir = dir.path();
  int seen = 0;
  options.fault_injection = [&seen](const Command&) {
    if (++seen == 50) throw std::runtime_error("injected bug");
  };
  Recorder rec;
  auto opened =
      Pipeline::Open(options, std::make_unique<cm::journal::MemoryJournal>(), &rec);
  REQUIRE(opened.ok());
  Pipeline& p = *opened.value();
  RandomCommands gen(3);
  std::vector<Command> commands = gen.Setup();
  for (auto& c : Stream(gen, 200)) commands.push_back(c);
  for (auto& c : commands) {
    c.request_token = 1;
    if (p.TryPublish(c) == Pipeline::PublishResult::kHalted) break;
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  for (int i = 0; i < 2000 && !p.halted(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(p.halted());
  const std::string why = p.halt_reason();
  CHECK(why.find("injected bug") != std::string::npos);
  CHECK(p.TryPublish(Command{}) == Pipeline::PublishResult::kHalted);
  p.Stop();  // the events decided before the failure are still journaled
  CHECK(why.find("event seq " + std::to_string(p.durable_seq() + 1)) != std::string::npos);
}

TEST_CASE("a restart over RocksDB continues the sequence where the journal ended") {
  TempDir dir;
  PipelineOptions options;
  options.data_dir = dir.path();
  options.snapshot_every = 300;
  uint64_t hash_before = 0;
  Seq seq_before = 0;
  RandomCommands gen(4);
  {
    auto opened = Pipeline::Open(options, nullptr);
    REQUIRE(opened.ok());
    PublishAll(*opened.value(), gen.Setup(), 1);
    PublishAll(*opened.value(), Stream(gen, 1000), 100);
    opened.value()->Stop();
    hash_before = StateHash(opened.value()->state_after_stop());
    seq_before = opened.value()->durable_seq();
  }
  uint64_t hash_after = 0;
  {
    auto reopened = Pipeline::Open(options, nullptr);
    REQUIRE(reopened.ok());
    Pipeline& p = *reopened.value();
    CHECK(p.recovered_seq() == seq_before);
    CHECK(p.recovered_snapshot_seq() > 0);
    PublishAll(p, Stream(gen, 500), 5000);
    p.Stop();
    CHECK(p.durable_seq() > seq_before);
    hash_after = StateHash(p.state_after_stop());
  }
  // And everything, old and new, replays to the same state from the journal alone.
  auto store = cm::journal::OpenRocksJournal(cm::journal::JournalDir(dir.path()),
                                             cm::journal::Durability::kSync);
  REQUIRE(store.ok());
  cm::journal::RecoveryOptions ro;
  ro.use_snapshots = false;
  auto r = cm::journal::Recover(*store.value(), dir.path(), ro);
  REQUIRE(r.ok());
  CHECK(StateHash(*r->state) == hash_after);
  ro.until = seq_before;
  auto before = cm::journal::Recover(*store.value(), dir.path(), ro);
  REQUIRE(before.ok());
  CHECK(StateHash(*before->state) == hash_before);
}

TEST_CASE("a requested snapshot comes back with its hash, and a checkpoint replays to it") {
  TempDir dir;
  PipelineOptions options;
  options.data_dir = dir.path();
  options.snapshot_every = 0;  // only on request
  RandomCommands gen(5);
  auto opened = Pipeline::Open(options, nullptr);
  REQUIRE(opened.ok());
  Pipeline& p = *opened.value();
  PublishAll(p, gen.Setup(), 1);

  std::promise<cm::Result<Pipeline::SnapshotTaken>> promise;
  auto taken_future = promise.get_future();
  REQUIRE(p.RequestSnapshot([&](cm::Result<Pipeline::SnapshotTaken> r) {
    promise.set_value(std::move(r));
  }));
  CHECK_FALSE(p.RequestSnapshot([](cm::Result<Pipeline::SnapshotTaken>) {}));  // one at a time
  // Commands keep coming while it is taken, and while the journal is copied.
  std::thread load([&] { PublishAll(p, Stream(gen, 3000), 100); });
  REQUIRE(taken_future.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  const auto taken = taken_future.get();
  REQUIRE(taken.ok());
  const std::string checkpoint = dir.path() + "/checkpoint";
  REQUIRE(p.CheckpointJournal(checkpoint).ok());
  load.join();
  p.Stop();
  CHECK(taken.value().seq > 0);
  CHECK(std::filesystem::exists(taken.value().path));

  // The copy holds at least the snapshot's seq, and replaying it to there gives the hash.
  auto store = cm::journal::OpenRocksJournal(checkpoint, cm::journal::Durability::kSync);
  REQUIRE(store.ok());
  cm::journal::RecoveryOptions ro;
  ro.use_snapshots = false;
  ro.until = taken.value().seq;
  auto r = cm::journal::Recover(*store.value(), dir.path() + "/no-snapshots", ro);
  REQUIRE(r.ok());
  CHECK(r->state->last_seq() == taken.value().seq);
  CHECK(StateHash(*r->state) == taken.value().state_hash);
}

TEST_CASE("a snapshot request still pending when the pipeline stops is answered with an error") {
  PipelineOptions options;
  auto opened = Pipeline::Open(options, std::make_unique<cm::journal::MemoryJournal>(), nullptr);
  REQUIRE(opened.ok());
  bool answered = false, failed = false;
  REQUIRE(opened.value()->RequestSnapshot([&](cm::Result<Pipeline::SnapshotTaken> r) {
    answered = true;
    failed = !r.ok();
  }));
  opened.value()->Stop();  // no command came, so no batch boundary took it
  CHECK(answered);
  CHECK(failed);
  CHECK_FALSE(opened.value()->RequestSnapshot([](cm::Result<Pipeline::SnapshotTaken>) {}));
}

TEST_CASE("snapshots are taken off the sequencer: each is the journal's state at its mark") {
  TempDir dir;
  PipelineOptions options;
  options.data_dir = dir.path();
  options.snapshot_every = 700;
  options.snapshots_kept = 100;
  options.input_ring_size = 1 << 8;  // marks fall at batch boundaries: keep batches small
  auto store = std::make_unique<cm::journal::MemoryJournal>();
  auto* journal = store.get();
  auto opened = Pipeline::Open(options, std::move(store), nullptr);
  REQUIRE(opened.ok());
  Pipeline& p = *opened.value();
  RandomCommands gen(17);
  PublishAll(p, gen.Setup(), 1);
  // A periodic mark waits for the taker to take the one before: give it the time, round by
  // round, until the log holds several (the taker runs at the lowest priority: on a busy
  // machine a round may end before it took the last mark, and the next round makes none).
  for (int round = 0; round < 60 && p.snapshots_written() < 6; ++round) {
    const uint64_t written = p.snapshots_written();
    PublishAll(p, Stream(gen, 1'000), 100 + round * 1'000);
    for (int i = 0; i < 2'000 && p.snapshots_written() == written; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  p.Stop();
  REQUIRE_FALSE(p.halted());
  CHECK(p.stats().snapshot_pause_max_ns.load() > 0);

  // The log: a mark every 700 events or so, each followed later by the digest of its state.
  std::map<Seq, uint64_t> digests;
  std::set<Seq> marked;
  REQUIRE(journal
              ->Scan(1,
                     [&](Seq, std::string_view records) {
                       for (std::string_view in = records; !in.empty();) {
                         Event e;
                         REQUIRE(DecodeEvent(&in, &e).ok());
                         if (TypeOf(e) == EventType::kSnapshotMarked) marked.insert(e.seq - 1);
                         if (const auto* h = std::get_if<StateHashed>(&e.body)) {
                           CHECK(marked.contains(h->state_seq));
                           CHECK(h->state_seq < e.seq - 1);  // it came later
                           digests[h->state_seq] = h->digest;
                         }
                       }
                       return true;
                     })
              .ok());
  CHECK(marked.size() >= 6);
  CHECK(digests.size() == marked.size());  // stopping waited for the last one

  // Every file is the state the journal replays to at that seq, and its digest is the one
  // the log recorded.
  const auto files = cm::journal::ListSnapshots(cm::journal::SnapshotDir(dir.path()));
  REQUIRE(files.size() == marked.size());
  for (const cm::journal::SnapshotFile& f : files) {
    CAPTURE(f.seq);
    CHECK(marked.contains(f.seq));
    std::string payload;
    REQUIRE(cm::journal::ReadSnapshot(f, &payload).ok());
    CHECK(EncodedStateDigest(payload) == digests[f.seq]);
    auto decoded = DecodeState(payload, options.engine);
    REQUIRE(decoded.ok());
    cm::journal::RecoveryOptions ro;
    ro.use_snapshots = false;
    ro.until = f.seq;
    auto replayed = cm::journal::Recover(*journal, dir.path() + "/none", ro);
    REQUIRE(replayed.ok());
    CHECK(StateHash(*decoded.value()) == StateHash(*replayed->state));
  }

  // Replaying with checks compares every digest.
  cm::journal::RecoveryOptions check;
  check.use_snapshots = false;
  check.check_state_hashes = true;
  auto checked = cm::journal::Recover(*journal, dir.path() + "/none", check);
  REQUIRE(checked.ok());
  CHECK(checked->state_hashes_checked == digests.size());
}
