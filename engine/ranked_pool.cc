#include "engine/ranked_pool.h"

#include <algorithm>

namespace cm::engine {

void RankedPool::Add(QueueTicket* t, uint64_t rank) {
  if (buckets_.empty()) buckets_.resize(std::size_t{1} << kBucketBits);
  buckets_[rank >> (64 - kBucketBits)].push_back(Entry{rank, t});
  ++size_;
}

bool RankedPool::Remove(const QueueTicket* t, uint64_t rank) {
  if (buckets_.empty() || drawing_) return false;
  std::vector<Entry>& b = buckets_[rank >> (64 - kBucketBits)];
  auto it = std::find_if(b.begin(), b.end(), [t](const Entry& e) { return e.ticket == t; });
  if (it == b.end()) return false;
  *it = b.back();
  b.pop_back();
  --size_;
  return true;
}

RankedPool::Entry RankedPool::PopNext(const NameOf& name_of) {
  drawing_ = true;
  while (taken_ == buckets_[cursor_].size()) {
    std::vector<Entry>().swap(buckets_[cursor_]);  // drawn: its memory goes back
    ++cursor_;
    taken_ = 0;
    cursor_sorted_ = false;
  }
  std::vector<Entry>& b = buckets_[cursor_];
  if (!cursor_sorted_) {
    std::sort(b.begin(), b.end(), [&](const Entry& x, const Entry& y) {
      if (x.rank != y.rank) return x.rank < y.rank;
      return DrawnBefore(x.rank, name_of(*x.ticket), y.rank, name_of(*y.ticket));
    });
    cursor_sorted_ = true;
  }
  // The tickets lie anywhere in memory: fetch the one eight draws ahead while these are used.
  if (taken_ + 8 < b.size()) __builtin_prefetch(b[taken_ + 8].ticket);
  --size_;
  return b[taken_++];
}

void RankedPool::ForEach(const std::function<void(const Entry&)>& f) const {
  for (std::size_t i = cursor_; i < buckets_.size(); ++i)
    for (std::size_t j = i == cursor_ ? taken_ : 0; j < buckets_[i].size(); ++j) f(buckets_[i][j]);
}

}  // namespace cm::engine
