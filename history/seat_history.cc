#include "history/seat_history.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include <algorithm>
#include <atomic>
#include <filesystem>

#include "engine/codec/coding.h"
#include "engine/codec/event_codec.h"

namespace cm::history {
namespace {

using engine::Event;
using engine::ReservationId;
using engine::TicketId;
using engine::UserId;

constexpr char kMetaKey[] = "m";
constexpr char kStartKey[] = "s";

std::string SeatPrefix(ConcertId concert, SeatIndex seat) {
  std::string k(1, 'h');
  PutBigEndian64(&k, concert);
  for (int shift = 24; shift >= 0; shift -= 8) k.push_back(static_cast<char>(seat >> shift & 0xff));
  return k;
}

std::string IdKey(char kind, uint64_t id) {
  std::string k(1, kind);
  PutBigEndian64(&k, id);
  return k;
}

Status FromRocks(const rocksdb::Status& s, const std::string& where) {
  if (s.ok()) return Status::OK();
  if (s.IsCorruption()) return Status::Corruption(where + ": " + s.ToString());
  return Status::IOError(where + ": " + s.ToString());
}

std::string EncodeEntry(const SeatHistoryEntry& e) {
  std::string v;
  PutFixed8(&v, static_cast<uint8_t>(e.kind));
  PutFixed64(&v, static_cast<uint64_t>(e.at));
  PutFixed64(&v, e.reservation);
  PutFixed64(&v, e.ticket);
  PutFixed64(&v, e.user);
  PutFixed64(&v, e.by);
  PutLengthPrefixed(&v, e.detail);
  return v;
}

bool DecodeEntry(std::string_view in, SeatHistoryEntry* e) {
  uint8_t kind;
  if (!GetFixed8(&in, &kind) || kind > kLastSeatEventKind || !GetSigned64(&in, &e->at) ||
      !GetFixed64(&in, &e->reservation) || !GetFixed64(&in, &e->ticket) ||
      !GetFixed64(&in, &e->user) || !GetFixed64(&in, &e->by) || !GetString(&in, &e->detail) ||
      !in.empty())
    return false;
  e->kind = static_cast<SeatEventKind>(kind);
  return true;
}

// Folds events into one WriteBatchWithIndex, reading what earlier events of the same round
// wrote (a hold placed and released within one round) through the batch.
class Fold {
 public:
  Fold(rocksdb::DB& db, rocksdb::WriteBatchWithIndex& batch) : db_(db), batch_(batch) {}

  Status Apply(const Event& e) {
    using namespace engine;
    SeatHistoryEntry x;
    x.seq = e.seq;
    x.at = e.ts;
    if (const auto* b = std::get_if<HoldPlaced>(&e.body)) {
      std::string v;
      PutFixed64(&v, b->concert);
      PutVarint32(&v, static_cast<uint32_t>(b->seats.size()));
      for (SeatIndex s : b->seats) PutFixed32(&v, s);
      Put(IdKey('r', b->reservation), v);
      x.kind = SeatEventKind::kHold;
      x.reservation = b->reservation;
      x.user = b->user;
      for (SeatIndex s : b->seats) Add(b->concert, s, x);
      return st_;
    }
    if (const auto* b = std::get_if<HoldReleased>(&e.body))
      return Reservation(b->reservation, SeatEventKind::kRelease, b->user, b->by, {}, true, x);
    if (const auto* b = std::get_if<HoldExpired>(&e.body))
      return Reservation(b->reservation, SeatEventKind::kExpire, b->user, 0, {}, true, x);
    if (const auto* b = std::get_if<HoldExtended>(&e.body))
      return Reservation(b->reservation, SeatEventKind::kExtend, b->user, 0, {}, false, x);
    if (const auto* b = std::get_if<ReservationConfirmed>(&e.body))
      return Reservation(b->reservation, b->by != 0 ? SeatEventKind::kConfirm : SeatEventKind::kPay,
                         b->user, b->by, {}, false, x);
    if (const auto* b = std::get_if<ReservationRefunded>(&e.body))
      return Reservation(b->reservation, SeatEventKind::kRefund, b->user, b->by, b->reason, true, x);
    if (const auto* b = std::get_if<ReservationCancelled>(&e.body))
      return Reservation(b->reservation, SeatEventKind::kCancel, b->user, b->user, {}, true, x);
    if (const auto* b = std::get_if<SeatsReleased>(&e.body))
      return Reservation(b->reservation, SeatEventKind::kPaymentFailed, b->user, 0, {}, true, x);
    if (const auto* b = std::get_if<SeatsReturned>(&e.body)) {
      x.kind = SeatEventKind::kReturn;
      for (SeatIndex s : b->seats) Add(b->concert, s, x);
      return st_;
    }
    if (const auto* b = std::get_if<TicketIssued>(&e.body)) {
      std::string v;
      PutFixed64(&v, b->concert);
      PutFixed32(&v, b->seat);
      Put(IdKey('t', b->ticket), v);
      return st_;
    }
    if (const auto* b = std::get_if<TicketCheckedIn>(&e.body)) {
      x.at = b->scanned_at;
      return Ticket(b->ticket, SeatEventKind::kCheckIn, b->holder, 0, b->gate, x);
    }
    if (const auto* b = std::get_if<TicketTransferred>(&e.body))
      return Ticket(b->ticket, SeatEventKind::kTransfer, b->to, b->from, {}, x);
    if (const auto* b = std::get_if<TicketRevoked>(&e.body))
      return Ticket(b->ticket, SeatEventKind::kRevoke, b->holder, b->by, b->reason, x);
    if (const auto* b = std::get_if<CheckInConflict>(&e.body)) {
      x.at = b->scanned_at;
      return Ticket(b->ticket, SeatEventKind::kConflict, 0, 0, b->gate, x);
    }
    return st_;
  }

 private:
  // The reservation's seats, from what its HoldPlaced wrote; `ends` forgets them after.
  Status Reservation(ReservationId id, SeatEventKind kind, UserId user, UserId by,
                     std::string_view detail, bool ends, SeatHistoryEntry& x) {
    std::string v;
    if (!Get(IdKey('r', id), &v)) return st_;  // held before the index began (none here)
    std::string_view in = v;
    uint64_t concert;
    uint32_t n;
    if (!GetFixed64(&in, &concert) || !GetVarint32(&in, &n))
      return st_ = Status::Corruption("seat history: reservation " + std::to_string(id));
    x.kind = kind;
    x.reservation = id;
    x.user = user;
    x.by = by;
    x.detail = detail;
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t seat;
      if (!GetFixed32(&in, &seat))
        return st_ = Status::Corruption("seat history: reservation " + std::to_string(id));
      Add(concert, seat, x);
    }
    if (ends) Delete(IdKey('r', id));
    return st_;
  }

  Status Ticket(TicketId id, SeatEventKind kind, UserId user, UserId by, std::string_view detail,
                SeatHistoryEntry& x) {
    std::string v;
    if (!Get(IdKey('t', id), &v)) return st_;
    std::string_view in = v;
    uint64_t concert;
    uint32_t seat;
    if (!GetFixed64(&in, &concert) || !GetFixed32(&in, &seat))
      return st_ = Status::Corruption("seat history: ticket " + std::to_string(id));
    x.kind = kind;
    x.ticket = id;
    x.user = user;
    x.by = by;
    x.detail = detail;
    Add(concert, seat, x);
    return st_;
  }

  void Add(ConcertId concert, SeatIndex seat, const SeatHistoryEntry& x) {
    std::string k = SeatPrefix(concert, seat);
    PutBigEndian64(&k, x.seq);
    Put(k, EncodeEntry(x));
  }
  void Put(const std::string& k, const std::string& v) {
    if (st_.ok()) st_ = FromRocks(batch_.Put(k, v), "seat history batch");
  }
  void Delete(const std::string& k) {
    if (st_.ok()) st_ = FromRocks(batch_.Delete(k), "seat history batch");
  }
  bool Get(const std::string& k, std::string* v) {
    if (!st_.ok()) return false;
    const rocksdb::Status s = batch_.GetFromBatchAndDB(&db_, rocksdb::ReadOptions(), k, v);
    if (s.IsNotFound()) return false;
    st_ = FromRocks(s, "seat history read");
    return st_.ok();
  }

  rocksdb::DB& db_;
  rocksdb::WriteBatchWithIndex& batch_;
  Status st_;
};

class RocksSeatHistory final : public SeatHistoryIndex {
 public:
  RocksSeatHistory(std::unique_ptr<rocksdb::DB> db, std::string dir, Seq indexed, Seq starts)
      : db_(std::move(db)), dir_(std::move(dir)), indexed_(indexed), starts_(starts) {}

  Seq indexed_seq() const override { return indexed_.load(std::memory_order_acquire); }
  Seq starts_at() const override { return starts_.load(std::memory_order_acquire); }
  void set_tailed(bool tailed) override { tailed_.store(tailed, std::memory_order_release); }
  bool tailed() const override { return tailed_.load(std::memory_order_acquire); }

  Status SkipTo(Seq first) override {
    if (first <= indexed_seq() + 1)
      return Status::InvalidArgument("seat history: nothing to skip before " + std::to_string(first));
    rocksdb::WriteBatch batch;
    std::string meta, start;
    PutFixed64(&meta, first - 1);
    PutFixed64(&start, first);
    batch.Put(kMetaKey, meta);
    batch.Put(kStartKey, start);
    if (Status s = FromRocks(db_->Write(rocksdb::WriteOptions(), &batch), "seat history write to " + dir_);
        !s.ok())
      return s;
    indexed_.store(first - 1, std::memory_order_release);
    starts_.store(first, std::memory_order_release);
    return Status::OK();
  }

  Status Index(const std::vector<std::string_view>& batches) override {
    rocksdb::WriteBatchWithIndex batch;
    Fold fold(*db_, batch);
    Seq at = indexed_seq();
    for (std::string_view records : batches) {
      while (!records.empty()) {
        Event e;
        if (Status s = engine::DecodeEvent(&records, &e); !s.ok()) return s;
        if (e.seq <= at) continue;
        if (e.seq != at + 1)
          return Status::Corruption("seat history: event " + std::to_string(e.seq) +
                                    " after " + std::to_string(at));
        if (Status s = fold.Apply(e); !s.ok()) return s;
        at = e.seq;
      }
    }
    if (at == indexed_seq()) return Status::OK();
    std::string meta;
    PutFixed64(&meta, at);
    if (Status s = FromRocks(batch.Put(kMetaKey, meta), "seat history batch"); !s.ok()) return s;
    rocksdb::WriteOptions wo;
    wo.disableWAL = false;  // a crash loses no round it said it wrote
    if (Status s = FromRocks(db_->Write(wo, batch.GetWriteBatch()), "seat history write to " + dir_);
        !s.ok())
      return s;
    indexed_.store(at, std::memory_order_release);
    return Status::OK();
  }

  Result<std::vector<SeatHistoryEntry>> Query(ConcertId concert, SeatIndex seat, Seq after_seq,
                                              std::size_t limit) const override {
    const std::string prefix = SeatPrefix(concert, seat);
    std::string from = prefix;
    PutBigEndian64(&from, after_seq + 1);
    std::vector<SeatHistoryEntry> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(from); it->Valid() && out.size() < limit; it->Next()) {
      const rocksdb::Slice k = it->key();
      if (!k.starts_with(prefix)) break;
      SeatHistoryEntry e;
      if (k.size() != prefix.size() + 8 ||
          !DecodeEntry(std::string_view(it->value().data(), it->value().size()), &e))
        return Status::Corruption("seat history: a malformed entry in " + dir_);
      e.seq = DecodeBigEndian64(k.data() + prefix.size());
      out.push_back(std::move(e));
    }
    if (Status s = FromRocks(it->status(), "seat history read of " + dir_); !s.ok()) return s;
    return out;
  }

  uint64_t DiskBytes() const override {
    uint64_t sst = 0;
    db_->GetIntProperty(rocksdb::DB::Properties::kTotalSstFilesSize, &sst);
    std::error_code ec;
    uint64_t logs = 0;
    for (const auto& f : std::filesystem::directory_iterator(dir_, ec))
      if (f.path().extension() == ".log") logs += f.file_size(ec);
    return sst + logs;
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::string dir_;
  std::atomic<Seq> indexed_;
  std::atomic<Seq> starts_;
  std::atomic<bool> tailed_{false};
};

// A fixed64 record under `key`, 0 when there is none.
Result<Seq> ReadSeq(rocksdb::DB& db, const char* key, const std::string& dir) {
  std::string value;
  const rocksdb::Status got = db.Get(rocksdb::ReadOptions(), key, &value);
  if (got.IsNotFound()) return Seq{0};
  if (!got.ok()) return FromRocks(got, "seat history at " + dir);
  std::string_view in = value;
  Seq seq = 0;
  if (!GetFixed64(&in, &seq) || !in.empty())
    return Status::Corruption("seat history at " + dir + ": a malformed record '" + key + "'");
  return seq;
}

}  // namespace

std::string_view ToString(SeatEventKind k) {
  static constexpr std::string_view kNames[] = {
      "HOLD",   "RELEASE", "EXPIRE", "PAY",      "CONFIRM", "REFUND", "CANCEL",
      "PAYMENT_FAILED",    "RETURN", "EXTEND",   "TRANSFER", "CHECK_IN", "REVOKE", "CONFLICT"};
  const auto i = static_cast<std::size_t>(k);
  return i < std::size(kNames) ? kNames[i] : "UNKNOWN";
}

Result<std::unique_ptr<SeatHistoryIndex>> SeatHistoryIndex::Open(const std::string& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_background_jobs = 1;  // two cores: the sequencer and the gateway come first
  rocksdb::DB* raw = nullptr;
  if (Status s = FromRocks(rocksdb::DB::Open(options, dir, &raw), "seat history at " + dir);
      !s.ok())
    return s;
  std::unique_ptr<rocksdb::DB> db(raw);
  auto indexed = ReadSeq(*db, kMetaKey, dir);
  if (!indexed.ok()) return indexed.status();
  auto starts = ReadSeq(*db, kStartKey, dir);
  if (!starts.ok()) return starts.status();
  return std::unique_ptr<SeatHistoryIndex>(
      std::make_unique<RocksSeatHistory>(std::move(db), dir, indexed.value(),
                                         std::max<Seq>(starts.value(), 1)));
}

}  // namespace cm::history
