// The gateway's "seat taken" answer (engine/hold_precheck.h) never says what the sequencer would
// not: over seeded random streams, every hold of named seats is checked first on the read
// model's kind of state (reads only, built from the events) and then decided by the sequencer.
#include <doctest/doctest.h>

#include <vector>

#include "engine/hold_precheck.h"
#include "tests/support/random_commands.h"
#include "tests/support/test_world.h"

using namespace cm::test;

namespace {

// Applies every event to the reads-only state and tells the generator about it.
struct Follow : EventSink {
  EngineState* reads = nullptr;
  RandomCommands* gen = nullptr;
  std::vector<Event> events;
  void OnEvent(const Event& e, uint64_t, bool) override {
    REQUIRE(reads->Apply(e).ok());
    gen->Observe(e);
    events.push_back(e);
  }
};

bool IsAdmin(const EngineState& s, UserId user) {
  const User* u = s.FindUser(user);
  return u != nullptr && u->role == Role::kAdmin;
}

}  // namespace

TEST_CASE("a hold refused at the gateway for a taken seat is one the sequencer refuses") {
  EngineConfig reads_config;
  reads_config.reads_only = true;
  uint64_t answered = 0, passed_on = 0, limit_first = 0, passed_on_refused_taken = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    CAPTURE(seed);
    EngineState live;
    Sequencer sequencer(live);
    EngineState reads(reads_config);
    RandomCommands gen(seed);
    Follow follow;
    follow.reads = &reads;
    follow.gen = &gen;
    for (const Command& c : gen.Setup()) sequencer.Execute(c, follow);
    for (int i = 0; i < 300; ++i) {
      const Command cmd = gen.Next();
      const auto* hold = std::get_if<HoldSeatsCmd>(&cmd.body);
      std::optional<SeatList> taken;
      // A keyed command is answered what its key first got: the gateway never prechecks one.
      if (hold != nullptr && cmd.has_idem) hold = nullptr;
      if (hold != nullptr) {
        taken = TakenSeatsRefusal(reads, cmd.actor, IsAdmin(reads, cmd.actor), *hold, cmd.now);
        // The deciding state gives the same answer as the reads-only one.
        const auto on_live =
            TakenSeatsRefusal(live, cmd.actor, IsAdmin(live, cmd.actor), *hold, cmd.now);
        REQUIRE(on_live.has_value() == taken.has_value());
      }
      follow.events.clear();
      sequencer.Execute(cmd, follow);
      if (hold == nullptr) continue;
      REQUIRE(!follow.events.empty());
      const Event& answer = follow.events.back();
      const auto* refused = std::get_if<CommandRejected>(&answer.body);
      if (taken) {
        ++answered;
        REQUIRE(refused != nullptr);
        if (refused->code == ResultCode::kSeatLimitExceeded) {
          ++limit_first;  // the one check a reads-only state cannot make
          continue;
        }
        CHECK(refused->code == ResultCode::kSeatNotAvailable);
        CHECK(std::vector<SeatIndex>(refused->seats.begin(), refused->seats.end()) ==
              std::vector<SeatIndex>(taken->begin(), taken->end()));
      } else {
        ++passed_on;
        // Passed on, the sequencer decides. (It may still refuse a taken seat: one held by a
        // hold due to expire makes the precheck pass on the whole command.)
        if (refused != nullptr && refused->code == ResultCode::kSeatNotAvailable)
          ++passed_on_refused_taken;
      }
    }
  }
  MESSAGE("answered at the gateway ", answered, " (the limit named first by the sequencer ",
          limit_first, "), passed on ", passed_on, " (of them refused for a taken seat ",
          passed_on_refused_taken, ")");
  // The streams must reach every branch, or the comparison proves little.
  CHECK(answered > 150);
  CHECK(passed_on > 500);
  CHECK(limit_first > 0);
}
