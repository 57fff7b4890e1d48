// The sequencer's flat containers against plain standard ones, under random churn: the open-
// addressing map (backward-shift deletion is the easy thing to get wrong), the reusable FIFO,
// and the slab.
#include <doctest/doctest.h>

#include <deque>
#include <map>
#include <random>
#include <unordered_map>

#include "engine/dense_table.h"
#include "engine/fifo.h"
#include "engine/flat_map.h"
#include "engine/sharded_flat_map.h"
#include "engine/seat_pool.h"
#include "engine/slab.h"
#include "engine/user_seat_counts.h"

using namespace cm::engine;

namespace {

// Every key lands in one of few homes, so probe runs are long and wrap around the table.
struct CrowdedHash {
  std::size_t operator()(uint64_t k) const { return k % 7; }
};

template <class Hash, class Value = uint64_t>
void ChurnAgainstStdMap(uint64_t key_range, int steps, uint64_t high_bits = 0) {
  FlatMap<uint64_t, Value, Hash> flat;
  std::unordered_map<uint64_t, Value> ref;
  std::mt19937_64 rng(7);
  for (int i = 0; i < steps; ++i) {
    const uint64_t k = (rng() % key_range) | high_bits;
    switch (rng() % 3) {
      case 0: {
        const auto [v, inserted] = flat.Insert(k, static_cast<Value>(i));
        const auto [it, ref_inserted] = ref.emplace(k, static_cast<Value>(i));
        REQUIRE(inserted == ref_inserted);
        REQUIRE(*v == it->second);
        break;
      }
      case 1:
        REQUIRE(flat.Erase(k) == (ref.erase(k) == 1));
        break;
      default: {
        const Value* v = flat.Find(k);
        auto it = ref.find(k);
        REQUIRE((v != nullptr) == (it != ref.end()));
        if (v) REQUIRE(*v == it->second);
      }
    }
    REQUIRE(flat.size() == ref.size());
  }
  std::size_t seen = 0;
  flat.ForEach([&](uint64_t k, Value v) {
    ++seen;
    REQUIRE(ref.at(k) == v);
  });
  CHECK(seen == ref.size());
}

}  // namespace

TEST_CASE("the flat map agrees with std::unordered_map under random inserts and erases") {
  ChurnAgainstStdMap<U64Hash>(5'000, 200'000);
  ChurnAgainstStdMap<CrowdedHash>(300, 50'000);
  // An 8-byte key with a 4-byte value: the 12-byte slot, with keys that use both of its key
  // words (a small pool, so finds, erases and backward shifts meet them).
  ChurnAgainstStdMap<U64Hash, uint32_t>(5'000, 200'000);
  ChurnAgainstStdMap<CrowdedHash, uint32_t>(300, 50'000);
  ChurnAgainstStdMap<U64Hash, uint32_t>(5'000, 200'000, uint64_t{0xA5} << 56);
  ChurnAgainstStdMap<CrowdedHash, uint32_t>(300, 50'000, uint64_t{1} << 63);
}

TEST_CASE("an 8-byte key beside a 4-byte value takes a 12-byte slot") {
  FlatMap<uint64_t, uint32_t> packed;
  FlatMap<uint64_t, uint64_t> wide;
  packed.Reserve(1000);
  wide.Reserve(1000);
  REQUIRE(packed.capacity() == wide.capacity());
  // The slots, plus one byte each saying whether it is in use.
  CHECK(packed.bytes() == packed.capacity() * 13);
  CHECK(wide.bytes() == wide.capacity() * 17);
}

TEST_CASE("a reserved flat map does not grow while it stays under its reservation") {
  FlatMap<uint64_t, uint32_t> m;
  m.Reserve(1000);
  const std::size_t bytes = m.bytes();
  for (uint64_t k = 1; k <= 1000; ++k) m.Insert(k, 1);
  for (uint64_t k = 1; k <= 1000; ++k) m.Erase(k);
  for (uint64_t k = 5000; k < 6000; ++k) m.Insert(k, 2);
  CHECK(m.bytes() == bytes);
  CHECK(m.size() == 1000);
}

template <class Q>
void FifoAgainstDeque() {
  Q q;
  std::deque<uint64_t> ref;
  std::mt19937_64 rng(3);
  uint64_t next = 0;
  for (int i = 0; i < 100'000; ++i) {
    if (ref.empty() || rng() % 5 < 3) {
      const uint64_t pos = q.push_back(next);
      CHECK(pos == next);  // the n-th push has position n
      ref.push_back(next++);
    } else {
      REQUIRE(q.front() == ref.front());
      q.pop_front();
      ref.pop_front();
    }
    REQUIRE(q.size() == ref.size());
  }
  for (uint64_t p = q.head(); p < q.tail(); ++p) REQUIRE(q.At(p) == p);
  // Drained and refilled, it reuses its blocks.
  const std::size_t bytes = q.bytes();
  q.clear();
  for (uint64_t i = 0; i < ref.size(); ++i) q.push_back(i);
  CHECK(q.bytes() == bytes);
}

TEST_CASE("the FIFO keeps order and positions across growth and wrap-around") {
  FifoAgainstDeque<Fifo<uint64_t>>();
  FifoAgainstDeque<Fifo<uint64_t, 2>>();  // blocks of four: block changes on every few pushes
}

TEST_CASE("the sharded flat map agrees with std::unordered_map, and iterates every entry once") {
  ShardedFlatMap<uint64_t, uint64_t> m;
  std::unordered_map<uint64_t, uint64_t> ref;
  std::mt19937_64 rng(11);
  for (int i = 0; i < 100'000; ++i) {
    const uint64_t k = rng() % 20'000;
    if (rng() % 3 == 0) {
      REQUIRE(m.Erase(k) == (ref.erase(k) == 1));
    } else {
      REQUIRE(m.Insert(k, i).second == ref.emplace(k, i).second);
    }
    REQUIRE(m.size() == ref.size());
  }
  std::size_t seen = 0;
  m.ForEach([&](uint64_t k, uint64_t v) {
    ++seen;
    REQUIRE(ref.at(k) == v);
  });
  CHECK(seen == ref.size());
}

TEST_CASE("the slab reuses freed slots and never moves a live object") {
  Slab<uint64_t, 2> slab;  // blocks of four, so growth happens often
  std::vector<uint32_t> slots;
  std::vector<uint64_t*> where;
  for (uint64_t i = 0; i < 40; ++i) {
    slots.push_back(slab.Allocate());
    slab[slots.back()] = i;
    where.push_back(&slab[slots.back()]);
  }
  for (uint64_t i = 0; i < 40; ++i) CHECK(&slab[slots[i]] == where[i]);
  slab.Free(slots[5]);
  CHECK(slab.live() == 39);
  CHECK(slab.Allocate() == slots[5]);
  CHECK(slab[slots[5]] == 0);  // a reused slot starts fresh
}

TEST_CASE("the dense table's hot find never returns a record that was erased or replaced") {
  DenseTable<uint64_t, uint64_t> table;
  std::unordered_map<uint64_t, uint64_t> reference;
  std::mt19937_64 rng(7);
  for (int step = 0; step < 20000; ++step) {
    const uint64_t id = rng() % 64;  // few ids, so the hot one is often erased and re-made
    switch (rng() % 3) {
      case 0: {
        auto [record, fresh] = table.Emplace(id);
        CHECK(fresh == !reference.count(id));
        if (fresh) *record = reference[id] = rng();
        break;
      }
      case 1:
        CHECK(table.Erase(id) == (reference.erase(id) == 1));
        break;
      default: {
        const uint64_t* hot = table.FindHot(id);
        auto it = reference.find(id);
        REQUIRE((hot != nullptr) == (it != reference.end()));
        if (hot != nullptr) CHECK(*hot == it->second);
        CHECK(hot == table.Find(id));
        CHECK(table.SlotOfHot(id) == table.SlotOf(id));
        if (hot != nullptr) CHECK(&table.AtSlot(table.SlotOf(id)) == hot);
      }
    }
  }
  CHECK(table.size() == reference.size());
}

TEST_CASE("per-user seat counts agree with a map, across pages, and count who has seats") {
  UserSeatCounts counts;
  std::map<uint32_t, uint32_t> reference;
  std::mt19937_64 rng(11);
  for (int step = 0; step < 20000; ++step) {
    // Slots near each other (one page holds 16) and a few far apart.
    const uint32_t slot = step % 7 == 0 ? static_cast<uint32_t>(rng() % 4'000'000)
                                        : static_cast<uint32_t>(rng() % 100);
    const uint32_t n = static_cast<uint32_t>(rng() % 5);
    if (rng() % 2 == 0) {
      counts.Add(slot, n);
      if (n > 0) reference[slot] += n;
    } else {
      counts.Subtract(slot, n);
      if (auto it = reference.find(slot); it != reference.end()) {
        it->second = it->second > n ? it->second - n : 0;
        if (it->second == 0) reference.erase(it);
      }
    }
    const auto it = reference.find(slot);
    const uint32_t want = it == reference.end() ? 0 : it->second;
    CHECK(counts.Get(slot) == want);
    // The cached read, of this slot or of another (which moves the one-page cache elsewhere,
    // or finds no page and leaves it).
    if (step % 3 == 0) {
      const uint32_t other = static_cast<uint32_t>(rng() % 4'000'000);
      const auto o = reference.find(other);
      CHECK(counts.GetCached(other) == (o == reference.end() ? 0 : o->second));
    }
    CHECK(counts.GetCached(slot) == want);
  }
  CHECK(counts.size() == reference.size());
  std::map<uint32_t, uint32_t> listed;
  counts.ForEach([&](uint32_t slot, uint32_t n) { CHECK(listed.emplace(slot, n).second); });
  CHECK(listed == reference);
  CHECK(counts.Get(4'000'001) == 0);  // a page never made
}

TEST_CASE("the seat pool keeps one or two seats inline, longer lists in the smallest class, "
          "intact, and reuses freed chunks") {
  SeatPool pool;
  std::vector<HeldSeats> held;
  for (SeatIndex n = 0; n <= kMaxSeatsPerHold; ++n) {
    std::vector<SeatIndex> seats;
    for (SeatIndex k = 0; k < n; ++k) seats.push_back(1000 * n + k);
    held.push_back(pool.Store(seats));
    REQUIRE(held.back().size() == n);
    CHECK(std::vector<SeatIndex>(held.back().begin(), held.back().end()) == seats);
  }
  CHECK(held[0].empty());  // no seats, no chunk
  // One or two seats take no chunk, and a copy keeps them after the pool freed the original.
  CHECK(pool.live() == kMaxSeatsPerHold - HeldSeats::kInline);
  HeldSeats two = held[2];
  pool.Free(&held[2]);
  CHECK(held[2].empty());
  CHECK(pool.live() == kMaxSeatsPerHold - HeldSeats::kInline);
  CHECK(std::vector<SeatIndex>(two.begin(), two.end()) == std::vector<SeatIndex>{2000, 2001});
  held[2] = two;
  // Every list is still whole after all the others were stored.
  for (SeatIndex n = 1; n <= kMaxSeatsPerHold; ++n)
    for (SeatIndex k = 0; k < n; ++k) CHECK(held[n][k] == 1000 * n + k);

  // A freed 3-seat list leaves a 4-seat chunk, which the next list of 3 or 4 seats takes.
  const SeatIndex* three = held[3].data();
  pool.Free(&held[3]);
  CHECK(held[3].empty());
  CHECK(pool.live() == kMaxSeatsPerHold - HeldSeats::kInline - 1);
  const std::vector<SeatIndex> four{7, 8, 9, 10};
  const HeldSeats again = pool.Store(four);
  CHECK(again.data() == three);
  CHECK(held[4][0] == 4000);  // its neighbour in the class is untouched
  // Freeing an empty list is harmless.
  pool.Free(&held[0]);
  CHECK(pool.live() == kMaxSeatsPerHold - HeldSeats::kInline);
}
