#include "engine/return_timers.h"

#include <utility>

namespace cm::engine {

void ReturnTimers::Push(const Entry& e) {
  heap_.push_back(e);
  for (std::size_t i = heap_.size() - 1; i > 0;) {
    const std::size_t parent = (i - 1) / 2;
    if (!Before(heap_[i], heap_[parent])) break;
    std::swap(heap_[i], heap_[parent]);
    i = parent;
  }
}

void ReturnTimers::Pop() {
  heap_.front() = heap_.back();
  heap_.pop_back();
  for (std::size_t i = 0;;) {
    std::size_t least = i;
    for (std::size_t child : {2 * i + 1, 2 * i + 2})
      if (child < heap_.size() && Before(heap_[child], heap_[least])) least = child;
    if (least == i) break;
    std::swap(heap_[i], heap_[least]);
    i = least;
  }
}

}  // namespace cm::engine
