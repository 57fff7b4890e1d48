#pragma once
// Ids that name the slot their record lives in (docs/architecture.md, "Ids as slots"): which
// slot a new record takes, and the generation that keeps its id unique in its timeline.
// - A new record takes the lowest free slot. That choice depends only on which slots are taken
//   (in use or retired), so a replay, a restored state and a follower make the choice the
//   leader made.
// - A slot's generation goes up each time its record is erased. A slot whose generation would
//   wrap is retired and never handed out again, so no id names two records.
// Ids here are local to a timeline: the timeline's base (TimelineIdBase) is added outside.
// Bit 39 marks a slot id; ids made by seq stay below it, so the two kinds never meet.
// Not thread-safe (the applying thread).

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace cm::engine {

class SlotIds {
 public:
  static constexpr unsigned kSlotBits = 27;
  static constexpr unsigned kGenerationBits = 12;
  static constexpr uint64_t kSlotIdBit = uint64_t{1} << (kSlotBits + kGenerationBits);
  static constexpr uint32_t kMaxSlots = uint32_t{1} << kSlotBits;
  static constexpr uint32_t kGenerations = uint32_t{1} << kGenerationBits;

  // REQUIRES: slot < kMaxSlots, generation < kGenerations (else it would name another slot).
  static constexpr uint64_t Encode(uint32_t slot, uint32_t generation) {
    assert(slot < kMaxSlots && generation < kGenerations);
    return kSlotIdBit | uint64_t{generation} << kSlotBits | slot;
  }
  // Whether a local id is a slot id (and not one made by seq, or out of range).
  static constexpr bool IsSlotId(uint64_t local) {
    return (local >> (kSlotBits + kGenerationBits)) == 1;
  }
  // REQUIRES: IsSlotId(local).
  static constexpr uint32_t SlotOf(uint64_t local) {
    return static_cast<uint32_t>(local & (kMaxSlots - 1));
  }
  static constexpr uint32_t GenerationOf(uint64_t local) {
    return static_cast<uint32_t>((local >> kSlotBits) & (kGenerations - 1));
  }

  // `max_slots` below kMaxSlots only for tests of a full table.
  explicit SlotIds(uint32_t max_slots = kMaxSlots) : max_slots_(max_slots) {
    assert(max_slots <= kMaxSlots);
  }

  // The id the next record takes: the lowest free slot, at its generation. nullopt when every
  // slot is in use or retired.
  // Remembered until a slot is taken or freed: the sequencer asks once to decide a hold and the
  // hold's apply asks again.
  std::optional<uint64_t> Next() const {
    if (next_ == kUnknown) next_ = FindNext();
    if (next_ == kNone) return std::nullopt;
    return next_;
  }
  // Takes the slot `local` names. False (and nothing changes) unless `local` is what Next()
  // gives: the sequencer always takes that one, so a journal that names another id is corrupt
  // (and cannot make the tables grow to a far slot).
  bool Take(uint64_t local);
  // Takes the slot `local` names if it is free at that generation, lowest or not: for a caller
  // that checked `local` against what Next() gave earlier (slots freed since then, as the
  // engine's retention frees them, make Next() lower; they never take the chosen one).
  bool TakeFree(uint64_t local);
  // The record in `slot` was erased: the slot is free again at the next generation, or
  // retired if that would wrap. False (and nothing changes) if the slot is not in use.
  bool Release(uint32_t slot);

  // A snapshot's restore: every slot's generation as generations() gave it (kRetired for a
  // retired slot); then TakeFree each record's id. False (and nothing changes) for a value no
  // table could have, or a restore into a table already used.
  bool RestoreGenerations(std::vector<uint16_t> generations);
  // Every slot ever taken, in order: its generation now, kRetired for a retired one.
  const std::vector<uint16_t>& generations() const { return generations_; }

  bool InUse(uint32_t slot) const;
  bool Retired(uint32_t slot) const;
  // The generation a record in `slot` has, or the next one there will have; kRetired for a
  // retired slot (no id carries it: never pass it to Encode).
  static constexpr uint32_t kRetired = kGenerations;
  uint32_t generation(uint32_t slot) const {
    return slot < generations_.size() ? generations_[slot] : 0;
  }
  // Slots taken and not released.
  std::size_t in_use() const { return in_use_; }
  std::size_t bytes() const;

 private:
  bool Taken(uint32_t slot) const;  // in use or retired
  uint64_t FindNext() const;  // Next() without the memo: kNone when full
  // The lowest word at or after `w` with a free slot (maybe past every word used so far).
  std::size_t FirstOpenWordFrom(std::size_t w) const;
  void MarkTaken(uint32_t slot);
  void MarkFree(uint32_t slot);

  // Bit set: the slot is in use or retired. Slots past the last word are free.
  std::vector<uint64_t> taken_;
  // Bit set: that word of taken_ is full.
  std::vector<uint64_t> full_words_;
  // No word below this one has a free slot (a hint: the word itself may be full).
  std::size_t lowest_open_word_ = 0;
  std::vector<uint16_t> generations_;  // per slot ever taken; kRetired once retired
  std::size_t in_use_ = 0;
  // Next()'s memo. Slot ids have bit 39 set, so neither value is one.
  static constexpr uint64_t kUnknown = 0, kNone = 1;
  mutable uint64_t next_ = kUnknown;
  uint32_t max_slots_;
};

}  // namespace cm::engine
