#pragma once
// The benchmarks' world and traffic: registered users, a concert on a grid venue, and a
// hold/release command mix that releases holds it knows were placed.

#include <cstdint>
#include <vector>

#include "bench/bench_report.h"
#include "engine/command.h"
#include "engine/event.h"
#include "engine/sequencer.h"

namespace cm::bench {

struct WorldSpec {
  int users = 100'000;
  int concerts = 1;
  int sections = 10, rows = 50, seats_per_row = 100;  // 50,000 seats
  engine::TimeMs hold_ttl_ms = engine::kDefaultHoldTtlMs;
  uint32_t max_seats_per_user = 4;
  // Every release starts one, in the released seats' cells (engine/seat_map.h).
  engine::TimeMs rehold_cooldown_ms = engine::kDefaultReholdCooldownMs;
  engine::TimeMs return_window_ms = 0;  // seats given up return within this (0: at once)
  // Each section's back row: this many wheelchair spaces and as many companion seats at its
  // start, held back for good (0: none).
  int accessible_per_section = 0;
  // Sale phases: none (one window); a presale that closed before the run, so holds decide
  // against the general sale's phase; or a members-only presale, every user on the list by
  // email, so each hold also checks membership (a keyed hash of the email and a lookup).
  enum class Phases { kNone, kGeneral, kMembers } phases = Phases::kNone;
};

// The setup commands for `spec`, all decided at time `now`. With every command emitting one
// event, user i gets id i + 1, the venue users + 1, concert k users + 2 + 2k.
std::vector<engine::Command> WorldSetup(const WorldSpec& spec, engine::TimeMs now);
engine::ConcertId ConcertIdOf(const WorldSpec& spec, int k);

// A hall held to the last seat, beside the mix's world: its own venue of `seats` seats (a
// multiple of 2,000), seats / 4 users of its own, and every seat held alone (4 holds a user)
// for 30 days, so none expires during a run. Every command emits one event, so ids follow from
// `first_id`, the id the first command's event gets (the last setup seq + 1).
std::vector<engine::Command> HeldHallSetup(uint32_t seats, engine::TimeMs now,
                                           engine::Seq first_id);
// The hall's seats come in sections of this many; the benches' --held-seats must be a multiple.
inline constexpr uint32_t kHeldHallSection = 2'000;
// Prints why to stderr and returns false when `seats` is not a multiple of a section.
bool CheckHeldSeats(uint32_t seats);

// Generates the hold/release mix: about half holds of 1-4 random seats by random users, half
// releases of holds it saw placed (OnEvent must see the events).
class HoldReleaseMix : public engine::EventSink {
 public:
  HoldReleaseMix(const WorldSpec& spec, uint64_t seed);
  // Fills *cmd (reusing its storage) with the next command at time `now`.
  void Next(engine::TimeMs now, engine::Command* cmd);
  void OnEvent(const engine::Event& e, uint64_t, bool) override;
  // For producers that do not see events directly: a hold another thread saw placed.
  void AddLive(engine::ReservationId r, engine::UserId u) { live_.emplace_back(r, u); }

  uint64_t events = 0, holds = 0, releases = 0, rejections = 0, expiries = 0;

 private:
  WorldSpec spec_;
  uint32_t seats_per_concert_;
  FastRng rng_;
  std::vector<std::pair<engine::ReservationId, engine::UserId>> live_;  // holds to release
};

}  // namespace cm::bench
