#pragma once
// A seat's history: every event that touched one seat of one concert, from the journal, with
// when, who and why. Support's first question ("who had this seat, and what happened to it?")
// is answered from here, not by replaying the journal.
//
// The index is built outside the sequencer: a thread tails the durable journal (as the Kafka
// outbox does) and folds each event into RocksDB, in <data>/seat-history:
//   'h' concert: be64 | seat: be32 | seq: be64  ->  entry (below)
//   'r' reservation: be64  ->  concert: fixed64 | seats: varint n, fixed32[n]  (while it lasts)
//   't' ticket: be64       ->  concert: fixed64 | seat: fixed32
//   'm'                    ->  the seq every event up to which is indexed: fixed64
//   's'                    ->  the first seq indexed, when the journal no longer held the events
//                              before it as the index began (retention, a restore): fixed64
// entry := kind: u8 | at: fixed64 | reservation, ticket, user, by: fixed64 | detail: lstr
// One WriteBatch per round of events carries their entries and the new 'm', so a crash leaves
// the index at a round's end and the next start goes on from there. A seat's entries are one
// prefix: a query is one short range scan, whatever the journal's length. The index keeps what
// it indexed when retention moves old journal batches away (serve never moves batches it has
// not read: the retention floor).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/event.h"
#include "engine/status.h"

namespace cm::history {

using engine::ConcertId;
using engine::SeatIndex;
using engine::Seq;

enum class SeatEventKind : uint8_t {
  kHold = 0,           // HoldPlaced
  kRelease = 1,        // HoldReleased: its owner (or an admin) let it go
  kExpire = 2,         // HoldExpired
  kPay = 3,            // ReservationConfirmed by its payment
  kConfirm = 4,        // ReservationConfirmed by an admin
  kRefund = 5,         // ReservationRefunded by an admin
  kCancel = 6,         // ReservationCancelled by its buyer under the refund policy
  kPaymentFailed = 7,  // SeatsReleased: the payment failed, the seats went back
  kReturn = 8,         // SeatsReturned: back on sale after a return window
  kExtend = 9,         // HoldExtended
  kTransfer = 10,      // TicketTransferred
  kCheckIn = 11,       // TicketCheckedIn
  kRevoke = 12,        // TicketRevoked by an admin
  kConflict = 13,      // CheckInConflict
};
inline constexpr uint8_t kLastSeatEventKind = 13;
// HOLD, RELEASE, EXPIRE, PAY, CONFIRM, REFUND, CANCEL, PAYMENT_FAILED, RETURN, EXTEND, TRANSFER,
// CHECK_IN, REVOKE, CONFLICT.
std::string_view ToString(SeatEventKind k);

struct SeatHistoryEntry {
  Seq seq = 0;
  engine::TimeMs at = 0;  // the sequencer's clock when it decided (a gate's, for a check-in)
  SeatEventKind kind = SeatEventKind::kHold;
  engine::ReservationId reservation = 0;
  engine::TicketId ticket = 0;
  engine::UserId user = 0;  // whose seat it was (the holder, the buyer, the ticket's holder)
  engine::UserId by = 0;    // who acted, when someone else did (an admin, the giver); 0: unknown
  std::string detail;       // an admin's reason, a gate
};

class SeatHistoryIndex {
 public:
  // Opens (creating if needed) the index in `dir`.
  static Result<std::unique_ptr<SeatHistoryIndex>> Open(const std::string& dir);
  virtual ~SeatHistoryIndex() = default;

  // Every event up to here is indexed (0: none yet). Any thread.
  virtual Seq indexed_seq() const = 0;
  // From here on the history is whole: 1, or later when the journal had already let the events
  // before it go (journal retention, a restored data directory) as the index reached them, so
  // some of those may be missing. Any thread.
  virtual Seq starts_at() const = 0;
  // The journal holds nothing from indexed_seq() + 1 up to `first` - 1: the index goes on from
  // `first` and says that it starts there (starts_at). REQUIRES: first > indexed_seq() + 1.
  virtual Status SkipTo(Seq first) = 0;
  // Whether a tail keeps this index up here (the leader's; a follower's waits for a promotion).
  virtual void set_tailed(bool tailed) = 0;
  virtual bool tailed() const = 0;
  // Folds the records of journal batches, in order, continuing from indexed_seq(): events at or
  // below it are skipped, and a gap (an event past indexed_seq() + 1) is Corruption. One
  // WriteBatch. Called by one thread at a time.
  virtual Status Index(const std::vector<std::string_view>& batches) = 0;
  // The seat's entries, oldest first, at most `limit` of them after `after_seq`. Any thread.
  virtual Result<std::vector<SeatHistoryEntry>> Query(ConcertId concert, SeatIndex seat,
                                                      Seq after_seq, std::size_t limit) const = 0;
  // Bytes on disk (SST and WAL files), for /metrics.
  virtual uint64_t DiskBytes() const = 0;
};

}  // namespace cm::history
