#pragma once
// A disruptor-style ring: preallocated power-of-two slots, producers claim through an atomic
// cursor, and each slot records the sequence last published into it, so consumers only ever see
// published slots. Producers never lock and never block: TryClaim fails when the ring is full.
//
// Publishing is claim, fill, publish:
//   int64_t s; if (ring.TryClaim(1, &s)) { ring[s] = ...; ring.Publish(s, s); }
//
// Thread-safety: with ProducerMode::kMulti any number of threads may claim and publish. With
// kSingle only one thread may (it skips the CAS). Consumers read through a SequenceBarrier.

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

#include "engine/ring/sequence.h"

namespace cm::engine {

enum class ProducerMode { kSingle, kMulti };

template <class T, class WaitStrategy, ProducerMode kMode = ProducerMode::kMulti>
class RingBuffer {
 public:
  // Throws std::invalid_argument unless capacity is a power of two (a configuration error).
  explicit RingBuffer(std::size_t capacity)
      : capacity_(static_cast<int64_t>(capacity)),
        mask_(static_cast<int64_t>(capacity) - 1),
        slots_(capacity),
        published_(std::make_unique<std::atomic<int64_t>[]>(capacity)) {
    if (capacity < 2 || (capacity & (capacity - 1)) != 0)
      throw std::invalid_argument("ring capacity must be a power of two >= 2");
    for (std::size_t i = 0; i < capacity; ++i)
      published_[i].store(Sequence::kInitial, std::memory_order_relaxed);
  }
  RingBuffer(const RingBuffer&) = delete;
  RingBuffer& operator=(const RingBuffer&) = delete;

  // The consumers whose progress bounds the producers (normally the last stage).
  // REQUIRES: called before any producer claims. `s` must outlive the ring.
  void AddGatingSequence(const Sequence* s) { gating_.push_back(s); }

  // Claims n consecutive slots; *first receives the first one. Returns false, claiming nothing,
  // when fewer than n slots are free. Never blocks.
  bool TryClaim(int64_t n, int64_t* first) {
    if constexpr (kMode == ProducerMode::kSingle) {
      const int64_t current = single_next_ - 1;
      if (!HasRoom(current, n)) return false;
      single_next_ += n;
      cursor_.Set(current + n);
      *first = current + 1;
      return true;
    } else {
      int64_t current = cursor_.Get();
      do {
        if (!HasRoom(current, n)) return false;
      } while (!cursor_.CompareAndSet(current, current + n));
      *first = current + 1;
      return true;
    }
  }

  T& operator[](int64_t seq) { return slots_[static_cast<std::size_t>(seq & mask_)]; }
  const T& operator[](int64_t seq) const { return slots_[static_cast<std::size_t>(seq & mask_)]; }

  // Makes [first, last] visible to consumers. REQUIRES: the caller claimed them.
  void Publish(int64_t first, int64_t last) {
    for (int64_t s = first; s <= last; ++s)
      published_[static_cast<std::size_t>(s & mask_)].store(s, std::memory_order_release);
    wait_.Signal();
  }

  // Claim one slot, fill it, publish it. Returns false when the ring is full.
  template <class Fill>
  bool TryPublish(Fill&& fill) {
    int64_t s;
    if (!TryClaim(1, &s)) return false;
    fill((*this)[s]);
    Publish(s, s);
    return true;
  }

  // The highest h in [from, upto] such that every slot in [from, h] is published, or from - 1.
  int64_t HighestPublished(int64_t from, int64_t upto) const {
    for (int64_t s = from; s <= upto; ++s)
      if (published_[static_cast<std::size_t>(s & mask_)].load(std::memory_order_acquire) != s)
        return s - 1;
    return upto;
  }

  bool IsPublished(int64_t s) const {
    return published_[static_cast<std::size_t>(s & mask_)].load(std::memory_order_acquire) == s;
  }

  // Highest claimed sequence (not necessarily published).
  int64_t Claimed() const { return cursor_.Get(); }
  int64_t capacity() const { return capacity_; }
  WaitStrategy& wait_strategy() { return wait_; }

 private:
  bool HasRoom(int64_t current, int64_t n) {
    const int64_t wrap_point = current + n - capacity_;
    // Acquire/release on the cache too: a producer that trusts a value another producer read
    // must also inherit that read's happens-before edge from the consumer, or reusing the slot
    // races with the consumer's last read of it.
    if (wrap_point <= gating_cache_.load(std::memory_order_acquire)) return true;
    int64_t min = current;
    for (const Sequence* g : gating_) {
      const int64_t v = g->Get();
      if (v < min) min = v;
    }
    gating_cache_.store(min, std::memory_order_release);
    return wrap_point <= min;
  }

  const int64_t capacity_;
  const int64_t mask_;
  std::vector<T> slots_;
  std::unique_ptr<std::atomic<int64_t>[]> published_;
  std::vector<const Sequence*> gating_;
  Sequence cursor_;
  alignas(kCacheLine) std::atomic<int64_t> gating_cache_{Sequence::kInitial};
  int64_t single_next_ = 0;  // kSingle only: touched by the one producer thread.
  WaitStrategy wait_;
};

}  // namespace cm::engine
