// The waiting room's proof as views/queue_proof.h builds it from the engine's state: complete
// from the opening even when the draw stops half way (sales closed), the same bytes from a
// replayed state, and the key published by the phase's close, not by an admin's pause.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <algorithm>

#include "engine/opening_draw.h"
#include "tests/support/test_world.h"
#include "views/queue_proof.h"

using namespace cm::test;
namespace views = cm::views;
namespace engine = cm::engine;
namespace json = boost::json;

TEST_CASE("the proof: complete from the opening, byte for byte after replay, the key by time") {
  EngineConfig config;
  config.queue_draws_per_tick = 4;  // 30 entries take 8 ticks
  TestWorld w(config);
  const TimeMs open = TestWorld::kStart + 20'000;
  const ConcertId c =
      w.AddQueuedConcert(w.AddVenue(GridVenue(1, 4, 10)), QueueRoom(2, 100), open, 60'000);
  std::vector<UserId> users;
  for (int i = 0; i < 30; ++i) {
    users.push_back(w.AddUser("v" + std::to_string(i) + "@x.io"));
    w.Run(w.As(users.back(), open - 5'000, JoinQueueCmd{c}));
  }
  const Concert& concert = *w.state.FindConcert(c);
  CHECK(views::ProofReadinessOf(concert, 0) == views::ProofReadiness::kNotOpened);
  CHECK(views::ProofReadinessOf(concert, 1) == views::ProofReadiness::kNoDraw);
  w.Tick(open, 1);  // opens, draws 4
  REQUIRE(views::ProofReadinessOf(concert, 0) == views::ProofReadiness::kReady);
  // An admin pauses the sale: the draw stops, the key stays secret, the proof is complete.
  w.Run(w.AsAdmin(open + 1, CloseSalesCmd{c}));
  for (int t = 1; t < 10; ++t) w.Tick(open + 100 * t, 0);
  const OpeningDraw& d = concert.draws[0];
  REQUIRE(d.order.size() == 4);
  CHECK_FALSE(views::DrawKeyRevealed(concert, 0, open + 1'000));
  const std::string half = views::QueueProofJson(views::CopyQueueProof(concert, 0, false));
  const json::value proof = json::parse(half);
  CHECK(proof.at("entries").as_array().size() == 30);
  CHECK(proof.at("order").as_array().size() == 30);
  CHECK(proof.at("pseudonymKey").is_null());
  // The order the proof gives is the one the engine goes on to draw once sales reopen.
  w.Run(w.AsAdmin(open + 2'000, OpenSalesCmd{c}));
  for (int t = 0; t < 10; ++t) w.Tick(open + 2'100 + 100 * t, 0);
  REQUIRE(d.complete());
  CHECK(views::QueueProofJson(views::CopyQueueProof(concert, 0, false)) == half);
  const engine::HmacSha256 names(engine::AsBytes(d.key));
  const auto& order = proof.at("order").as_array();
  for (std::size_t i = 0; i < d.order.size(); ++i)
    CHECK(order[i].as_string() == engine::HexOf(engine::PseudonymOf(names, d.order[i])));

  // Replayed from the journal's bytes: the same proof, byte for byte.
  const auto replayed = ReplayThroughJournal(w.sink.events);
  CHECK(views::QueueProofJson(views::CopyQueueProof(*replayed->FindConcert(c), 0, false)) == half);
  const std::string revealed = views::QueueProofJson(views::CopyQueueProof(concert, 0, true));
  CHECK(views::QueueProofJson(views::CopyQueueProof(*replayed->FindConcert(c), 0, true)) ==
        revealed);
  CHECK(json::parse(revealed).at("pseudonymKey").as_string() == engine::HexOf(d.key));
  // The key comes out when the sale's close passes.
  CHECK_FALSE(views::DrawKeyRevealed(concert, 0, concert.spec->sales_close_at - 1));
  CHECK(views::DrawKeyRevealed(concert, 0, concert.spec->sales_close_at));
}
