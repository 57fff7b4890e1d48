// A follower (runtime/follower.h) applies a leader's replicated journal: to the same state and
// the same journal bytes, delivered to its listener; it passes over resends and a fenced-off
// leader's batches, checks its state against the leader's recorded digests, stops on a gap, a
// corrupt record, a differing digest or a diverged journal, and on a promotion
// reads the log to its end and hands its journal to a pipeline that starts the next term.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>

#include "engine/codec/event_codec.h"
#include "engine/codec/state_codec.h"
#include "journal/memory_journal.h"
#include "journal/recovery.h"
#include "journal/snapshot_files.h"
#include "runtime/follower.h"
#include "runtime/pipeline.h"
#include "tests/support/random_commands.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_world.h"

using namespace cm::test;
using cm::runtime::DurableListener;
using cm::runtime::Follower;
using cm::runtime::FollowerOptions;
using cm::runtime::JournalSource;
using cm::runtime::ReplicatedBatch;
using Clock = std::chrono::steady_clock;

namespace {

// A log in memory; `Add` may run while the follower reads.
class FakeLog final : public JournalSource {
 public:
  void Add(ReplicatedBatch b) {
    std::lock_guard lock(mu_);
    batches_.push_back(std::move(b));
  }
  cm::Result<bool> Next(ReplicatedBatch* out, std::chrono::milliseconds wait) override {
    const auto deadline = Clock::now() + wait;
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (!batches_.empty()) {
          *out = std::move(batches_.front());
          batches_.pop_front();
          return true;
        }
      }
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  cm::Result<bool> AtEnd(std::chrono::milliseconds) override {
    std::lock_guard lock(mu_);
    return batches_.empty();
  }
  int64_t batches_behind() const override {
    std::lock_guard lock(mu_);
    return static_cast<int64_t>(batches_.size());
  }

 private:
  mutable std::mutex mu_;
  std::deque<ReplicatedBatch> batches_;
};

// A leader without threads: a sequencer whose events are cut into batches of 1 to 16, as
// group commits would be.
struct Leader : EventSink {
  explicit Leader(uint64_t seed) : gen(seed), rng(seed) {}
  void OnEvent(const Event& e, uint64_t, bool) override {
    EncodeEvent(e, &open.records);
    if (open.first == 0) open.first = e.seq;
    open.last = e.seq;
    if (std::uniform_int_distribution<int>(1, 16)(rng) == 1) Cut();
  }
  void Cut() {
    if (open.first != 0) batches.push_back(std::move(open));
    open = {};
  }
  void Drive(int n) {
    gen.Drive(sequencer, *this, n);
    Cut();
  }
  void Run(Command c) {
    Tee tee{this};
    sequencer.Execute(c, tee);
    Cut();
  }
  struct Tee : EventSink {
    explicit Tee(Leader* l) : leader(l) {}
    Leader* leader;
    void OnEvent(const Event& e, uint64_t t, bool ends) override {
      leader->gen.Observe(e);
      leader->OnEvent(e, t, ends);
    }
  };

  RandomCommands gen;
  std::mt19937_64 rng;
  EngineState state;
  Sequencer sequencer{state};
  ReplicatedBatch open;
  std::vector<ReplicatedBatch> batches;
};

struct Delivered : DurableListener {
  std::atomic<Seq> last{0};
  std::atomic<uint64_t> events{0};
  std::atomic<bool> halted{false};
  std::atomic<bool> recovered{false};
  void OnRecovered(const EngineState& s) override {
    last = s.last_seq();
    recovered = true;
  }
  void OnDurable(const EventSlot& slot) override {
    CHECK(slot.event.seq == last.load() + 1);
    last = slot.event.seq;
    ++events;
  }
  void OnHalted(const std::string&) override { halted = true; }
};

Command System(CommandBody body) {
  Command c;
  c.now = TestWorld::kStart;
  c.actor_role = Role::kSystem;
  c.body = std::move(body);
  return c;
}

// A batch of one event, as a leader of `term` would have written it.
ReplicatedBatch Forged(Seq seq, Term term) {
  Event e;
  e.seq = seq;
  e.ts = TestWorld::kStart;
  e.term = term;
  e.body = SalesClosed{1};
  ReplicatedBatch b{seq, seq, term, 0, {}};
  EncodeEvent(e, &b.records);
  return b;
}

void WaitFor(const std::function<bool()>& done) {
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (!done()) {
    REQUIRE(Clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

struct OpenFollower {
  TempDir dir;
  cm::journal::MemoryJournal* journal = nullptr;
  Delivered delivered;
  std::unique_ptr<Follower> follower;
  explicit OpenFollower(uint64_t snapshot_every = 0) {
    FollowerOptions o;
    o.data_dir = dir.path();
    o.snapshot_every = snapshot_every;
    auto store = std::make_unique<cm::journal::MemoryJournal>();
    journal = store.get();
    auto opened = Follower::Open(o, std::move(store), &delivered);
    REQUIRE(opened.ok());
    follower = std::move(opened).value();
  }
};

}  // namespace

TEST_CASE("a follower builds the leader's state and journal, and delivers every event once") {
  Leader leader(11);
  leader.Drive(3'000);
  REQUIRE(leader.state.term() > 0);  // the stream started some terms
  FakeLog log;
  OpenFollower f;
  CHECK(f.delivered.recovered.load());
  f.follower->Start(log);
  // Half the log before it starts reading, half while it reads.
  const std::size_t half = leader.batches.size() / 2;
  for (std::size_t i = 0; i < leader.batches.size(); ++i) {
    log.Add(leader.batches[i]);
    if (i == half) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const Seq end = leader.state.last_seq();
  WaitFor([&] { return f.follower->applied_seq() == end || f.follower->failed(); });
  REQUIRE_MESSAGE(!f.follower->failed(), f.follower->failure());
  CHECK(f.delivered.last.load() == end);
  CHECK(f.delivered.events.load() == end);
  CHECK(f.follower->term() == leader.state.term());
  CHECK(f.follower->stats().applied_batches.load() == leader.batches.size());
  CHECK(f.follower->batches_behind() == 0);
  uint64_t digests = 0;
  for (const ReplicatedBatch& b : leader.batches)
    for (std::string_view in = b.records; !in.empty();) {
      Event e;
      REQUIRE(DecodeEvent(&in, &e).ok());
      digests += TypeOf(e) == EventType::kStateHashed;
    }
  CHECK(digests >= 3'000 / 37 - 1);
  f.follower->Stop();  // its snapshot taker first reads what was applied
  CHECK(f.follower->stats().state_checks.load() == digests);  // every digest was checked
  CHECK(StateHash(f.follower->state_after_stop()) == StateHash(leader.state));

  // Its journal holds the leader's batches byte for byte, and recovers to the same state.
  std::size_t i = 0;
  REQUIRE(f.journal
              ->Scan(1,
                     [&](Seq first, std::string_view records) {
                       REQUIRE(i < leader.batches.size());
                       CHECK(first == leader.batches[i].first);
                       CHECK(records == leader.batches[i].records);
                       ++i;
                       return true;
                     })
              .ok());
  CHECK(i == leader.batches.size());
  cm::journal::RecoveryOptions ro;
  auto recovered = cm::journal::Recover(*f.journal, f.dir.path() + "/none", ro);
  REQUIRE(recovered.ok());
  CHECK(StateHash(*recovered->state) == StateHash(leader.state));
}

TEST_CASE("resends and a fenced-off leader's batches are passed over") {
  Leader leader(5);
  leader.Drive(200);
  const Term term = leader.state.term();
  const Seq before = leader.state.last_seq();
  leader.Run(System(StartTermCmd{term + 1, "http://new-leader"}));
  const std::size_t term_started = leader.batches.size() - 1;
  leader.gen.Reseed(99);
  for (int k = 0; k < 100; ++k) leader.Run(leader.gen.Next());

  FakeLog log;
  for (std::size_t i = 0; i < leader.batches.size(); ++i) {
    log.Add(leader.batches[i]);
    if (i == term_started) {
      // The old leader, paused, wakes and writes where the new term began, and after it.
      log.Add(Forged(before + 1, term));
      log.Add(Forged(before + 2, term));
      log.Add(leader.batches[i]);  // and the new leader's first batch again (a resend)
    }
  }
  log.Add(Forged(leader.state.last_seq() + 1, term));  // and past the end
  OpenFollower f;
  f.follower->Start(log);
  const Seq end = leader.state.last_seq();
  WaitFor([&] { return log.batches_behind() == 0 || f.follower->failed(); });
  WaitFor([&] { return f.follower->applied_seq() == end || f.follower->failed(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE_MESSAGE(!f.follower->failed(), f.follower->failure());
  CHECK(f.follower->stats().fenced_batches.load() == 3);
  CHECK(f.follower->stats().duplicate_batches.load() == 1);
  CHECK(f.follower->term() == leader.state.term());
  f.follower->Stop();
  CHECK(StateHash(f.follower->state_after_stop()) == StateHash(leader.state));
}

TEST_CASE("a gap, a corrupt record or a diverged journal stops the follower") {
  Leader leader(3);
  leader.Drive(300);
  REQUIRE(leader.batches.size() > 10);
  FakeLog log;
  std::string expected;
  SUBCASE("a gap") {
    for (std::size_t i = 0; i < leader.batches.size(); ++i)
      if (i != 5) log.Add(leader.batches[i]);
    expected = "events are missing from the log";
  }
  SUBCASE("a corrupt record") {
    for (std::size_t i = 0; i < leader.batches.size(); ++i) {
      ReplicatedBatch b = leader.batches[i];
      if (i == 5) b.records[b.records.size() / 2] ^= 0x20;
      log.Add(b);
    }
    expected = "replicated batch " + std::to_string(leader.batches[5].first);
  }
  SUBCASE("labels that do not match the records") {
    for (std::size_t i = 0; i < leader.batches.size(); ++i) {
      ReplicatedBatch b = leader.batches[i];
      if (i == 5) b.last += 1;
      log.Add(b);
    }
    expected = "its records do not hold those events";
  }
  SUBCASE("a state that differs from the digest the leader recorded") {
    bool tampered = false;
    for (const ReplicatedBatch& original : leader.batches) {
      ReplicatedBatch b = original;
      if (!tampered) {
        // The digest is changed where it is recorded, as if this follower's state had drifted.
        b.records.clear();
        std::string_view in = original.records;
        while (!in.empty()) {
          Event e;
          REQUIRE(DecodeEvent(&in, &e).ok());
          if (auto* hashed = std::get_if<StateHashed>(&e.body); hashed && !tampered) {
            hashed->digest ^= 1;
            tampered = true;
            expected = "the state at seq " + std::to_string(hashed->state_seq) + " differs";
          }
          EncodeEvent(e, &b.records);
        }
      }
      log.Add(b);
    }
    REQUIRE(tampered);
  }
  SUBCASE("a newer term that starts inside a batch of this journal") {
    std::size_t k = 0;
    while (leader.batches[k].first == leader.batches[k].last) ++k;
    for (std::size_t i = 0; i <= k; ++i) log.Add(leader.batches[i]);
    Event started;
    started.seq = leader.batches[k].last;
    started.ts = TestWorld::kStart;
    started.term = 1000;
    started.body = TermStarted{1000, "http://elsewhere"};
    ReplicatedBatch newer{started.seq, started.seq, 1000, 0, {}};
    EncodeEvent(started, &newer.records);
    log.Add(newer);
    expected = "cannot be cut back";
  }
  OpenFollower f;
  f.follower->Start(log);
  WaitFor([&] { return f.follower->failed() && f.delivered.halted.load(); });
  CHECK_MESSAGE(f.follower->failure().find(expected) != std::string::npos,
                f.follower->failure());
  const Seq stopped_at = f.follower->applied_seq();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(f.follower->applied_seq() == stopped_at);  // nothing more is applied
}

TEST_CASE("a promotion reads the log to its end, then a pipeline on its journal starts a term") {
  Leader leader(21);
  leader.Drive(1'500);
  FakeLog log;
  OpenFollower f;
  f.follower->Start(log);
  // The log is still arriving when the promotion begins: it must all be applied first.
  std::thread writer([&] {
    for (const ReplicatedBatch& b : leader.batches) {
      log.Add(b);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  writer.join();  // the old leader is gone before the standby is told to take over
  REQUIRE(f.follower->CatchUpAndStop(std::chrono::seconds(10)).ok());
  CHECK(f.follower->applied_seq() == leader.state.last_seq());
  CHECK(log.batches_behind() == 0);

  cm::runtime::PipelineOptions po;
  po.data_dir = f.dir.path();
  Delivered after;
  auto opened = cm::runtime::Pipeline::Open(po, f.follower->ReleaseJournal(), &after);
  REQUIRE(opened.ok());
  cm::runtime::Pipeline& p = *opened.value();
  CHECK(p.recovered_seq() == leader.state.last_seq());
  const Term next = leader.state.term() + 1;
  REQUIRE(p.TryPublish(System(StartTermCmd{next, "http://standby"})) ==
          cm::runtime::Pipeline::PublishResult::kOk);
  WaitFor([&] { return p.durable_seq() == leader.state.last_seq() + 1; });
  p.Stop();
  CHECK(p.state_after_stop().term() == next);
  CHECK(f.follower->applied_seq() == leader.state.last_seq());  // still readable
}

TEST_CASE("a promotion fails when the log cannot be read to its end in time") {
  struct EndlessLog final : JournalSource {
    cm::Result<bool> Next(ReplicatedBatch*, std::chrono::milliseconds wait) override {
      std::this_thread::sleep_for(wait);
      return false;
    }
    cm::Result<bool> AtEnd(std::chrono::milliseconds) override {
      return cm::Status::IOError("no broker answers");
    }
    int64_t batches_behind() const override { return -1; }
  } log;
  OpenFollower f;
  f.follower->Start(log);
  const cm::Status s = f.follower->CatchUpAndStop(std::chrono::milliseconds(300));
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("not read to its end") != std::string::npos);
}

TEST_CASE("a newer term replaces events the log never kept: they are cut back and kept aside") {
  // Two leaders agree up to a point; the old one then goes on alone (its batches reach this
  // follower, as a former leader's own unreplicated tail would be in its journal), while the
  // new one starts the next term from the point they agree on.
  Leader old_leader(8), new_leader(8);
  old_leader.Drive(300);
  new_leader.Drive(300);
  REQUIRE(old_leader.batches.size() == new_leader.batches.size());
  const std::size_t agreed = old_leader.batches.size();
  const Seq agreed_seq = old_leader.state.last_seq();
  old_leader.gen.Reseed(1);
  for (int k = 0; k < 40; ++k) old_leader.Run(old_leader.gen.Next());
  new_leader.Run(System(StartTermCmd{new_leader.state.term() + 1, "http://new"}));
  new_leader.gen.Reseed(2);
  for (int k = 0; k < 40; ++k) new_leader.Run(new_leader.gen.Next());

  FakeLog log;
  std::string tail;  // the old leader's batches the new term replaces
  for (std::size_t i = 0; i < old_leader.batches.size(); ++i) {
    log.Add(old_leader.batches[i]);
    if (i >= agreed) tail += old_leader.batches[i].records;
  }
  for (std::size_t i = agreed; i < new_leader.batches.size(); ++i) log.Add(new_leader.batches[i]);
  OpenFollower f;
  f.follower->Start(log);
  const Seq end = new_leader.state.last_seq();
  WaitFor([&] {
    return (f.follower->applied_seq() == end && log.batches_behind() == 0) ||
           f.follower->failed();
  });
  REQUIRE_MESSAGE(!f.follower->failed(), f.follower->failure());
  f.follower->Stop();
  CHECK(StateHash(f.follower->state_after_stop()) == StateHash(new_leader.state));
  CHECK(f.follower->stats().cut_events.load() == old_leader.state.last_seq() - agreed_seq);
  CHECK(f.delivered.recovered.load());

  // The cut events are kept, byte for byte, under a name that says what they are.
  const std::string kept = f.dir.path() + "/diverged/term-" +
                           std::to_string(old_leader.state.term()) + "-seq-" +
                           std::to_string(agreed_seq + 1) + "-" +
                           std::to_string(old_leader.state.last_seq()) + ".journal";
  std::ifstream in(kept, std::ios::binary);
  REQUIRE(in.good());
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(bytes == tail);

  // The journal is now the new leader's, and recovers to its state.
  cm::journal::RecoveryOptions ro;
  auto recovered = cm::journal::Recover(*f.journal, f.dir.path() + "/none", ro);
  REQUIRE(recovered.ok());
  CHECK(StateHash(*recovered->state) == StateHash(new_leader.state));
}

TEST_CASE("a follower writes snapshots, and restarts from the newest and the journal's tail") {
  Leader leader(13);
  leader.Drive(1'000);
  FakeLog log;
  for (const ReplicatedBatch& b : leader.batches) log.Add(b);
  OpenFollower f(/*snapshot_every=*/300);
  f.follower->Start(log);
  const Seq end = leader.state.last_seq();
  WaitFor([&] { return f.follower->applied_seq() == end || f.follower->failed(); });
  f.follower->Stop();
  REQUIRE_MESSAGE(!f.follower->failed(), f.follower->failure());
  CHECK(f.follower->stats().snapshots.load() >= end / 300 - 1);
  const auto snapshots = cm::journal::ListSnapshots(f.dir.path() + "/snapshots");
  REQUIRE(snapshots.size() == 2);  // the newest two are kept
  CHECK(snapshots[0].seq > snapshots[1].seq);
  REQUIRE_MESSAGE(snapshots[0].seq < end, "the log must go on past the newest snapshot");
  // They fall where the leader marked its snapshots (every 37 commands here, past half the
  // follower's interval): the state encoded for the leader's digest is what was written.
  std::set<Seq> marked_at;
  for (const ReplicatedBatch& b : leader.batches)
    for (std::string_view in = b.records; !in.empty();) {
      Event e;
      REQUIRE(DecodeEvent(&in, &e).ok());
      if (TypeOf(e) == EventType::kSnapshotMarked) marked_at.insert(e.seq - 1);
    }
  CHECK(marked_at.contains(snapshots[0].seq));
  CHECK(marked_at.contains(snapshots[1].seq));

  // Without the journal's batches that end at or before the newest snapshot (what retention
  // drops), only the snapshot can bring it back.
  std::unique_ptr<cm::journal::JournalStore> store = f.follower->ReleaseJournal();
  Seq first_kept = 0;
  REQUIRE(store
              ->Scan(1,
                     [&](Seq first, std::string_view records) {
                       Seq last = first;
                       for (std::string_view in = records; !in.empty();) {
                         Event e;
                         REQUIRE(DecodeEvent(&in, &e).ok());
                         last = e.seq;
                       }
                       if (last <= snapshots[0].seq) return true;
                       first_kept = first;
                       return false;
                     })
              .ok());
  REQUIRE(first_kept > 1);
  REQUIRE(store->DropBefore(first_kept).ok());
  FollowerOptions o;
  o.data_dir = f.dir.path();
  Delivered again;
  auto reopened = Follower::Open(o, std::move(store), &again);
  REQUIRE_MESSAGE(reopened.ok(), reopened.status().ToString());
  CHECK(reopened.value()->recovered_seq() == end);
  reopened.value()->Stop();
  CHECK(StateHash(reopened.value()->state_after_stop()) == StateHash(leader.state));
}
