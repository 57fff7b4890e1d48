// The waiting room's proof at scale (docs/architecture.md, "The waiting room's proof"): N fans
// join the pre-queue, the room opens and draws them all (a batch per tick), then the proof is
// built as GET /api/concerts/{id}/queue/proof builds it: the copy taken under the read lock,
// then the pseudonyms and the JSON. Reports the join rate with the draw's ranks, the longest
// drawing tick, the ticks the draw took, the copy, the JSON and its size; --out writes the proof
// for the verifiers (`concertmania queue verify`, tests/queue/verify_queue_proof.py) to time.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <fstream>

#include "bench/bench_report.h"
#include "bench/engine_command.h"
#include "engine/engine_state.h"
#include "engine/grid_venue.h"
#include "engine/sequencer.h"
#include "views/queue_proof.h"

using namespace cm;
using namespace cm::engine;
using cm::bench::As;

namespace {

struct NullSink : EventSink {
  void OnEvent(const Event&, uint64_t, bool) override {}
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The waiting room's proof: the draw, and the proof built, at N entries"};
  uint64_t entries = 1'000'000;
  std::string out;
  app.add_option("--entries", entries, "Fans in the pre-queue")->capture_default_str();
  app.add_option("--out", out, "Write the proof here");
  CLI11_PARSE(app, argc, argv);

  EngineState state;
  Sequencer seq(state);
  NullSink sink;
  const TimeMs t0 = 1'800'000'000'000;
  const TimeMs open_at = t0 + 3'600'000;
  for (uint64_t i = 0; i < Sequencer::kEntropyTicks; ++i)
    seq.Execute(As(0, Role::kSystem, t0 - 1, TickCmd{0x5eed + i}), sink);
  seq.Execute(As(0, Role::kSystem, t0, CreateVenueCmd{MakeGridVenue("Hall", {"R"}, 1, 10, 100)}),
              sink);
  auto spec = std::make_shared<ConcertSpec>();
  spec->venue = state.last_seq();
  spec->title = "Proof Bench";
  spec->sales_open_at = open_at;
  spec->sales_close_at = open_at + 86'400'000;
  spec->starts_at = spec->sales_close_at;
  spec->price_per_grade = {100'000};
  spec->waiting_room.enabled = true;
  spec->waiting_room.max_active = 100;
  spec->waiting_room.admit_per_second = 1000;
  spec->waiting_room.pre_queue_ms = 7'200'000;
  const ConcertId concert = state.last_seq() + 1;
  seq.Execute(As(0, Role::kSystem, t0, CreateConcertCmd{spec}), sink);
  seq.Execute(As(0, Role::kSystem, t0, OpenSalesCmd{concert}), sink);
  std::vector<UserId> users;
  users.reserve(entries);
  for (uint64_t i = 0; i < entries; ++i) {
    seq.Execute(As(0, Role::kSystem, t0,
                   RegisterUserCmd{"u" + std::to_string(i) + "@q.io", "h", Role::kUser, ""}),
                sink);
    users.push_back(state.last_seq());
  }
  const int64_t join_start = bench::NowNs();
  for (UserId u : users) seq.Execute(As(u, Role::kUser, t0 + 1, JoinQueueCmd{concert}), sink);
  const double join_s = (bench::NowNs() - join_start) / 1e9;

  // The opening and the draw, a tick every 100 ms of engine time.
  const Concert& c = *state.FindConcert(concert);
  int64_t longest_ns = 0;
  int ticks = 0;
  for (TimeMs now = open_at; !c.draws[0].complete() && ticks < 100'000; now += 100, ++ticks) {
    const int64_t start = bench::NowNs();
    seq.Execute(As(0, Role::kSystem, now, TickCmd{}), sink);
    longest_ns = std::max(longest_ns, bench::NowNs() - start);
  }

  const int64_t copy_start = bench::NowNs();
  const views::QueueProofData data = views::CopyQueueProof(c, 0, /*key_revealed=*/false);
  const double copy_ms = (bench::NowNs() - copy_start) / 1e6;
  const int64_t json_start = bench::NowNs();
  const std::string proof = views::QueueProofJson(data);
  const double json_ms = (bench::NowNs() - json_start) / 1e6;
  if (!out.empty()) std::ofstream(out, std::ios::binary) << proof;

  bench::Report report("queue_proof");
  const std::string n = std::to_string(entries);
  report.Add("joins_per_s@" + n, static_cast<double>(entries) / join_s, "joins/s");
  report.Add("ticks_to_draw@" + n, ticks, "");
  report.Add("longest_draw_tick@" + n, longest_ns / 1e3, "us");
  report.Add("proof_copy_under_lock@" + n, copy_ms, "ms");
  report.Add("proof_json@" + n, json_ms, "ms");
  report.Add("proof_bytes@" + n, static_cast<double>(proof.size()), "B");
  report.Print();
  return c.draws[0].complete() ? 0 : 1;
}
