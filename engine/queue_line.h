#pragma once
// People in a waiting room's line, in order: who stands at each place, and a Fenwick tree over
// the places that counts who still waits before a given one, so a position costs O(log n) and
// nothing ever scans the line. Places are only appended; someone who stops waiting leaves a gap
// that the head steps over.
// Thread-safety: none (owned by a WaitingRoom).

#include <cstdint>
#include <utility>
#include <vector>

#include "engine/types.h"

namespace cm::engine {

class QueueLine {
 public:
  std::size_t size() const { return users_.size(); }
  UserId at(uint64_t place) const { return users_[place]; }
  const std::vector<UserId>& users() const { return users_; }
  uint64_t head() const { return head_; }    // every place before it is no longer waiting
  uint64_t waiting() const { return waiting_; }

  // Puts `user` at the back; returns the place.
  uint64_t Append(UserId user) {
    users_.push_back(user);
    // The new node covers (i - lowbit(i), i], whose other members are already in the tree.
    const uint64_t i = fenwick_.size() + 1;
    fenwick_.push_back(static_cast<int32_t>(1 + Prefix(i - 1) - Prefix(i - LowBit(i))));
    ++waiting_;
    return users_.size() - 1;
  }

  // The one at `place` stops waiting.
  void Remove(uint64_t place) {
    for (uint64_t i = place + 1; i <= fenwick_.size(); i += LowBit(i)) --fenwick_[i - 1];
    --waiting_;
  }

  // How many wait at places [0, count).
  uint64_t Prefix(uint64_t count) const {
    int64_t sum = 0;
    for (uint64_t i = count; i > 0; i -= LowBit(i)) sum += fenwick_[i - 1];
    return static_cast<uint64_t>(sum);
  }

  // Moves the head past places where nobody waits any more.
  template <typename WaitingAt>
  void AdvanceHead(WaitingAt waiting_at) {
    while (head_ < users_.size() && !waiting_at(head_)) ++head_;
  }

  // Rebuilds from a snapshot: `waiting_at[place]` is 1 where someone still waits. O(n): each
  // Fenwick node passes its sum on to its parent. False when the head is past the end.
  bool Restore(std::vector<UserId> users, uint64_t head, std::vector<int32_t> waiting_at) {
    users_ = std::move(users);
    head_ = head;
    fenwick_ = std::move(waiting_at);
    waiting_ = 0;
    for (int32_t w : fenwick_) waiting_ += static_cast<uint64_t>(w);
    for (uint64_t i = 1; i <= fenwick_.size(); ++i) {
      const uint64_t parent = i + LowBit(i);
      if (parent <= fenwick_.size()) fenwick_[parent - 1] += fenwick_[i - 1];
    }
    return head_ <= users_.size() && fenwick_.size() == users_.size();
  }

  void Reserve(std::size_t n) {
    users_.reserve(n);
    fenwick_.reserve(n);
  }

 private:
  static uint64_t LowBit(uint64_t i) { return i & (~i + 1); }

  std::vector<UserId> users_;     // place -> user (stale once the user's ticket moved on)
  std::vector<int32_t> fenwick_;  // 1-based, over places: 1 while waiting there
  uint64_t head_ = 0;
  uint64_t waiting_ = 0;
};

}  // namespace cm::engine
