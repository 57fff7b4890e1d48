#pragma once
// Seeded random command streams over a small world: users, a couple of concerts, and a mix of
// holds, best-available, releases, confirms, refunds, ticks, sales changes, payments, door
// scans (online and offline), transfers, cancellations, extensions and retried idempotency keys. The same seed always gives the same stream.

#include <cstdint>
#include <random>
#include <deque>
#include <map>
#include <set>
#include <vector>

#include "engine/command.h"
#include "engine/event.h"
#include "engine/sequencer.h"

namespace cm::test {

class RandomCommands {
 public:
  explicit RandomCommands(uint64_t seed);
  // The setup commands: users, a venue, concerts, open sales.
  std::vector<engine::Command> Setup();
  // One random command. Feed events back through Observe so that releases, confirms and
  // refunds mostly name reservations that exist.
  engine::Command Next();
  void Observe(const engine::Event& e);
  // Starts a new random sequence, keeping what Setup() learned (several producers share one
  // setup and then send different streams).
  void Reseed(uint64_t seed) { rng_.seed(seed); }

  // Runs Setup() and `n` random commands through `sequencer`, observing every event; each
  // event also goes to `sink`.
  void Drive(engine::Sequencer& sequencer, engine::EventSink& sink, int n);

 private:
  engine::Command As(engine::UserId user, engine::CommandBody body);
  uint64_t Pick(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }

  std::mt19937_64 rng_;
  engine::TimeMs now_ = 1'700'000'000'000;
  std::vector<engine::UserId> users_;
  std::vector<engine::ConcertId> concerts_;
  std::vector<engine::ReservationId> reservations_;  // recent holds, bounded
  std::vector<engine::UserId> holders_;               // their owners, index for index
  // Recent payments and the attempt each is at (failures move it on), bounded.
  std::vector<std::pair<engine::PaymentId, uint32_t>> payments_;
  std::vector<engine::PaymentId> refunds_;  // payments with a refund issued, the latest 8
  std::map<engine::PaymentId, int64_t> deposits_due_;  // bank transfers: what is due
  std::set<engine::PaymentId> accounts_;               // ... and those with an account
  std::deque<engine::PaymentId> to_issue_;             // ... and those the worker is to report
  // Recent tickets as their events describe them, bounded.
  struct SeenTicket {
    engine::TicketId id;
    engine::ConcertId concert;
    engine::SeatIndex seat;
    engine::UserId holder;
    uint32_t version;
    std::size_t offered_to = SIZE_MAX;  // index in users_ of the pending offer's email
  };
  std::vector<SeenTicket> tickets_;
  engine::Seq last_seq_ = 0;
  engine::Term term_ = 0;  // the latest TermStarted's
};

}  // namespace cm::test
