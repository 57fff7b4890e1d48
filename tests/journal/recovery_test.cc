// The RocksDB journal and snapshots: recovery rebuilds the same state, from the journal alone
// or from a snapshot plus the tail, and every kind of damage stops it with a named error.
#include <doctest/doctest.h>

#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>

#include "engine/codec/coding.h"
#include "engine/invariants.h"
#include "engine/codec/state_codec.h"
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

// Runs a random stream through a sequencer and journals it in batches of `batch` events,
// writing a snapshot right after event `snapshot_at` (0: none). Returns the live hash.
struct Journaled : EventSink {
  JournalWriter* writer;
  const EngineState* state;
  std::string snapshot_dir;
  Seq snapshot_at = 0;
  int batch = 7;
  int pending = 0;
  void OnEvent(const Event& e, uint64_t, bool) override {
    writer->Add(e);
    if (++pending == batch) {
      REQUIRE(writer->Commit().ok());
      pending = 0;
    }
    if (e.seq == snapshot_at) {
      std::string payload;
      EncodeState(*state, &payload);
      REQUIRE(WriteSnapshot(snapshot_dir, e.seq, payload).ok());
    }
  }
};

uint64_t WriteStream(JournalStore& store, const std::string& snapshot_dir, uint64_t seed,
                     int commands, Seq snapshot_at, Seq* last_seq) {
  EngineState live;
  Sequencer sequencer(live);
  JournalWriter writer(store, 1);
  Journaled sink;
  sink.writer = &writer;
  sink.state = &live;
  sink.snapshot_dir = snapshot_dir;
  sink.snapshot_at = snapshot_at;
  RandomCommands(seed).Drive(sequencer, sink, commands);
  REQUIRE(writer.Commit().ok());
  *last_seq = live.last_seq();
  return StateHash(live);
}

void FlipByteInFile(const std::string& path, std::size_t offset_from_end) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(f.tellg());
  const std::size_t at = size - offset_from_end;
  f.seekg(static_cast<std::streamoff>(at));
  char c;
  f.read(&c, 1);
  c ^= 0x5a;
  f.seekp(static_cast<std::streamoff>(at));
  f.write(&c, 1);
}

}  // namespace

TEST_CASE("the RocksDB journal recovers the same state, with and without a snapshot") {
  TempDir dir;
  Seq last = 0;
  uint64_t hash = 0;
  {
    auto store = OpenRocksJournal(JournalDir(dir.path()), Durability::kSync);
    REQUIRE(store.ok());
    hash = WriteStream(*store.value(), SnapshotDir(dir.path()), 42, 3000, 1500, &last);
  }
  auto store = OpenRocksJournal(JournalDir(dir.path()), Durability::kSync);
  REQUIRE(store.ok());

  RecoveryOptions full;
  full.use_snapshots = false;
  auto a = Recover(*store.value(), SnapshotDir(dir.path()), full);
  REQUIRE_MESSAGE(a.ok(), a.status().ToString());
  CHECK(a->snapshot_seq == 0);
  CHECK(a->state->last_seq() == last);
  CHECK(StateHash(*a->state) == hash);
  CHECK(CheckInvariants(*a->state).empty());

  auto b = Recover(*store.value(), SnapshotDir(dir.path()), RecoveryOptions{});
  REQUIRE_MESSAGE(b.ok(), b.status().ToString());
  CHECK(b->snapshot_seq == 1500);
  CHECK(b->events_replayed == last - 1500);
  CHECK(StateHash(*b->state) == hash);
}

TEST_CASE("a snapshot in an older state format is passed over: the journal replays instead") {
  MemoryJournal store;
  TempDir dir;
  Seq last = 0;
  const uint64_t hash = WriteStream(store, dir.path(), 7, 800, 0, &last);
  // What an earlier release would have left: a sound file whose state format is older.
  std::string old_payload(1, static_cast<char>(kOldestStateFormatVersion - 1));
  old_payload += "whatever that format held";
  REQUIRE(WriteSnapshot(dir.path(), 400, old_payload).ok());
  auto r = Recover(store, dir.path(), RecoveryOptions{});
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->snapshot_seq == 0);
  CHECK(r->skipped_old_snapshots.size() == 1);
  CHECK(r->state->last_seq() == last);
  CHECK(StateHash(*r->state) == hash);
}

TEST_CASE("--until stops at a point in time, using only snapshots at or before it") {
  MemoryJournal store;
  TempDir dir;
  Seq last = 0;
  WriteStream(store, dir.path(), 5, 800, 400, &last);
  // The state at seq 300, rebuilt from the journal alone, is the reference.
  RecoveryOptions full;
  full.use_snapshots = false;
  full.until = 300;
  auto reference = Recover(store, dir.path(), full);
  REQUIRE(reference.ok());
  CHECK(reference->state->last_seq() == 300);
  RecoveryOptions with_snapshots;
  with_snapshots.until = 300;
  auto r = Recover(store, dir.path(), with_snapshots);
  REQUIRE(r.ok());
  CHECK(r->snapshot_seq == 0);  // the snapshot at 400 is after the point asked for
  CHECK(StateHash(*r->state) == StateHash(*reference->state));
  with_snapshots.until = 600;
  full.until = 600;
  auto r600 = Recover(store, dir.path(), with_snapshots);
  auto ref600 = Recover(store, dir.path(), full);
  REQUIRE(r600.ok());
  REQUIRE(ref600.ok());
  CHECK(r600->snapshot_seq == 400);
  CHECK(StateHash(*r600->state) == StateHash(*ref600->state));
}

TEST_CASE("a damaged journal record stops recovery and names the seq and the journal") {
  TempDir dir;
  Seq last = 0;
  {
    auto store = OpenRocksJournal(JournalDir(dir.path()), Durability::kSync);
    REQUIRE(store.ok());
    WriteStream(*store.value(), SnapshotDir(dir.path()), 9, 300, 0, &last);
  }
  // Rewrite one stored batch with a flipped byte in its last record, as a bad disk would.
  Seq damaged_first = 0;
  {
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::Options{}, JournalDir(dir.path()), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions{}));
    it->SeekToFirst();
    for (int i = 0; i < 5; ++i) it->Next();
    REQUIRE(it->Valid());
    std::string key = it->key().ToString(), value = it->value().ToString();
    damaged_first = cm::DecodeBigEndian64(key.data() + 1);
    value[value.size() - 6] ^= 0x01;
    REQUIRE(db->Put(rocksdb::WriteOptions{}, key, value).ok());
  }
  auto store = OpenRocksJournal(JournalDir(dir.path()), Durability::kSync);
  REQUIRE(store.ok());
  RecoveryOptions ro;
  auto r = Recover(*store.value(), SnapshotDir(dir.path()), ro);
  REQUIRE_FALSE(r.ok());
  const std::string msg = r.status().message();
  CHECK(r.status().IsCorruption());
  CHECK(msg.find(JournalDir(dir.path())) != std::string::npos);
  // Batches hold 7 events; the damaged record is the batch's last one.
  CHECK(msg.find("event seq " + std::to_string(damaged_first + 6)) != std::string::npos);
  CHECK(msg.find("checksum mismatch") != std::string::npos);
}

TEST_CASE("damaged bytes in a RocksDB table file are caught by its block checksums") {
  TempDir dir;
  Seq last = 0;
  {
    auto store = OpenRocksJournal(JournalDir(dir.path()), Durability::kSync);
    REQUIRE(store.ok());
    WriteStream(*store.value(), SnapshotDir(dir.path()), 11, 2000, 0, &last);
  }
  {  // move everything into a table file
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::Options{}, JournalDir(dir.path()), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    REQUIRE(db->Flush(rocksdb::FlushOptions{}).ok());
  }
  std::string sst;
  for (const auto& e : std::filesystem::directory_iterator(JournalDir(dir.path())))
    if (e.path().extension() == ".sst") sst = e.path().string();
  REQUIRE_FALSE(sst.empty());
  FlipByteInFile(sst, std::filesystem::file_size(sst) / 2);
  auto store = OpenRocksJournal(JournalDir(dir.path()), Durability::kSync);
  Status s = store.ok() ? Recover(*store.value(), SnapshotDir(dir.path()), {}).status()
                        : store.status();
  REQUIRE_FALSE(s.ok());
  CHECK(s.IsCorruption());
  CHECK(s.message().find(".sst") != std::string::npos);
}

TEST_CASE("a damaged or truncated snapshot stops recovery and names the file") {
  MemoryJournal store;
  TempDir dir;
  Seq last = 0;
  WriteStream(store, dir.path(), 3, 500, 250, &last);
  const auto files = ListSnapshots(dir.path());
  REQUIRE(files.size() == 1);
  SUBCASE("a flipped byte") { FlipByteInFile(files[0].path, 100); }
  SUBCASE("truncated") {
    std::filesystem::resize_file(files[0].path, std::filesystem::file_size(files[0].path) - 9);
  }
  SUBCASE("empty") { std::filesystem::resize_file(files[0].path, 0); }
  auto r = Recover(store, dir.path(), RecoveryOptions{});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().IsCorruption());
  CHECK(r.status().message().find(files[0].path) != std::string::npos);
  CHECK(r.status().message().find("seq 250") != std::string::npos);
}

TEST_CASE("damage past --until never stops a recovery, and damage before it stops it at the "
          "damaged batch") {
  MemoryJournal store;
  TempDir dir;
  Seq last = 0;
  const uint64_t live_hash = WriteStream(store, dir.path(), 12, 4000, 0, &last);
  auto damaged = std::prev(store.batches().end(), 3);
  const Seq damaged_first = damaged->first;
  REQUIRE(damaged_first > 2000);
  RecoveryOptions ro;
  ro.until = damaged_first - 1000;
  SUBCASE("intact") {
    ro.until = last;
    auto r = Recover(store, dir.path(), ro);
    REQUIRE(r.ok());
    CHECK(StateHash(*r->state) == live_hash);
    CHECK(r->events_replayed == last);
  }
  damaged->second[damaged->second.size() - 3] ^= 0x10;
  SUBCASE("stopping before the damage") {
    auto r = Recover(store, dir.path(), ro);
    REQUIRE(r.ok());
    CHECK(r->state->last_seq() == ro.until);
    CHECK(r->events_replayed == ro.until);
    CHECK(CheckInvariants(*r->state).empty());
  }
  SUBCASE("reaching it") {
    auto r = Recover(store, dir.path(), RecoveryOptions{});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().IsCorruption());
    CHECK(r.status().message().find("(batch " + std::to_string(damaged_first) + ")") !=
          std::string::npos);
  }
}

TEST_CASE("a gap in the journal is an error naming the missing events") {
  MemoryJournal store;
  TempDir dir;
  Seq last = 0;
  WriteStream(store, dir.path(), 4, 200, 0, &last);
  auto& batches = store.batches();
  auto it = std::next(batches.begin(), 3);
  const Seq missing_first = it->first;
  batches.erase(it);
  auto r = Recover(store, dir.path(), RecoveryOptions{});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("events " + std::to_string(missing_first) + "..") !=
        std::string::npos);
}

TEST_CASE("snapshot files: temporary files are ignored, only the newest are kept") {
  TempDir dir;
  for (Seq s : {10, 20, 30}) REQUIRE(WriteSnapshot(dir.path(), s, "payload", 2).ok());
  std::ofstream(dir.path() + "/snapshot-00000000000000000040.snap.tmp") << "half";
  const auto files = ListSnapshots(dir.path());
  REQUIRE(files.size() == 2);
  CHECK(files[0].seq == 30);
  CHECK(files[1].seq == 20);
  std::string payload;
  REQUIRE(ReadSnapshot(files[0], &payload).ok());
  CHECK(payload == "payload");
}
