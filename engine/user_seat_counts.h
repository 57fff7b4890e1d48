#pragma once
// The seats each user holds or bought in one concert, for the per-user limit. A count per
// user, indexed by the user's slot in the state's user table (dense from 0: users are never
// removed), in pages of 16 neighbouring users. A page is made when one of its users first
// takes a seat here, kept in a Slab, and found through a small table keyed by page number.
// - A crowd in one on-sale (250,000 users, most of them buying) costs about 5 bytes a user:
//   4 for the count, the rest the page table.
// - A concert that few, scattered people touch costs at most one page (64 bytes) and one
//   page-table entry per buyer, never anything per registered user.
// Slots are the state's own and never leave it: the digest and the invariant checker read the
// counts back by user id, and snapshots do not store them (a restore recounts the
// reservations).
// Not thread-safe (the applying thread); Get, being const, may be called by many readers at once.

#include <array>
#include <cstddef>
#include <cstdint>

#include "engine/flat_map.h"
#include "engine/slab.h"

namespace cm::engine {

class UserSeatCounts {
 public:
  uint32_t Get(uint32_t user_slot) const {
    const uint32_t* page = page_slots_.Find(user_slot >> kPageBits);
    return page == nullptr ? 0 : pages_[*page][user_slot & kPageMask];
  }
  // As Get, and remembers the page it found. For the applying thread only: it writes the
  // cache that Add and Subtract read, so a hold's check and its apply probe the table once.
  uint32_t GetCached(uint32_t user_slot) {
    return FindPageCached(user_slot >> kPageBits) ? pages_[cached_page_][user_slot & kPageMask]
                                                  : 0;
  }
  void Add(uint32_t user_slot, uint32_t n) {
    if (n == 0) return;
    const uint32_t number = user_slot >> kPageBits;
    if (number != cached_number_) {
      auto [page, fresh] = page_slots_.Insert(number, 0);
      if (fresh) *page = pages_.Allocate();  // zeroed
      Remember(number, *page);
    }
    uint32_t& count = pages_[cached_page_][user_slot & kPageMask];
    if (count == 0) ++nonzero_;
    count += n;
  }
  // Down by `n`, not below zero (a count that is already zero stays so).
  void Subtract(uint32_t user_slot, uint32_t n) {
    if (!FindPageCached(user_slot >> kPageBits)) return;
    uint32_t& count = pages_[cached_page_][user_slot & kPageMask];
    if (count == 0) return;
    count = count > n ? count - n : 0;
    if (count == 0) --nonzero_;
  }
  // Users with a count above zero.
  std::size_t size() const { return nonzero_; }
  // f(user_slot, count) for every count above zero, in no particular order.
  template <class F>
  void ForEach(F&& f) const {
    page_slots_.ForEach([&](uint32_t page_number, uint32_t page) {
      for (uint32_t i = 0; i < kPageSize; ++i)
        if (const uint32_t n = pages_[page][i]; n != 0) f(page_number << kPageBits | i, n);
    });
  }
  std::size_t bytes() const { return page_slots_.bytes() + pages_.bytes(); }

 private:
  static constexpr unsigned kPageBits = 4;
  static constexpr uint32_t kPageSize = uint32_t{1} << kPageBits;
  static constexpr uint32_t kPageMask = kPageSize - 1;
  using Page = std::array<uint32_t, kPageSize>;

  // Points the cache at page `number`; false (the cache unchanged) if it was never made.
  bool FindPageCached(uint32_t number) {
    if (number == cached_number_) return true;
    const uint32_t* page = page_slots_.Find(number);
    if (page == nullptr) return false;
    Remember(number, *page);
    return true;
  }
  // Pages are never freed, so a page number's slot, once found, stays right.
  void Remember(uint32_t number, uint32_t page) {
    cached_number_ = number;
    cached_page_ = page;
  }

  FlatMap<uint32_t, uint32_t> page_slots_;  // page number -> its slot in pages_
  Slab<Page, 6> pages_;                     // blocks of 64 pages (4 KB)
  std::size_t nonzero_ = 0;
  // The last page found (no page number is UINT32_MAX: slots are 32-bit, pages 16 of them).
  uint32_t cached_number_ = UINT32_MAX;
  uint32_t cached_page_ = 0;
};

}  // namespace cm::engine
