#pragma once
// Binary encoding of the admin-supplied specs (venues and concerts), shared by the event codec
// and the snapshot codec. Decoders consume their input and return false on short or malformed
// input; they never read past it.
//
// venue_spec   := name: lstr | grades: varint n, lstr[n] | sections: varint n, section[n] | plan
// section      := name: lstr | rows: varint n, row[n]
// row          := label: lstr | seats: varint n, seat[n]
// seat         := number: varint | grade: u8 | x: fixed32 | y: fixed32
// plan         := stage: outline | outline[one per section]    (record and state format 12 on)
//                 | attributes                          (record format 16, state format 17 on)
// attributes   := varint n, (gap: varint, bits: u8)[n]: the seats with SeatAttribute bits, in
//                 flat seat order; gap = its index less the previous one's (the first's index)
// outline      := varint n (0, or 3 to 256), (x: fixed32, y: fixed32)[n]
// concert_spec := venue: fixed64 | title: lstr | starts_at, sales_open_at, sales_close_at: fixed64
//                 | prices: varint n, fixed64[n] | hold_ttl_ms: fixed64 | max_seats_per_user: varint
//                 | waiting_room (format 2 on) | rehold_cooldown_ms: fixed64 (format 4 on)
//                 | after_sale (format 6 on) | returns (record format 14, state format 15 on)
//                 | proof_of_work (record format 15, state format 16 on)
//                 | accessible (record format 16, state format 17 on)
//                 | phases (record format 17, state format 18 on)
// after_sale   := doors_open_at, transfer_cutoff_ms, refund_deadline_ms: fixed64
//                 | refund_fee_percent: varint | hold_extension_ms, max_hold_ms: fixed64
// returns      := return_window_ms, return_key_0, return_key_1: fixed64
// proof_of_work := difficulty, cost, max_difficulty, rise_per_second: varint
// accessible   := companions_per_space: varint | release_at: fixed64
// phases       := varint n (0: the concert's own window), phase[n] | member_key_0, _1: fixed64
//                 | bank_transfer
// bank_transfer := enabled: u8 | days_after: varint | utc_offset_minutes: fixed32 (signed)
//                 | window_ms, before_show_ms: fixed64
// phase        := name: lstr | opens_at, closes_at: fixed64 | max_seats_per_user: varint
//                 | members_only: u8 | waiting_room
// waiting_room := enabled: u8 | max_active, admit_per_second: varint
//                 | admission_ttl_ms, pre_queue_ms, abandon_after_ms: fixed64
// (lstr = varint length + bytes; fixed numbers are little-endian.)

#include <string>
#include <string_view>

#include "engine/concert_spec.h"
#include "engine/venue.h"

namespace cm::engine {

// The record formats from which a venue spec carries its plan, then its seats' attributes; and
// from which a concert spec carries its return window, its proof of work, its accessible seats'
// rules.
inline constexpr uint8_t kPlanEventFormat = 12;
inline constexpr uint8_t kReturnWindowEventFormat = 14;
inline constexpr uint8_t kProofOfWorkEventFormat = 15;
inline constexpr uint8_t kSeatAttributesEventFormat = 16;
inline constexpr uint8_t kSalePhasesEventFormat = 17;

// `format`: the record format to write it as, or the one it was written in (a snapshot passes
// the record format its own format matches): the plan from 12 (the stage and the sections'
// outlines), the seats' attributes from 16.
void EncodeVenueSpec(const VenueSpec& v, std::string* dst,
                     uint8_t format = kSeatAttributesEventFormat);
bool DecodeVenueSpec(std::string_view* in, VenueSpec* out, uint8_t format);

// `format`: the record format to write it as (a snapshot passes the record format its own
// format matches): the return window from 14, the proof of work from 15, the accessible seats'
// rules from 16, the sale phases from 17.
void EncodeConcertSpec(const ConcertSpec& c, std::string* dst,
                       uint8_t format = kSalePhasesEventFormat);
// `format`: the record format the spec was written in (1 had no waiting room, 3 and older no
// re-hold cooldown, 5 and older none of the after-sale rules, 13 and older no return window,
// 14 and older no proof of work, 15 and older no rules for accessible seats, 16 and older no
// sale phases); a
// snapshot passes the record format its own format matches.
bool DecodeConcertSpec(std::string_view* in, ConcertSpec* out, uint8_t format);

}  // namespace cm::engine
