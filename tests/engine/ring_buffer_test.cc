// The ring: many producers, one consumer, every item seen exactly once and in each producer's
// order; a full ring refuses instead of blocking.
#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include "engine/ring/ring_buffer.h"
#include "engine/ring/sequence_barrier.h"
#include "engine/ring/wait_strategy.h"

using namespace cm::engine;

namespace {

struct Item {
  uint32_t producer = 0;
  uint64_t value = 0;
};

// Runs `producers` threads publishing `per_producer` items each (retrying while the ring is
// full) and one consumer taking batches; checks exactly-once, per-producer order.
template <class Wait>
void RunProducersIntoOneConsumer(int producers, uint64_t per_producer) {
  RingBuffer<Item, Wait> ring(1 << 12);
  Sequence consumed;
  ring.AddGatingSequence(&consumed);
  SequenceBarrier barrier(ring);

  std::vector<uint64_t> next_expected(producers, 0);
  uint64_t total = 0, batches = 0, out_of_order = 0;
  std::thread consumer([&] {
    int64_t next = 0;
    const uint64_t want = per_producer * producers;
    while (total < want) {
      const int64_t available = barrier.WaitFor(next);
      for (int64_t s = next; s <= available; ++s) {
        const Item& item = ring[s];
        if (item.value != next_expected[item.producer]) ++out_of_order;
        next_expected[item.producer] = item.value + 1;
        ++total;
      }
      if (available >= next) ++batches;
      next = available + 1;
      consumed.Set(available);
    }
  });
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (uint64_t v = 0; v < per_producer; ++v) {
        while (!ring.TryPublish([&](Item& slot) { slot = Item{static_cast<uint32_t>(p), v}; }))
          std::this_thread::yield();
      }
    });
  }
  for (auto& t : threads) t.join();
  consumer.join();
  CHECK(total == per_producer * producers);
  CHECK(out_of_order == 0);
  for (int p = 0; p < producers; ++p) CHECK(next_expected[p] == per_producer);
  CHECK(batches <= total);
  MESSAGE("batches: " << batches << " for " << total << " items");
}

}  // namespace

TEST_CASE("4 producers x 1M items into one consumer, blocking wait") {
  RunProducersIntoOneConsumer<BlockingWait>(4, 1'000'000);
}

TEST_CASE("4 producers x 250k items, yielding and busy-spin waits") {
  RunProducersIntoOneConsumer<YieldingWait>(4, 250'000);
  RunProducersIntoOneConsumer<BusySpinWait>(4, 250'000);
}

TEST_CASE("a full ring refuses a claim, and frees room once the consumer moves") {
  RingBuffer<int, BlockingWait> ring(4);
  Sequence consumed;
  ring.AddGatingSequence(&consumed);
  for (int i = 0; i < 4; ++i) CHECK(ring.TryPublish([&](int& slot) { slot = i; }));
  CHECK_FALSE(ring.TryPublish([](int&) { FAIL("must not fill a slot of a full ring"); }));
  int64_t first = 0;
  CHECK_FALSE(ring.TryClaim(1, &first));
  consumed.Set(1);  // the consumer finished slots 0 and 1
  CHECK(ring.TryClaim(2, &first));
  CHECK(first == 4);
  CHECK_FALSE(ring.TryClaim(1, &first));
}

TEST_CASE("the consumer sees only published slots, even when a later claim publishes first") {
  RingBuffer<int, BusySpinWait> ring(8);
  Sequence consumed;
  ring.AddGatingSequence(&consumed);
  SequenceBarrier barrier(ring);
  int64_t a = 0, b = 0;
  REQUIRE(ring.TryClaim(1, &a));
  REQUIRE(ring.TryClaim(1, &b));
  ring[b] = 2;
  ring.Publish(b, b);
  CHECK(barrier.Available(0) == -1);  // slot 0 is claimed but not published
  ring[a] = 1;
  ring.Publish(a, a);
  CHECK(barrier.Available(0) == 1);  // both, as one batch
}

TEST_CASE("a capacity that is not a power of two is a configuration error") {
  CHECK_THROWS_AS((RingBuffer<int, BusySpinWait>(6)), std::invalid_argument);
}

TEST_CASE("an alert wakes a consumer that waits on an idle ring") {
  RingBuffer<int, BlockingWait> ring(8);
  SequenceBarrier barrier(ring);
  int64_t got = 0;
  std::thread waiter([&] { got = barrier.WaitFor(0); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  barrier.Alert();
  waiter.join();
  CHECK(got == -1);
  CHECK(barrier.alerted());
}
