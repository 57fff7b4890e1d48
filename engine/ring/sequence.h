#pragma once
// A position in a ring. One thread writes it; any thread may read it. Padded to its own cache
// line so that neighbouring sequences never share one (no false sharing between stages).

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace cm::engine {

inline constexpr std::size_t kCacheLine = 64;

class alignas(kCacheLine) Sequence {
 public:
  static constexpr int64_t kInitial = -1;

  explicit Sequence(int64_t initial = kInitial) : value_(initial) {}
  Sequence(const Sequence&) = delete;
  Sequence& operator=(const Sequence&) = delete;

  int64_t Get() const { return value_.load(std::memory_order_acquire); }
  void Set(int64_t v) { value_.store(v, std::memory_order_release); }
  bool CompareAndSet(int64_t& expected, int64_t desired) {
    return value_.compare_exchange_weak(expected, desired, std::memory_order_acq_rel,
                                        std::memory_order_acquire);
  }

 private:
  std::atomic<int64_t> value_;
  char pad_[kCacheLine - sizeof(std::atomic<int64_t>)] = {};
};

}  // namespace cm::engine
