#include "engine/slot_ids.h"

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>
#include <vector>

#include "engine/types.h"

using cm::engine::SlotIds;

namespace {

// What SlotIds must do, written plainly: the free slots are those released and not retired,
// and every slot never used (from `fresh` up); the lowest is handed out.
struct Reference {
  std::set<uint32_t> in_use, released;
  uint32_t fresh = 0;
  std::map<uint32_t, uint32_t> generation;
  uint32_t Lowest() const { return released.empty() ? fresh : *released.begin(); }
  void Take(uint32_t slot) {
    in_use.insert(slot);
    if (slot == fresh) ++fresh;
    else released.erase(slot);
  }
  void Release(uint32_t slot) {
    in_use.erase(slot);
    if (++generation[slot] < SlotIds::kGenerations) released.insert(slot);  // else retired
  }
};

}  // namespace

static_assert(SlotIds::Encode(SlotIds::kMaxSlots - 1, SlotIds::kGenerations - 1) <
                  cm::engine::kTimelineIdStride,
              "slot ids fit inside one timeline's ids");

TEST_CASE("a slot id carries its slot and generation, and never looks like an id made by seq") {
  const uint64_t id = SlotIds::Encode(123'456, 789);
  CHECK(SlotIds::IsSlotId(id));
  CHECK(SlotIds::SlotOf(id) == 123'456);
  CHECK(SlotIds::GenerationOf(id) == 789);
  const uint64_t last = SlotIds::Encode(SlotIds::kMaxSlots - 1, SlotIds::kGenerations - 1);
  CHECK(SlotIds::IsSlotId(last));
  CHECK_FALSE(SlotIds::IsSlotId(1));
  CHECK_FALSE(SlotIds::IsSlotId(SlotIds::kSlotIdBit - 1));  // the highest id made by seq
  CHECK_FALSE(SlotIds::IsSlotId(cm::engine::kTimelineIdStride));
  // A slot id of timeline 1 with its timeline's base still on: not a local slot id.
  CHECK_FALSE(SlotIds::IsSlotId(cm::engine::kTimelineIdStride | SlotIds::kSlotIdBit));
}

TEST_CASE("slot ids: the lowest free slot is handed out, each reuse at a new generation") {
  SlotIds ids;
  CHECK(ids.Next() == SlotIds::Encode(0, 0));
  for (uint32_t s = 0; s < 200; ++s) REQUIRE(ids.Take(*ids.Next()));
  CHECK(ids.in_use() == 200);
  CHECK(ids.Next() == SlotIds::Encode(200, 0));
  CHECK(ids.Release(70));
  CHECK(ids.Release(5));
  CHECK_FALSE(ids.Release(5));    // not in use any more
  CHECK_FALSE(ids.Release(900));  // never used
  CHECK(ids.Next() == SlotIds::Encode(5, 1));
  CHECK(ids.Take(SlotIds::Encode(5, 1)));
  CHECK(ids.Next() == SlotIds::Encode(70, 1));
  // A journal that disagrees: a slot in use, a stale or future generation, a free slot that
  // is not the lowest, an id made by seq.
  CHECK_FALSE(ids.Take(SlotIds::Encode(5, 1)));
  CHECK_FALSE(ids.Take(SlotIds::Encode(300, 0)));
  CHECK_FALSE(ids.Take(SlotIds::Encode(70, 0)));
  CHECK_FALSE(ids.Take(SlotIds::Encode(70, 2)));
  CHECK_FALSE(ids.Take(42));
  CHECK(ids.Next() == SlotIds::Encode(70, 1));
  CHECK(ids.in_use() == 199);
}

TEST_CASE("slot ids: a slot whose generation would wrap is retired, never handed out again") {
  SlotIds ids;
  for (uint32_t g = 0; g < SlotIds::kGenerations; ++g) {
    REQUIRE(ids.Next() == SlotIds::Encode(0, g));
    REQUIRE(ids.Take(SlotIds::Encode(0, g)));
    REQUIRE(ids.Release(0));
  }
  CHECK(ids.Retired(0));
  CHECK_FALSE(ids.InUse(0));
  CHECK_FALSE(ids.Release(0));
  CHECK(ids.Next() == SlotIds::Encode(1, 0));
  CHECK_FALSE(ids.Take(SlotIds::Encode(0, 0)));
  CHECK(ids.in_use() == 0);
  CHECK(ids.generation(0) == SlotIds::kRetired);
}

TEST_CASE("slot ids: a slot retired inside a full word keeps that word full") {
  SlotIds ids;
  for (uint32_t s = 0; s < 200; ++s) REQUIRE(ids.Take(*ids.Next()));
  for (uint32_t g = 0; g + 1 < SlotIds::kGenerations; ++g) {
    REQUIRE(ids.Release(70));
    REQUIRE(ids.Next() == SlotIds::Encode(70, g + 1));
    REQUIRE(ids.Take(SlotIds::Encode(70, g + 1)));
  }
  REQUIRE(ids.Release(70));  // its 4,096th record ends: retired
  CHECK(ids.Retired(70));
  CHECK(ids.Next() == SlotIds::Encode(200, 0));
  REQUIRE(ids.Release(5));
  REQUIRE(ids.Take(SlotIds::Encode(5, 1)));
  CHECK(ids.Next() == SlotIds::Encode(200, 0));
  CHECK(ids.in_use() == 199);
}

TEST_CASE("slot ids: a full table hands out nothing until a slot is released") {
  SlotIds ids(130);  // two whole words and two slots of a third
  for (uint32_t s = 0; s < 130; ++s) REQUIRE(ids.Take(*ids.Next()));
  CHECK_FALSE(ids.Next().has_value());
  CHECK_FALSE(ids.Take(SlotIds::Encode(130, 0)));
  REQUIRE(ids.Release(64));
  CHECK(ids.Next() == SlotIds::Encode(64, 1));
}

TEST_CASE("slot ids agree with a reference under random takes and releases, across many words") {
  SlotIds ids;
  Reference ref;
  std::mt19937_64 rng(33);
  std::vector<uint32_t> live;
  for (int step = 0; step < 60'000; ++step) {
    const uint32_t want = ref.Lowest();
    const auto next = ids.Next();
    REQUIRE(next.has_value());
    REQUIRE(SlotIds::SlotOf(*next) == want);
    REQUIRE(SlotIds::GenerationOf(*next) == ref.generation[want]);
    // Mostly growth, then churn, then draining: words fill, empty and fill again.
    const int phase = step / 20'000;
    const bool take = live.empty() || rng() % 100 < (phase == 0 ? 70u : phase == 1 ? 50u : 30u);
    if (take) {
      REQUIRE(ids.Take(*next));
      ref.Take(want);
      live.push_back(want);
    } else {
      const std::size_t i = rng() % live.size();
      const uint32_t slot = live[i];
      live[i] = live.back();
      live.pop_back();
      REQUIRE(ids.Release(slot));
      ref.Release(slot);
    }
    REQUIRE(ids.in_use() == ref.in_use.size());
  }
  for (uint32_t s = 0; s < 20'000; ++s) CHECK(ids.InUse(s) == ref.in_use.contains(s));
}

TEST_CASE("slot ids: the lowest is found across many words, and only it may be taken") {
  SlotIds ids;
  for (uint32_t s = 0; s < 100'000; ++s) REQUIRE(ids.Take(*ids.Next()));
  CHECK(ids.Next() == SlotIds::Encode(100'000, 0));
  REQUIRE(ids.Release(99'999));
  REQUIRE(ids.Release(64 * 3 + 1));
  CHECK(ids.Next() == SlotIds::Encode(64 * 3 + 1, 1));
  CHECK_FALSE(ids.Take(SlotIds::Encode(99'999, 1)));          // free, but not the lowest
  CHECK_FALSE(ids.Take(SlotIds::Encode(SlotIds::kMaxSlots - 1, 0)));  // nothing grows far
  CHECK(ids.bytes() < 1'000'000);
  REQUIRE(ids.Take(SlotIds::Encode(64 * 3 + 1, 1)));
  CHECK(ids.Next() == SlotIds::Encode(99'999, 1));
}

TEST_CASE("TakeFree takes a free slot at its generation, lowest or not, and nothing else") {
  SlotIds ids;
  for (int i = 0; i < 3; ++i) REQUIRE(ids.Take(*ids.Next()));
  REQUIRE(ids.Release(1));
  CHECK(ids.Next() == SlotIds::Encode(1, 1));
  CHECK(ids.TakeFree(SlotIds::Encode(3, 0)));  // free, not lowest
  CHECK_FALSE(ids.TakeFree(SlotIds::Encode(3, 0)));  // taken now
  CHECK_FALSE(ids.TakeFree(SlotIds::Encode(1, 0)));  // an old generation
  CHECK_FALSE(ids.TakeFree(SlotIds::Encode(1, 2)));  // a future one
  CHECK_FALSE(ids.TakeFree(5));  // not a slot id
  CHECK(ids.TakeFree(SlotIds::Encode(1, 1)));
  CHECK(ids.in_use() == 4);
  CHECK(ids.Next() == SlotIds::Encode(4, 0));
  SlotIds small(2);
  CHECK_FALSE(small.TakeFree(SlotIds::Encode(2, 0)));  // past the table
}
