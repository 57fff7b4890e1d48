#pragma once
// The whole engine state as bytes (a snapshot payload), and the state hash replay compares.
//
// state := version: u8 (= 20) | last_seq: fixed64 | clock: fixed64
//          | term: fixed64                             (not in version 7: term 0)
//          | timelines: varint n, (timeline: varint, first_seq, id_base: fixed64)[n]
//                                                      (oldest first; not before version 9: none)
//          | users: varint n, user[n]                 (ascending id)
//          | venues: varint n, (id: fixed64, venue_spec)[n]       (ascending id; a plan from 12)
//          | concerts: varint n,
//            (id: fixed64, sales: u8, concert_spec, [phase, members], [draws], [room],
//            cooldowns, [returning], ledger)[n]
//            (ascending id; room only when the current phase has a waiting room; draws from
//            version 19, one per phase)
//          | slots: varint n, varint[n]                (not before version 14: none)
//            (every reservation slot ever taken, in slot order: its generation, 4096 retired)
//          | reservations: varint n, reservation[n]   (ascending id)
//          | ended: varint n, fixed64[n]              (the order reservations ended in)
//          | idempotency: varint n, idem_entry[n]     (oldest first)
//          | sessions: varint n, session[n]          (ascending id)
//          | payments: varint n, payment[n]          (ascending id)
//          | admissions: varint n, admission[n]      (ascending id; admission tickets)
//          | conflicts: varint n, conflict[n]        (oldest first)
// user        := id: fixed64 | email: lstr | password_hash: lstr | role: u8 | name: lstr
//                | disabled: u8 (version 20 on)
// session     := id, user, digest_hi, digest_lo, expires_at: fixed64
//                | retired: varint n, (digest_hi, digest_lo: fixed64)[n] (oldest first)
// returning   := varint n, (seat: fixed32, returns_at: fixed64, from_sale: u8)[n]   (version
//                15 on; seats ascending: the seats given up that are not back on sale yet)
// cooldowns   := varint n, (seat: fixed32, user: fixed64, until: fixed64)[n]
//                (ascending seat; each seat's last releaser, only while until > clock)
//                before version 13: varint n, (user: fixed64, seat: fixed32, until: fixed64)[n]
//                (ascending user, seat; every pair's latest, ended ones included until the
//                next cooldown began)
// ledger      := (seats_sold, seats_refunded: varint | sold_value, refunded_value: fixed64)
//                [one per venue grade] | hours: varint n, hour[n] (ascending)
//                | holds_placed, seats_held, holds_confirmed, holds_expired, holds_released,
//                reservations_refunded, reservations_cancelled, payments_requested,
//                payments_succeeded, payments_failed, refunds_settled, cancellation_fees,
//                captured, refunded: fixed64
// hour        := hour: fixed64 | holds, seats_held, seats_sold, seats_refunded: varint
//                | sold_value, refunded_value: fixed64
// reservation := id, user, concert: fixed64 | status: u8 | amount, created_at, expires_at,
//                ended_at: fixed64 | seats: u8 n, fixed32[n] | payment: fixed64
//                | flags: u8 (1 extended)
// payment     := id, reservation, user, concert, amount: fixed64 | method, status: u8
//                | key_hi, key_lo: fixed64 | failed_attempts: varint
//                | created_at, next_attempt_at: fixed64
//                | flags: u8 (1 outcome_unknown, 2 refund_requested, 4 refund_settled)
//                | refunded, refund_amount: fixed64 | history: varint n, step[n]
//                | wallet: u8 (EasyPayProvider; not before version 12)
// step        := at: fixed64 | step, outcome: u8 | attempt: varint | detail: lstr
// room        := opened: u8 | tickets: varint n, ticket[n] (ascending user)
//                | drawn: users | drawn_head: fixed64 | pool: users (in pool order)
//                | draw_state: fixed64 | late: users | late_head: fixed64
//                | recent: varint n, (at: fixed64, count: varint)[n] | admitted_total: fixed64
//                | live_holds: varint n, (user: fixed64, count: varint)[n] (ascending user)
//                | ranked: varint n, (user, rank: fixed64)[n]  (version 19 on; a committed
//                room's undrawn entries, ascending by rank, then user)
// draws       := varint n (= the phases), draw[n]
// draw        := committed: u8 | if 1: seed, key, commitment: 32 bytes
//                | committed_at, committed_seq: fixed64 | opened: u8
//                | opened_at, opened_seq, entries: fixed64 | joined: users (0: left)
//                | order: users
// admission   := id, reservation, concert, holder: fixed64 | seat: fixed32 | version: varint
//                | state: u8 (TicketState) | checked_in_at: fixed64 | gate: lstr
//                | [offer_to: lstr | offered_at: fixed64] (version 11 on)
//                | voided: u8 (version 20 on: an admin revoked it, its reservation stands)
// conflict    := seq, recorded_at, ticket, concert: fixed64 | gate: lstr | scanned_at: fixed64
//                | why: varint | first_gate: lstr | first_at: fixed64
//                | device: lstr (not before version 10: none)
// ticket      := id, user: fixed64 | status, end: u8 | place, joined_at, admitted_at,
//                admission_expires_at, ended_at: fixed64
// users       := varint n, fixed64[n]
// idem_entry  := user, key_hi, key_lo, fingerprint, seq: fixed64 | code: varint
//                | ref, detail, recorded_at: fixed64
// Seat maps, per-user counts, hold timers and a room's position trees are not stored: they
// follow from the reservations and tickets and are rebuilt on load. The encoding is canonical
// (sorted), so equal states give equal bytes. Version 5 changed the room (a drawn pre-queue),
// version 6 added tickets and the after-sale rules, version 7 the sales ledger, version 8 the
// writer's term, version 9 the timeline, version 10 a conflict's device, version 11 a
// ticket's pending offer, version 12 the venue's plan and a payment's wallet, version 13 the
// re-hold cooldowns one per seat (engine/seat_map.h), version 14 the reservation slots'
// generations (ids that name their slot, engine/slot_table.h; older states' reservations keep
// their seq ids), version 15 the concerts' return windows and their returning seats, version
// 16 their proof-of-work settings, version 17 the seats' attributes and the rules for
// accessible seats, version 18 the sale phases, each concert's current phase and its member
// list, version 19 the waiting rooms' committed draws (engine/opening_draw.h), version 20 the
// accounts' disabled flag. A version 8
// snapshot is read as timeline 0, a version 7 one as term 0 too,
// and an older one is passed over at recovery and the journal replays instead.

#include <memory>
#include <string>
#include <string_view>

#include "engine/engine_state.h"
#include "engine/status.h"

namespace cm::engine {

inline constexpr uint8_t kStateFormatVersion = 20;
inline constexpr uint8_t kOldestStateFormatVersion = 7;
// The formats EncodeState can write: the current one, and older ones back to 8 for the state
// hashes their writers recorded.
inline constexpr uint8_t kOldestEncodableStateFormat = 8;
constexpr bool CanEncodeStateFormat(uint8_t format) {
  return format >= kOldestEncodableStateFormat && format <= kStateFormatVersion;
}

// `format`: kStateFormatVersion, or an older one back to 8 only to check a state hash an
// older writer recorded (it leaves out what that format lacked: timelines before 9, a
// conflict's device before 10, an offer before 11).
void EncodeState(const EngineState& state, std::string* dst,
                 uint8_t format = kStateFormatVersion);

// Whether EncodeState(state, format) gives the very bytes that format's writer made of this
// state, so a digest it recorded can be checked. Always for the current format. Versions 12
// and older kept every re-hold cooldown a user started (several for one seat, and ended ones
// until the next began); once a concert with a cooldown has had a hold released or expired,
// that list cannot be made again from the seats' cells, and such digests go unchecked. Nor
// does any format before 14 once a reservation took a slot id (no older writer made one).
bool EncodesAsWritten(const EngineState& state, uint8_t format);

// Rebuilds a state from EncodeState's bytes. Returns Corruption when the bytes are malformed or
// describe an impossible state (a seat in two reservations, a reservation of an unknown
// concert). InvalidArgument when an older format's bytes do not fix the state this version
// keeps (DecodeCooldowns in state_codec.cc): recovery passes over such a snapshot and replays.
// With `config.reads_only` the state comes back reads only (EngineState::DropDecisionState).
Result<std::unique_ptr<EngineState>> DecodeState(std::string_view in, EngineConfig config);

// A hash of the canonical state: the encoding above plus every seat cell and per-user count, so
// derived structures that drift from the reservations change the hash too.
uint64_t StateHash(const EngineState& state);

// The digest a StateHashed event records: of EncodeState's bytes, so a leader takes it from the
// snapshot copy it makes anyway, and pauses only for the hashing.
uint64_t EncodedStateDigest(std::string_view encoded);

// Whether `state` is the state `recorded` describes: at its seq, with its digest. Only
// meaningful when EncodesAsWritten(state, recorded.format); StateHashChecker asks first. Encodes the
// whole state (a snapshot's cost) into *encoded (cleared first; a caller may keep it as a
// snapshot) or a scratch string. Corruption, naming both digests, when it is not.
Status CheckStateHashed(const EngineState& state, const StateHashed& recorded,
                        std::string* encoded = nullptr);
// The Corruption both checks answer when digests differ.
Status StateDiffers(Seq seq, uint64_t here, uint64_t recorded);

}  // namespace cm::engine
