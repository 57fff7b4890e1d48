#pragma once
// The seats each user holds or bought in one concert, for the per-user limit. A count per
// user, indexed by the user's slot in the state's user table (dense from 0: users are never
// removed), in pages of 64 users allocated when one of them first takes a seat here.
// A crowd of 250,000 in one on-sale costs about 4 bytes each and no hash probe; a concert
// that few people touch costs at most a page (256 bytes) per buyer. Slots are the state's
// own and never leave it: what is encoded or hashed is keyed by user id.
// Not thread-safe (the applying thread).

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace cm::engine {

class UserSeatCounts {
 public:
  uint32_t Get(uint32_t user_slot) const {
    const std::size_t page = user_slot >> kPageBits;
    if (page >= pages_.size() || pages_[page] == nullptr) return 0;
    return (*pages_[page])[user_slot & kPageMask];
  }
  void Add(uint32_t user_slot, uint32_t n) {
    if (n == 0) return;
    uint32_t& count = At(user_slot);
    if (count == 0) ++nonzero_;
    count += n;
  }
  // Down by `n`, not below zero (a count that is already zero stays so).
  void Subtract(uint32_t user_slot, uint32_t n) {
    const std::size_t page = user_slot >> kPageBits;
    if (page >= pages_.size() || pages_[page] == nullptr) return;
    uint32_t& count = (*pages_[page])[user_slot & kPageMask];
    if (count == 0) return;
    count = count > n ? count - n : 0;
    if (count == 0) --nonzero_;
  }
  // Users with a count above zero.
  std::size_t size() const { return nonzero_; }
  // f(user_slot, count) for every count above zero, by slot.
  template <class F>
  void ForEach(F&& f) const {
    for (std::size_t page = 0; page < pages_.size(); ++page) {
      if (pages_[page] == nullptr) continue;
      for (std::size_t i = 0; i < kPageSize; ++i)
        if (const uint32_t n = (*pages_[page])[i]; n != 0)
          f(static_cast<uint32_t>(page << kPageBits | i), n);
    }
  }
  std::size_t bytes() const {
    std::size_t pages = 0;
    for (const auto& p : pages_) pages += p != nullptr;
    return pages_.capacity() * sizeof(pages_[0]) + pages * sizeof(Page);
  }

 private:
  static constexpr unsigned kPageBits = 6;
  static constexpr std::size_t kPageSize = std::size_t{1} << kPageBits;
  static constexpr uint32_t kPageMask = kPageSize - 1;
  using Page = std::array<uint32_t, kPageSize>;

  uint32_t& At(uint32_t user_slot) {
    const std::size_t page = user_slot >> kPageBits;
    if (page >= pages_.size()) pages_.resize(page + 1);
    if (pages_[page] == nullptr) pages_[page] = std::make_unique<Page>();  // zeroed
    return (*pages_[page])[user_slot & kPageMask];
  }

  std::vector<std::unique_ptr<Page>> pages_;
  std::size_t nonzero_ = 0;
};

}  // namespace cm::engine
