#pragma once
// The journal's record format, version 18. Older records are still read: version 1 (before
// waiting rooms: no room in concert specs, no Queue events), version 2 (before payments: no
// payment events, and the reservation events carry only the reservation), version 3 (before
// re-hold cooldowns: none in concert specs) and version 4 (before drawn openings: QueueOpened
// has no order and means kShuffledAtOnce; no QueueDrawn) and version 5 (before tickets: no
// ticket events, no STAFF role, no after-sale rules in concert specs) and version 6 (before
// replication: no term, read as term 0; no TermStarted) and version 7 (before state hashes: no
// StateHashed) and version 8 (before timelines: no TimelineStarted) and version 9 (before
// scanners named themselves: no device in CheckInConflict) and version 10 (before transfer
// offers: no TicketOffered, TicketOfferEnded; a TicketTransferred needs no offer) and version 11
// (before plans and wallets: no plan in a venue spec, no wallet in PaymentRequested) and version
// 12 (before snapshots off the sequencer: no SnapshotMarked; a StateHashed names the seq just
// before it) and version 13 (before return windows: none in concert specs, no SeatsReturned)
// and version 14 (before proofs of work: none in concert specs) and version 15 (before seat
// attributes: none in venue specs, no rules for accessible seats in concert specs) and
// version 16 (before sale phases and bank transfers: none in concert specs, no SalePhaseBegan,
// MembersListed, MemberCodeClaimed, VirtualAccountIssued) and version 17 (before committed
// draws: no QueueCommitted, no kRanked opening) and version 18 (before support's records: no
// TicketRevoked, AccountStatusChanged; no one named as acting on a release, a confirmation or
// a refund, and no refund reason).
// One record per event; the journal packs the records of one group commit into one
// value, one after another.
//
// record   := length: fixed32 | payload[length] | crc: fixed32
//             crc = crc32c(payload); a record whose crc does not match is corrupt.
// payload  := version: u8 (= 19, or 18 ... 1) | type: u8 (EventType) | seq: fixed64
//             | ts: fixed64 | flags: u8 | term: varint (not before version 7) | [idem] | body
// flags    := bit 0: an idem part follows; other bits must be 0.
// idem     := user: fixed64 | key_hi: fixed64 | key_lo: fixed64 | fingerprint: fixed64
// body, by type (u64 = fixed64, lstr = varint length + bytes, seats = count: u8, fixed32[count]):
//   UserRegistered       user: u64 | email: lstr | password_hash: lstr | role: u8 | name: lstr
//   VenueCreated         venue: u64 | venue_spec (spec_codec.h; no plan before version 12)
//   ConcertCreated       concert: u64 | concert_spec (spec_codec.h; no waiting room in version 1,
//                        no re-hold cooldown before version 4)
//   SalesOpened/Closed   concert: u64
//   HoldPlaced           reservation, concert, user, amount, expires_at: u64 | seats
//   HoldReleased, HoldExpired, ReservationConfirmed   reservation, concert, user: u64
//                        (version < 3: reservation only) | by: u64 (HoldReleased and
//                        ReservationConfirmed, version 19 on)
//   ReservationRefunded  reservation, amount, concert, user: u64 (version < 3: no concert, user)
//                        | by: u64 | reason: lstr (version 19 on)
//   CommandRejected      command: u8 | code: varint | detail: u64 | seats | reason: lstr
//   DuplicateCommand     original_seq: u64 | code: varint | ref, detail: u64
//   SessionStarted/Refreshed   session, user, digest_hi, digest_lo, expires_at: u64
//   SessionEnded         session, user: u64
//   QueueJoined          concert, user: u64
//   QueueOpened          concert, seed: u64 | order: u8 (OpenOrder; not before version 5;
//                        kRanked not before 18) | revealed: 32 bytes (kRanked only: the
//                        committed seed; its u64 seed is 0)
//   QueueDrawn           concert: u64 | count: varint
//   QueueAdmitted        concert, expires_at: u64 | users
//   QueueTicketsEnded    concert: u64 | why: u8 (TicketEnd) | users
//   (ids = payment, reservation, concert, user: u64)
//   PaymentRequested     ids | amount: u64 | method: u8 | key_hi, key_lo, hold_expires_at: u64
//                        | wallet: u8 (EasyPayProvider; not before version 12)
//                        | deposit_due: u64 (0: not a deposit; not before version 17)
//   PaymentSucceeded     ids | attempt: varint | amount: u64
//   PaymentFailed        ids | attempt: varint | outcome: u8 | final: u8 | retry_at: u64
//                        | detail: lstr
//   RefundIssued         ids | amount: u64 | why: u8 (RefundReason; WRONG_AMOUNT and
//                        LATE_DEPOSIT not before 17)
//   VirtualAccountIssued ids | bank, account, holder: lstr (not before 17)
//   SeatsReleased        ids
//   RefundSettled        ids | amount: u64
//   TicketIssued         ticket, reservation, concert, holder: u64 | seat: fixed32
//   TicketCheckedIn      ticket, concert, holder: u64 | version: varint | gate: lstr
//                        | scanned_at: u64 | offline: u8
//   TicketTransferred    ticket, concert, from, to: u64 | version: varint
//   TicketOffered        ticket, concert, from: u64 | to_email: lstr (not before 11)
//   TicketOfferEnded     ticket, concert, from, by: u64 (not before 11)
//   CheckInConflict      ticket, concert: u64 | gate: lstr | scanned_at: u64 | why: varint
//                        | first_gate: lstr | first_at: u64 | device: lstr (not before 10)
//   ReservationCancelled reservation, concert, user, refund, fee: u64
//   HoldExtended         reservation, concert, user, expires_at: u64
//   SeatsReturned        concert: u64 | seats (not before 14)
//   SalePhaseBegan       concert: u64 | phase: varint (not before 17)
//   MembersListed        concert: u64 | replace: u8 | entries (as users; not before 17)
//   MemberCodeClaimed    concert, user, entry: u64 (not before 17)
//   QueueCommitted       concert: u64 | phase: varint | seed, key, commitment: 32 bytes each
//                        (not before 18)
//   TicketRevoked        ticket, concert, holder, by: u64 | reason: lstr (not before 19)
//   AccountStatusChanged user: u64 | disabled: u8 | by: u64 | reason: lstr (not before 19)
//   TermStarted          term: u64 | leader: lstr
//   StateHashed          state_seq, digest: u64 | format: u8 (not before 10: the record's version)
//   SnapshotMarked       format: u8 (not before 13)
//   TimelineStarted      timeline: varint | id_base: u64
//   (users = count: varint, fixed64[count])
// The body must end exactly where the payload ends. Numbers are little-endian. A new version
// gets a new version byte; readers refuse versions they do not know rather than guess.

#include <string>
#include <string_view>

#include "engine/event.h"
#include "engine/status.h"

namespace cm::engine {

inline constexpr uint8_t kEventFormatVersion = 19;
inline constexpr uint8_t kOldestEventFormatVersion = 1;
inline constexpr std::size_t kRecordOverhead = 8;  // length + crc

// Appends one record for `e` to *dst.
void EncodeEvent(const Event& e, std::string* dst);

// Decodes the record at the front of *in and advances *in past it. Returns Corruption (saying
// what is wrong, and the seq when the header is readable) on a short record, a checksum
// mismatch, an unknown version or type, or a malformed body.
Status DecodeEvent(std::string_view* in, Event* out);

}  // namespace cm::engine
