#include "engine/codec/spec_codec.h"

#include "engine/codec/coding.h"

namespace cm::engine {

namespace {

void PutOutline(std::string* dst, const Outline& o) {
  PutVarint32(dst, static_cast<uint32_t>(o.size()));
  for (const PlanPoint& p : o) {
    PutFixed32(dst, static_cast<uint32_t>(p.x));
    PutFixed32(dst, static_cast<uint32_t>(p.y));
  }
}

bool GetOutline(std::string_view* in, Outline* o) {
  uint32_t n;
  if (!GetCount(in, &n) || n > kMaxOutlinePoints) return false;
  o->resize(n);
  for (PlanPoint& p : *o) {
    uint32_t x, y;
    if (!GetFixed32(in, &x) || !GetFixed32(in, &y)) return false;
    p = {static_cast<int32_t>(x), static_cast<int32_t>(y)};
  }
  return true;
}

}  // namespace

void EncodeVenueSpec(const VenueSpec& v, std::string* dst, uint8_t format) {
  PutLengthPrefixed(dst, v.name);
  PutVarint32(dst, static_cast<uint32_t>(v.grades.size()));
  for (const std::string& g : v.grades) PutLengthPrefixed(dst, g);
  PutVarint32(dst, static_cast<uint32_t>(v.sections.size()));
  for (const SectionSpec& section : v.sections) {
    PutLengthPrefixed(dst, section.name);
    PutVarint32(dst, static_cast<uint32_t>(section.rows.size()));
    for (const RowSpec& row : section.rows) {
      PutLengthPrefixed(dst, row.label);
      PutVarint32(dst, static_cast<uint32_t>(row.seats.size()));
      for (const SeatSpec& seat : row.seats) {
        PutVarint32(dst, seat.number);
        PutFixed8(dst, seat.grade);
        PutFixed32(dst, static_cast<uint32_t>(seat.x));
        PutFixed32(dst, static_cast<uint32_t>(seat.y));
      }
    }
  }
  if (format < kPlanEventFormat) return;
  PutOutline(dst, v.stage);
  for (const SectionSpec& section : v.sections) PutOutline(dst, section.outline);
  if (format < kSeatAttributesEventFormat) return;
  uint32_t marked = 0;
  for (const SectionSpec& section : v.sections)
    for (const RowSpec& row : section.rows)
      for (const SeatSpec& seat : row.seats) marked += seat.attributes != 0;
  PutVarint32(dst, marked);
  uint32_t index = 0, previous = 0;
  for (const SectionSpec& section : v.sections)
    for (const RowSpec& row : section.rows)
      for (const SeatSpec& seat : row.seats) {
        if (seat.attributes != 0) {
          PutVarint32(dst, index - previous);
          PutFixed8(dst, seat.attributes);
          previous = index;
        }
        ++index;
      }
}

bool DecodeVenueSpec(std::string_view* in, VenueSpec* out, uint8_t format) {
  uint32_t n;
  if (!GetString(in, &out->name) || !GetCount(in, &n)) return false;
  out->grades.resize(n);
  for (std::string& g : out->grades)
    if (!GetString(in, &g)) return false;
  if (!GetCount(in, &n)) return false;
  out->sections.resize(n);
  for (SectionSpec& section : out->sections) {
    if (!GetString(in, &section.name) || !GetCount(in, &n)) return false;
    section.rows.resize(n);
    for (RowSpec& row : section.rows) {
      if (!GetString(in, &row.label) || !GetCount(in, &n)) return false;
      row.seats.resize(n);
      for (SeatSpec& seat : row.seats) {
        uint32_t number, x, y;
        if (!GetVarint32(in, &number) || number > UINT16_MAX || !GetFixed8(in, &seat.grade) ||
            !GetFixed32(in, &x) || !GetFixed32(in, &y))
          return false;
        seat.number = static_cast<uint16_t>(number);
        seat.x = static_cast<int32_t>(x);
        seat.y = static_cast<int32_t>(y);
      }
    }
  }
  if (format < kPlanEventFormat) return true;
  if (!GetOutline(in, &out->stage)) return false;
  for (SectionSpec& section : out->sections)
    if (!GetOutline(in, &section.outline)) return false;
  if (format < kSeatAttributesEventFormat) return true;
  std::vector<SeatSpec*> seats;  // in flat order
  for (SectionSpec& section : out->sections)
    for (RowSpec& row : section.rows)
      for (SeatSpec& seat : row.seats) seats.push_back(&seat);
  uint32_t marked;
  if (!GetCount(in, &marked) || marked > seats.size()) return false;
  uint64_t index = 0;
  for (uint32_t i = 0; i < marked; ++i) {
    uint32_t gap;
    uint8_t bits;
    if (!GetVarint32(in, &gap) || (i > 0 && gap == 0) || !GetFixed8(in, &bits) || bits == 0)
      return false;
    index += gap;
    if (index >= seats.size()) return false;
    seats[index]->attributes = bits;
  }
  return true;
}

namespace {

void PutRoom(const WaitingRoomSettings& w, std::string* dst) {
  PutFixed8(dst, w.enabled ? 1 : 0);
  PutVarint32(dst, w.max_active);
  PutVarint32(dst, w.admit_per_second);
  PutFixed64(dst, static_cast<uint64_t>(w.admission_ttl_ms));
  PutFixed64(dst, static_cast<uint64_t>(w.pre_queue_ms));
  PutFixed64(dst, static_cast<uint64_t>(w.abandon_after_ms));
}

bool GetRoom(std::string_view* in, WaitingRoomSettings* w) {
  uint8_t enabled;
  if (!GetFixed8(in, &enabled) || enabled > 1 || !GetVarint32(in, &w->max_active) ||
      !GetVarint32(in, &w->admit_per_second) || !GetSigned64(in, &w->admission_ttl_ms) ||
      !GetSigned64(in, &w->pre_queue_ms) || !GetSigned64(in, &w->abandon_after_ms))
    return false;
  w->enabled = enabled == 1;
  return true;
}

}  // namespace

void EncodeConcertSpec(const ConcertSpec& c, std::string* dst, uint8_t format) {
  PutFixed64(dst, c.venue);
  PutLengthPrefixed(dst, c.title);
  PutFixed64(dst, static_cast<uint64_t>(c.starts_at));
  PutFixed64(dst, static_cast<uint64_t>(c.sales_open_at));
  PutFixed64(dst, static_cast<uint64_t>(c.sales_close_at));
  PutVarint32(dst, static_cast<uint32_t>(c.price_per_grade.size()));
  for (int64_t p : c.price_per_grade) PutFixed64(dst, static_cast<uint64_t>(p));
  PutFixed64(dst, static_cast<uint64_t>(c.hold_ttl_ms));
  PutVarint32(dst, c.max_seats_per_user);
  PutRoom(c.waiting_room, dst);
  PutFixed64(dst, static_cast<uint64_t>(c.rehold_cooldown_ms));
  PutFixed64(dst, static_cast<uint64_t>(c.doors_open_at));
  PutFixed64(dst, static_cast<uint64_t>(c.transfer_cutoff_ms));
  PutFixed64(dst, static_cast<uint64_t>(c.refund.deadline_ms));
  PutVarint32(dst, c.refund.fee_percent);
  PutFixed64(dst, static_cast<uint64_t>(c.hold_extension_ms));
  PutFixed64(dst, static_cast<uint64_t>(c.max_hold_ms));
  if (format < kReturnWindowEventFormat) return;
  PutFixed64(dst, static_cast<uint64_t>(c.return_window_ms));
  PutFixed64(dst, c.return_key.k0);
  PutFixed64(dst, c.return_key.k1);
  if (format < kProofOfWorkEventFormat) return;
  const ProofOfWorkSettings& p = c.proof_of_work;
  PutVarint32(dst, p.difficulty);
  PutVarint32(dst, p.cost);
  PutVarint32(dst, p.max_difficulty);
  PutVarint32(dst, p.rise_per_second);
  if (format < kSeatAttributesEventFormat) return;
  PutVarint32(dst, c.accessible.companions_per_space);
  PutFixed64(dst, static_cast<uint64_t>(c.accessible.release_at));
  if (format < kSalePhasesEventFormat) return;
  PutVarint32(dst, static_cast<uint32_t>(c.phases.size()));
  for (const SalePhase& p : c.phases) {
    PutLengthPrefixed(dst, p.name);
    PutFixed64(dst, static_cast<uint64_t>(p.opens_at));
    PutFixed64(dst, static_cast<uint64_t>(p.closes_at));
    PutVarint32(dst, p.max_seats_per_user);
    PutFixed8(dst, p.members_only ? 1 : 0);
    PutRoom(p.waiting_room, dst);
  }
  PutFixed64(dst, c.member_key.k0);
  PutFixed64(dst, c.member_key.k1);
  const BankTransferRules& b = c.bank_transfer;
  PutFixed8(dst, b.enabled ? 1 : 0);
  PutVarint32(dst, b.days_after);
  PutFixed32(dst, static_cast<uint32_t>(b.utc_offset_minutes));
  PutFixed64(dst, static_cast<uint64_t>(b.window_ms));
  PutFixed64(dst, static_cast<uint64_t>(b.before_show_ms));
}

bool DecodeConcertSpec(std::string_view* in, ConcertSpec* out, uint8_t format) {
  uint32_t n;
  if (!GetFixed64(in, &out->venue) || !GetString(in, &out->title) ||
      !GetSigned64(in, &out->starts_at) || !GetSigned64(in, &out->sales_open_at) ||
      !GetSigned64(in, &out->sales_close_at) || !GetCount(in, &n))
    return false;
  out->price_per_grade.resize(n);
  for (int64_t& p : out->price_per_grade)
    if (!GetSigned64(in, &p)) return false;
  if (!GetSigned64(in, &out->hold_ttl_ms) || !GetVarint32(in, &out->max_seats_per_user))
    return false;
  if (format < 2) return true;  // written before waiting rooms existed: none
  if (!GetRoom(in, &out->waiting_room)) return false;
  if (format < 4) return true;  // written before re-hold cooldowns: the default applies
  if (!GetSigned64(in, &out->rehold_cooldown_ms)) return false;
  // Written before tickets: no extensions (holds then could not be extended), doors always
  // open, and the other defaults.
  if (format < 6) {
    out->hold_extension_ms = 0;
    return true;
  }
  if (!GetSigned64(in, &out->doors_open_at) || !GetSigned64(in, &out->transfer_cutoff_ms) ||
      !GetSigned64(in, &out->refund.deadline_ms) ||
      !GetVarint32(in, &out->refund.fee_percent) ||
      !GetSigned64(in, &out->hold_extension_ms) || !GetSigned64(in, &out->max_hold_ms))
    return false;
  if (format < kReturnWindowEventFormat) return true;  // seats then returned at once
  if (!GetSigned64(in, &out->return_window_ms) || !GetFixed64(in, &out->return_key.k0) ||
      !GetFixed64(in, &out->return_key.k1))
    return false;
  if (format < kProofOfWorkEventFormat) return true;  // no gate then
  ProofOfWorkSettings& p = out->proof_of_work;
  if (!GetVarint32(in, &p.difficulty) || !GetVarint32(in, &p.cost) ||
      !GetVarint32(in, &p.max_difficulty) || !GetVarint32(in, &p.rise_per_second))
    return false;
  if (format < kSeatAttributesEventFormat) return true;  // no accessible seats then
  if (!GetVarint32(in, &out->accessible.companions_per_space) ||
      !GetSigned64(in, &out->accessible.release_at))
    return false;
  if (format < kSalePhasesEventFormat) return true;  // one phase then
  uint32_t phases;
  if (!GetCount(in, &phases) || phases > kMaxSalePhases) return false;
  out->phases.resize(phases);
  for (SalePhase& p : out->phases) {
    uint8_t members_only;
    if (!GetString(in, &p.name) || !GetSigned64(in, &p.opens_at) ||
        !GetSigned64(in, &p.closes_at) || !GetVarint32(in, &p.max_seats_per_user) ||
        !GetFixed8(in, &members_only) || members_only > 1 || !GetRoom(in, &p.waiting_room))
      return false;
    p.members_only = members_only == 1;
  }
  BankTransferRules& b = out->bank_transfer;
  uint8_t enabled;
  uint32_t offset;
  if (!GetFixed64(in, &out->member_key.k0) || !GetFixed64(in, &out->member_key.k1) ||
      !GetFixed8(in, &enabled) || enabled > 1 || !GetVarint32(in, &b.days_after) ||
      !GetFixed32(in, &offset) || !GetSigned64(in, &b.window_ms) ||
      !GetSigned64(in, &b.before_show_ms))
    return false;
  b.enabled = enabled == 1;
  b.utc_offset_minutes = static_cast<int32_t>(offset);
  return true;
}

}  // namespace cm::engine
