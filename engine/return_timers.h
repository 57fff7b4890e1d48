#pragma once
// Returning seats (ConcertSpec::return_window_ms): a binary min-heap of (when, concert, seat).
// Push and pop are O(log n); ForEachDue visits the due entries alone, pruning the heap below
// the first one that is not due. An entry whose seat no longer returns at that moment is stale;
// EngineState pops such entries as it returns seats. Not thread-safe (sequencer thread).

#include <cstddef>
#include <vector>

#include "engine/types.h"

namespace cm::engine {

class ReturnTimers {
 public:
  struct Entry {
    TimeMs at = 0;
    ConcertId concert = 0;
    SeatIndex seat = 0;
  };

  void Push(const Entry& e);
  // REQUIRES: !empty().
  void Pop();
  const Entry* Top() const { return heap_.empty() ? nullptr : &heap_.front(); }
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  std::size_t bytes() const { return heap_.capacity() * sizeof(Entry); }
  void Clear() { std::vector<Entry>().swap(heap_); }

  // Calls f(entry) for every entry with at <= now, in no particular order.
  template <class F>
  void ForEachDue(TimeMs now, F&& f) const {
    if (!heap_.empty()) Visit(0, now, f);
  }

 private:
  static bool Before(const Entry& a, const Entry& b) {
    if (a.at != b.at) return a.at < b.at;
    return a.concert != b.concert ? a.concert < b.concert : a.seat < b.seat;
  }
  template <class F>
  void Visit(std::size_t i, TimeMs now, F& f) const {
    if (i >= heap_.size() || heap_[i].at > now) return;  // nothing below is due either
    f(heap_[i]);
    Visit(2 * i + 1, now, f);
    Visit(2 * i + 2, now, f);
  }

  std::vector<Entry> heap_;
};

}  // namespace cm::engine
