#include "engine/slot_ids.h"

#include <bit>
#include <utility>

namespace cm::engine {

namespace {

constexpr uint64_t kAll = ~uint64_t{0};

}  // namespace

bool SlotIds::Taken(uint32_t slot) const {
  const std::size_t w = slot >> 6;
  return w < taken_.size() && (taken_[w] >> (slot & 63) & 1) != 0;
}

std::size_t SlotIds::FirstOpenWordFrom(std::size_t w) const {
  std::size_t s = w >> 6;
  if (s >= full_words_.size()) return w;  // past every word ever used: all open
  uint64_t open = ~full_words_[s] & (kAll << (w & 63));
  while (open == 0) {
    if (++s == full_words_.size()) return s << 6;
    open = ~full_words_[s];
  }
  return (s << 6) + static_cast<std::size_t>(std::countr_zero(open));
}

uint64_t SlotIds::FindNext() const {
  const std::size_t w = FirstOpenWordFrom(lowest_open_word_);
  const uint64_t bits = w < taken_.size() ? taken_[w] : 0;
  const uint64_t slot = (uint64_t{w} << 6) + static_cast<uint64_t>(std::countr_one(bits));
  if (slot >= max_slots_) return kNone;
  const auto s = static_cast<uint32_t>(slot);
  return Encode(s, generation(s));
}

bool SlotIds::Take(uint64_t local) {
  if (const std::optional<uint64_t> next = Next(); !next || *next != local) return false;
  return TakeFree(local);
}

bool SlotIds::TakeFree(uint64_t local) {
  const uint32_t slot = SlotOf(local);
  // Next()'s answer is free at its generation; anything else is checked.
  const bool next = local == next_ && IsSlotId(local);
  if (!next && (!IsSlotId(local) || slot >= max_slots_ || Taken(slot) ||
                generation(slot) != GenerationOf(local)))
    return false;
  if (generations_.size() <= slot) generations_.resize(std::size_t{slot} + 1, 0);
  MarkTaken(slot);
  ++in_use_;
  return true;
}

bool SlotIds::Release(uint32_t slot) {
  if (!InUse(slot)) return false;
  --in_use_;
  const uint32_t next = generations_[slot] + 1u;
  if (next == kGenerations) {
    generations_[slot] = static_cast<uint16_t>(kRetired);  // stays taken: never handed out again
    return true;
  }
  generations_[slot] = static_cast<uint16_t>(next);
  MarkFree(slot);
  return true;
}

bool SlotIds::RestoreGenerations(std::vector<uint16_t> generations) {
  if (!generations_.empty() || generations.size() > max_slots_) return false;
  for (uint16_t g : generations)
    if (g > kRetired) return false;
  generations_ = std::move(generations);
  next_ = kUnknown;
  for (uint32_t slot = 0; slot < generations_.size(); ++slot)
    if (generations_[slot] == kRetired) MarkTaken(slot);
  return true;
}

bool SlotIds::InUse(uint32_t slot) const { return Taken(slot) && !Retired(slot); }

bool SlotIds::Retired(uint32_t slot) const {
  return slot < generations_.size() && generations_[slot] == kRetired;
}

std::size_t SlotIds::bytes() const {
  return taken_.capacity() * sizeof(uint64_t) + full_words_.capacity() * sizeof(uint64_t) +
         generations_.capacity() * sizeof(uint16_t);
}

void SlotIds::MarkTaken(uint32_t slot) {
  next_ = kUnknown;
  const std::size_t w = slot >> 6;
  if (taken_.size() <= w) taken_.resize(w + 1, 0);
  if (full_words_.size() <= (w >> 6)) full_words_.resize((w >> 6) + 1, 0);
  taken_[w] |= uint64_t{1} << (slot & 63);
  if (taken_[w] != kAll) return;
  full_words_[w >> 6] |= uint64_t{1} << (w & 63);
  if (w == lowest_open_word_) lowest_open_word_ = FirstOpenWordFrom(w);
}

void SlotIds::MarkFree(uint32_t slot) {
  next_ = kUnknown;
  const std::size_t w = slot >> 6;
  taken_[w] &= ~(uint64_t{1} << (slot & 63));
  full_words_[w >> 6] &= ~(uint64_t{1} << (w & 63));
  if (w < lowest_open_word_) lowest_open_word_ = w;
}

}  // namespace cm::engine
