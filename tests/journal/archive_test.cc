// Journal retention: the batches a snapshot covers move to archive segments (or are deleted),
// the archive and the live journal replay as one, a crash between writing a segment and
// dropping its batches loses and repeats nothing, and a damaged segment is named.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "engine/codec/state_codec.h"
#include "journal/journal_archive.h"
#include "journal/journal_writer.h"
#include "journal/memory_journal.h"
#include "journal/recovery.h"
#include "journal/snapshot_files.h"
#include "tests/support/random_commands.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_world.h"

using namespace cm::test;
using namespace cm::journal;

namespace {

// Journals a random stream in batches of 7 events; returns the live state's hash.
uint64_t Journal(JournalStore& store, uint64_t seed, int commands, Seq* last) {
  struct Sink : EventSink {
    JournalWriter* writer = nullptr;
    int pending = 0;
    void OnEvent(const Event& e, uint64_t, bool) override {
      writer->Add(e);
      if (++pending == 7) {
        REQUIRE(writer->Commit().ok());
        pending = 0;
      }
    }
  };
  EngineState live;
  Sequencer sequencer(live);
  JournalWriter writer(store, 1);
  Sink sink;
  sink.writer = &writer;
  RandomCommands(seed).Drive(sequencer, sink, commands);
  REQUIRE(writer.Commit().ok());
  *last = live.last_seq();
  return StateHash(live);
}

Seq FirstLiveBatch(JournalStore& store) {
  Seq first = 0;
  REQUIRE(store.Scan(1, [&](Seq f, std::string_view) {
    first = f;
    return false;
  }).ok());
  return first;
}

uint64_t FullReplayHash(JournalStore& store, const std::string& data_dir, Seq until = 0) {
  auto view = WithArchive(ArchiveDir(data_dir), store);
  RecoveryOptions full;
  full.use_snapshots = false;
  if (until) full.until = until;
  auto r = Recover(*view, SnapshotDir(data_dir), full);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return StateHash(*r->state);
}

}  // namespace

TEST_CASE("archived segments and the live journal replay as one journal") {
  TempDir dir;
  auto store = OpenRocksJournal(JournalDir(dir.path()), Durability::kSync);
  REQUIRE(store.ok());
  Seq last = 0;
  const uint64_t hash = Journal(*store.value(), 7, 3000, &last);
  const uint64_t hash_at_1000 = FullReplayHash(*store.value(), dir.path(), 1000);

  // Two rounds, as two snapshots would bring: segments that end at or before each cutoff.
  auto first = ApplyRetention(*store.value(), dir.path(), 1000, Retention::kArchive);
  REQUIRE(first.ok());
  CHECK(first->first == 1);
  CHECK(first->last <= 1000);
  CHECK(first->last > 1000 - 7);  // every batch that ends by the cutoff moved
  auto second = ApplyRetention(*store.value(), dir.path(), 2000, Retention::kArchive);
  REQUIRE(second.ok());
  CHECK(second->first == first->last + 1);
  const auto segments = ListArchive(ArchiveDir(dir.path()));
  REQUIRE(segments.size() == 2);
  CHECK(segments[1].last == second->last);
  CHECK(FirstLiveBatch(*store.value()) == second->last + 1);
  // Nothing more to move below what already moved.
  auto again = ApplyRetention(*store.value(), dir.path(), 2000, Retention::kArchive);
  REQUIRE(again.ok());
  CHECK(again->batches == 0);

  CHECK(FullReplayHash(*store.value(), dir.path()) == hash);
  CHECK(FullReplayHash(*store.value(), dir.path(), 1000) == hash_at_1000);
  // The live journal alone has a gap where the archive was.
  RecoveryOptions full;
  full.use_snapshots = false;
  auto live_only = Recover(*store.value(), SnapshotDir(dir.path()), full);
  CHECK_FALSE(live_only.ok());
}

TEST_CASE("a crash between writing a segment and dropping its batches repeats nothing") {
  TempDir dir;
  MemoryJournal store;
  Seq last = 0;
  const uint64_t hash = Journal(store, 8, 2000, &last);
  const std::map<Seq, std::string> before = store.batches();
  auto moved = ApplyRetention(store, dir.path(), 900, Retention::kArchive);
  REQUIRE(moved.ok());
  REQUIRE(moved->batches > 0);
  store.batches() = before;  // the drop never happened
  CHECK(FullReplayHash(store, dir.path()) == hash);
  // The next run drops them, and archives only what comes after.
  auto next = ApplyRetention(store, dir.path(), 1500, Retention::kArchive);
  REQUIRE(next.ok());
  CHECK(next->first == 1);
  const auto segments = ListArchive(ArchiveDir(dir.path()));
  REQUIRE(segments.size() == 2);
  CHECK(segments[1].first == segments[0].last + 1);
  CHECK(segments[1].last == next->last);
  CHECK(FirstLiveBatch(store) == next->last + 1);
  CHECK(FullReplayHash(store, dir.path()) == hash);
}

TEST_CASE("retention that deletes keeps only what a snapshot and the tail need") {
  TempDir dir;
  MemoryJournal store;
  Seq last = 0;
  EngineState live;
  {
    // A snapshot at the cutoff, as the pipeline would have written before retention.
    Sequencer sequencer(live);
    JournalWriter writer(store, 1);
    struct Sink : EventSink {
      JournalWriter* w;
      EngineState* s;
      std::string dir;
      void OnEvent(const Event& e, uint64_t, bool) override {
        w->Add(e);
        REQUIRE(w->Commit().ok());
        if (e.seq == 1200) {
          std::string payload;
          EncodeState(*s, &payload);
          REQUIRE(WriteSnapshot(dir, e.seq, payload).ok());
        }
      }
    } sink;
    sink.w = &writer;
    sink.s = &live;
    sink.dir = SnapshotDir(dir.path());
    RandomCommands(9).Drive(sequencer, sink, 2000);
    last = live.last_seq();
  }
  REQUIRE(last > 1200);
  auto moved = ApplyRetention(store, dir.path(), 1200, Retention::kDelete);
  REQUIRE(moved.ok());
  CHECK(moved->last == 1200);
  CHECK(moved->segment.empty());
  CHECK(ListArchive(ArchiveDir(dir.path())).empty());
  auto view = WithArchive(ArchiveDir(dir.path()), store);
  auto r = Recover(*view, SnapshotDir(dir.path()), RecoveryOptions{});
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->snapshot_seq == 1200);
  CHECK(StateHash(*r->state) == StateHash(live));
}

TEST_CASE("a damaged archive segment stops a replay and names the file") {
  TempDir dir;
  MemoryJournal store;
  Seq last = 0;
  Journal(store, 10, 1500, &last);
  auto moved = ApplyRetention(store, dir.path(), 700, Retention::kArchive);
  REQUIRE(moved.ok());
  {
    std::fstream f(moved->segment, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40);
    f.put('\x7f');
  }
  auto view = WithArchive(ArchiveDir(dir.path()), store);
  RecoveryOptions full;
  full.use_snapshots = false;
  auto r = Recover(*view, SnapshotDir(dir.path()), full);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().IsCorruption());
  CHECK(r.status().message().find(moved->segment) != std::string::npos);
}
