// Determinism: for thousands of seeded random command streams, the live state, the state
// rebuilt from the encoded events, and the state rebuilt from a snapshot plus the tail are the
// same (equal state hashes), and every invariant holds.
#include <doctest/doctest.h>

#include <array>

#include "engine/codec/event_codec.h"
#include "engine/invariants.h"
#include "engine/codec/state_codec.h"
#include "tests/support/random_commands.h"
#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

struct Recorder : EventSink {
  std::string journal;  // every event, encoded
  std::vector<std::size_t> offsets;
  std::array<uint64_t, std::variant_size_v<EventBody>>* type_counts = nullptr;
  // Takes a snapshot right after event `snapshot_at` is applied, as the pipeline does.
  const EngineState* state = nullptr;
  Seq snapshot_at = 0;
  std::string snapshot;
  void OnEvent(const Event& e, uint64_t, bool) override {
    if (type_counts) ++(*type_counts)[e.body.index()];
    if (state && e.seq == snapshot_at) EncodeState(*state, &snapshot);
    offsets.push_back(journal.size());
    EncodeEvent(e, &journal);
  }
};

// Applies the encoded events in `bytes` to `state`.
void ApplyAll(std::string_view bytes, EngineState& state) {
  while (!bytes.empty()) {
    Event e;
    REQUIRE(DecodeEvent(&bytes, &e).ok());
    const Status s = state.Apply(e);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
  }
}

}  // namespace

TEST_CASE("live, replayed and snapshot+tail states hash the same, for 2,000 seeded streams") {
  EngineConfig config;
  config.idempotency_capacity = 16;  // small, so eviction by capacity is exercised
  config.ended_retention_ms = 20'000;
  uint64_t total_events = 0;
  std::array<uint64_t, std::variant_size_v<EventBody>> type_counts{};
  for (uint64_t seed = 1; seed <= 2000; ++seed) {
    CAPTURE(seed);
    EngineState live(config);
    Sequencer sequencer(live);
    Recorder rec;
    rec.type_counts = &type_counts;
    rec.state = &live;
    rec.snapshot_at = 10 + seed % 100;
    RandomCommands(seed).Drive(sequencer, rec, 150);
    REQUIRE(live.last_seq() >= rec.snapshot_at);
    const Seq snapshot_seq = rec.snapshot_at;
    const std::string& snapshot = rec.snapshot;
    const auto problems = CheckInvariants(live);
    for (const auto& p : problems) FAIL_CHECK(p);
    const uint64_t live_hash = StateHash(live);
    total_events += live.last_seq();

    EngineState replayed(config);
    ApplyAll(rec.journal, replayed);
    REQUIRE(StateHash(replayed) == live_hash);

    auto restored = DecodeState(snapshot, config);
    REQUIRE_MESSAGE(restored.ok(), restored.status().ToString());
    REQUIRE(restored.value()->last_seq() == snapshot_seq);
    const std::size_t tail = snapshot_seq < rec.offsets.size() ? rec.offsets[snapshot_seq]
                                                               : rec.journal.size();
    REQUIRE(snapshot_seq < live.last_seq());
    ApplyAll(std::string_view(rec.journal).substr(tail), *restored.value());
    REQUIRE(StateHash(*restored.value()) == live_hash);
  }
  MESSAGE("events checked: " << total_events);
  CHECK(total_events > 300'000);
  // The streams must reach every kind of decision, or the equalities above prove little.
  for (std::size_t t = 0; t < type_counts.size(); ++t) {
    CAPTURE(ToString(static_cast<EventType>(t)));
    CHECK(type_counts[t] > 100);
  }
}

TEST_CASE("the state hash sees a single changed seat") {
  TestWorld a, b;
  for (TestWorld* w : {&a, &b}) {
    const UserId u = w->AddUser("u@x.io");
    const ConcertId c = w->AddConcert(w->AddVenue(GridVenue(1, 2, 5)));
    w->Hold(u, c, {w == &a ? 1u : 2u});
  }
  CHECK(StateHash(a.state) != StateHash(b.state));
}

TEST_CASE("a snapshot round-trips to identical bytes") {
  EngineState live;
  Sequencer sequencer(live);
  Recorder rec;
  RandomCommands(7).Drive(sequencer, rec, 500);
  std::string first, second;
  EncodeState(live, &first);
  auto restored = DecodeState(first, EngineConfig{});
  REQUIRE(restored.ok());
  EncodeState(*restored.value(), &second);
  CHECK(first == second);
  CHECK(CheckInvariants(*restored.value()).empty());
}
