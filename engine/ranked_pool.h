#pragma once
// A committed waiting room's pre-queue, kept for drawing in rank order (engine/opening_draw.h)
// without sorting it all at the opening: entries fall into 4,096 buckets by the top 12 bits of
// their rank, which is uniform, and a bucket is sorted only when the draw reaches it. A join
// costs O(1), a leave before the opening scans one bucket, and drawing n costs n plus the
// sorting of the buckets it reaches, so no tick of a million-entry opening stops the world.
// Entries that leave after the opening stay and are skipped when drawn (their turn is lost,
// the order of the others unchanged).
// Thread-safety: none (part of the waiting room).

#include <cstdint>
#include <functional>
#include <vector>

#include "engine/opening_draw.h"

namespace cm::engine {

struct QueueTicket;

class RankedPool {
 public:
  struct Entry {
    uint64_t rank = 0;
    QueueTicket* ticket = nullptr;
  };
  // Names a ticket's entry, for the rare ranks that tie (engine/opening_draw.h DrawnBefore).
  using NameOf = std::function<Pseudonym(const QueueTicket&)>;

  uint64_t size() const { return size_; }
  void Add(QueueTicket* t, uint64_t rank);
  // Before the first draw only. False if the entry is not here.
  bool Remove(const QueueTicket* t, uint64_t rank);
  // The lowest entry left: the next the draw takes. REQUIRES: size() > 0.
  Entry PopNext(const NameOf& name_of);
  // Every entry not drawn yet, in no particular order.
  void ForEach(const std::function<void(const Entry&)>& f) const;

 private:
  static constexpr int kBucketBits = 12;
  std::vector<std::vector<Entry>> buckets_;  // allocated at the first Add
  uint32_t cursor_ = 0;      // the bucket the draw is in
  std::size_t taken_ = 0;    // entries of buckets_[cursor_] drawn (it is sorted once > 0)
  bool cursor_sorted_ = false;
  bool drawing_ = false;     // the first PopNext happened: no more removals
  uint64_t size_ = 0;
};

}  // namespace cm::engine
