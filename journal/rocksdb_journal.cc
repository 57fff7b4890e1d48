// The RocksDB journal: key = 'J' + big-endian first seq (so keys sort by seq), value = the
// batch's packed records. One WriteBatch per group commit, then one WAL sync unless the store
// was opened for benchmarks in async mode. Block checksums are verified on every read, on top
// of the per-record crc32c.
//
// The options are set for what this store is: an append-only log, written by one thread in
// increasing key order, read back only at recovery (a sequential scan) and by the outbox
// tailing its end. What matters is the latency of the WAL sync each group commit waits for,
// and leaving CPU to the sequencer on a small machine:
// - No compression: every batch is written twice anyway (WAL, then the flush to a table file);
//   compressing on the flush costs CPU the sequencer needs, for disk space the journal can
//   spare. The per-record crc32c already guards the bytes.
// - bytes_per_sync (1 MiB): a flush writes its table file out steadily instead of leaving
//   64 MiB of dirty pages for the kernel to write back at once; a burst like that queues in
//   front of the WAL's fdatasync and shows up as the commit latency tail.
// - Several write buffers: a flush in progress never stalls the writer.
// - No bloom filters and no block cache for data: nothing ever looks a key up by value, and
//   the recovery scan reads each block once.
// - Keys arrive in order, so table files never overlap; compaction is mostly trivial moves.
#include <rocksdb/db.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <filesystem>

#include "engine/codec/coding.h"
#include "journal/journal_store.h"

namespace cm::journal {
namespace {

constexpr char kBatchPrefix = 'J';

std::string BatchKey(Seq first) {
  std::string k(1, kBatchPrefix);
  PutBigEndian64(&k, first);
  return k;
}

Status FromRocks(const rocksdb::Status& s, const std::string& where) {
  if (s.ok()) return Status::OK();
  const std::string msg = where + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(msg);
  return Status::IOError(msg);
}

class RocksJournal final : public JournalStore {
 public:
  RocksJournal(std::unique_ptr<rocksdb::DB> db, std::string dir, Durability d)
      : db_(std::move(db)), dir_(std::move(dir)) {
    sync_ = d == Durability::kSync;
    read_options_.verify_checksums = true;
    read_options_.fill_cache = false;  // a scan reads each batch once
  }

  Status Append(Seq first, Seq /*last*/, std::string_view records) override {
    rocksdb::WriteBatch batch;
    batch.Put(BatchKey(first), rocksdb::Slice(records.data(), records.size()));
    return FromRocks(db_->Write(write_options_, &batch), "journal write to " + dir_);
  }

  Status Sync() override {
    if (!sync_) return Status::OK();
    return FromRocks(db_->SyncWAL(), "journal sync of " + dir_);
  }

  Status Scan(Seq from,
              const std::function<bool(Seq, std::string_view)>& visit) override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options_));
    // The batch containing `from` starts at or before it.
    it->SeekForPrev(BatchKey(from));
    if (!it->Valid()) it->Seek(BatchKey(from));
    for (; it->Valid(); it->Next()) {
      const rocksdb::Slice k = it->key();
      if (k.size() != 9 || k[0] != kBatchPrefix)
        return Status::Corruption("journal " + dir_ + ": unexpected key of " +
                                  std::to_string(k.size()) + " bytes");
      const Seq first = DecodeBigEndian64(k.data() + 1);
      const rocksdb::Slice v = it->value();
      if (!visit(first, std::string_view(v.data(), v.size()))) return Status::OK();
    }
    return FromRocks(it->status(), "journal read from " + dir_);
  }

  // A range tombstone, then a compaction of the range so the disk space comes back now.
  Status DropBefore(Seq first_kept) override {
    const std::string begin = BatchKey(0), end = BatchKey(first_kept);
    rocksdb::WriteOptions sync;
    sync.sync = true;
    if (Status s = FromRocks(db_->DeleteRange(sync, db_->DefaultColumnFamily(), begin, end),
                             "journal retention in " + dir_);
        !s.ok())
      return s;
    const rocksdb::Slice b(begin), e(end);
    return FromRocks(db_->CompactRange(rocksdb::CompactRangeOptions(), &b, &e),
                     "journal compaction in " + dir_);
  }

  Status DropFrom(Seq first_dropped) override {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    // Batch keys sort by seq, and nothing else in the store sorts after them.
    return FromRocks(db_->DeleteRange(sync, db_->DefaultColumnFamily(), BatchKey(first_dropped),
                                      std::string(1, static_cast<char>(kBatchPrefix + 1))),
                     "cutting the journal in " + dir_);
  }

  // RocksDB hard-links the table files and copies the live WAL (after a flush of the memtable),
  // concurrently with writes; a batch is one WriteBatch, so it is in the copy whole or not.
  Status Checkpoint(const std::string& dir) override {
    rocksdb::Checkpoint* raw = nullptr;
    rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &raw);
    if (!s.ok()) return FromRocks(s, "journal checkpoint of " + dir_);
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    return FromRocks(checkpoint->CreateCheckpoint(dir), "journal checkpoint into " + dir);
  }

  uint64_t MemoryBytes() const override {
    uint64_t bytes = 0;
    return db_->GetIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables, &bytes) ? bytes : 0;
  }

  std::string Describe(Seq first) const override {
    return "journal " + dir_ + " (batch key J" + std::to_string(first) + ")";
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::string dir_;
  bool sync_ = true;
  rocksdb::WriteOptions write_options_;  // no sync: Sync() fsyncs the WAL once per batch
  rocksdb::ReadOptions read_options_;
};

}  // namespace

Result<std::unique_ptr<JournalStore>> OpenRocksJournal(const std::string& dir,
                                                       Durability durability) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create journal directory " + dir + ": " + ec.message());
  rocksdb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  // A torn last write (a crash mid-append) is dropped; anything else damaged stops recovery.
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  options.max_background_jobs = 1;  // two cores: leave one for the sequencer
  options.write_buffer_size = 64 << 20;
  options.max_write_buffer_number = 4;
  options.compression = rocksdb::kNoCompression;
  options.bytes_per_sync = 1 << 20;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &raw);
  if (!s.ok()) return FromRocks(s, "cannot open journal " + dir);
  return std::unique_ptr<JournalStore>(
      new RocksJournal(std::unique_ptr<rocksdb::DB>(raw), dir, durability));
}

}  // namespace cm::journal
