#pragma once
// Users by email: an open-addressing table of (hash of the email, user id). Two emails with
// one hash are both kept (the probe goes on past a match whose email differs), so a crafted
// collision costs a probe, never a wrong account. Users are never removed.
// Not thread-safe (sequencer thread).

#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/hash.h"
#include "engine/types.h"

namespace cm::engine {

class EmailIndex {
 public:
  // The user whose email is `email`, or 0. `email_of(user)` is an indexed user's email.
  template <class EmailOf>
  UserId Find(std::string_view email, EmailOf&& email_of) const {
    if (slots_.empty()) return 0;
    const uint64_t h = HashOf(email);
    for (std::size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      const Slot& s = slots_[i];
      if (s.user == 0) return 0;
      if (s.hash == h && email_of(s.user) == email) return s.user;
    }
  }
  // REQUIRES: user != 0, and no user has `email` yet.
  void Insert(std::string_view email, UserId user) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
    Place(Slot{HashOf(email), user});
    ++size_;
  }
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    UserId user = 0;  // 0: empty (ids start at 1)
  };
  static uint64_t HashOf(std::string_view email) { return Hash64(email, 0x656d61696cULL); }
  void Place(Slot s) {
    std::size_t i = s.hash & (slots_.size() - 1);
    while (slots_[i].user != 0) i = (i + 1) & (slots_.size() - 1);
    slots_[i] = s;
  }
  void Grow() {
    std::vector<Slot> old(slots_.empty() ? 16 : slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& s : old)
      if (s.user != 0) Place(s);
  }

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

}  // namespace cm::engine
