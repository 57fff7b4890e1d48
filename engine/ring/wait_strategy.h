#pragma once
// How a consumer waits for slots to be published. Each strategy has the same shape:
//
//   template <class Ready> void Wait(Ready&& ready, const std::atomic<bool>& alerted);
//       returns once ready() is true or alerted is set (spurious returns are allowed).
//   void Signal();   called by a producer after it publishes. Must never block.
//   void WakeAll();  called by Alert(); wakes every waiter unconditionally.
//
// The trade-off is latency against CPU: BusySpinWait burns a core for the lowest latency and
// only makes sense with a core to spare; YieldingWait spins briefly and then yields, good when
// threads outnumber cores slightly; BlockingWait sleeps on a futex after a short spin, so an idle
// pipeline costs nothing, at the price of a wake-up (a few microseconds) after idle periods.

#include <atomic>
#include <cstdint>
#include <thread>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace cm::engine {

inline void CpuRelax() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}

class BusySpinWait {
 public:
  template <class Ready>
  void Wait(Ready&& ready, const std::atomic<bool>& alerted) {
    while (!ready() && !alerted.load(std::memory_order_acquire)) CpuRelax();
  }
  void Signal() {}
  void WakeAll() {}
};

class YieldingWait {
 public:
  template <class Ready>
  void Wait(Ready&& ready, const std::atomic<bool>& alerted) {
    for (int spins = 0; !ready() && !alerted.load(std::memory_order_acquire); ++spins) {
      if (spins < kSpinTries) {
        CpuRelax();
      } else {
        std::this_thread::yield();
      }
    }
  }
  void Signal() {}
  void WakeAll() {}

 private:
  static constexpr int kSpinTries = 100;
};

// Producers never lock: Signal() is one atomic read-modify-write while nobody sleeps, and a futex wake
// (atomic notify) when someone does.
class BlockingWait {
 public:
  template <class Ready>
  void Wait(Ready&& ready, const std::atomic<bool>& alerted) {
    for (int i = 0; i < kSpinTries + kYieldTries; ++i) {
      if (ready() || alerted.load(std::memory_order_acquire)) return;
      if (i < kSpinTries) {
        CpuRelax();
      } else {
        std::this_thread::yield();
      }
    }
    for (;;) {
      const uint32_t epoch = epoch_.load(std::memory_order_acquire);
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      // Re-check after announcing ourselves: a producer that published before seeing the
      // announcement is caught here; one that publishes after it will bump the epoch.
      if (ready() || alerted.load(std::memory_order_seq_cst)) {
        sleepers_.fetch_sub(1, std::memory_order_relaxed);
        return;
      }
      epoch_.wait(epoch, std::memory_order_acquire);
      sleepers_.fetch_sub(1, std::memory_order_relaxed);
      if (ready() || alerted.load(std::memory_order_acquire)) return;
    }
  }

  void Signal() {
    // A read-modify-write, not a plain load: it orders the producer's publish store before the
    // read of sleepers_ (a store-load pair), and a waiter's later increment of sleepers_ reads
    // from it, so that waiter then sees the publish. (A fence would do on x86, but ThreadSanitizer
    // does not model fences.)
    if (sleepers_.fetch_add(0, std::memory_order_seq_cst) != 0) WakeAll();
  }

  void WakeAll() {
    epoch_.fetch_add(1, std::memory_order_release);
    epoch_.notify_all();
  }

 private:
  static constexpr int kSpinTries = 200;
  static constexpr int kYieldTries = 20;
  std::atomic<uint32_t> epoch_{0};
  std::atomic<uint32_t> sleepers_{0};
};

}  // namespace cm::engine
