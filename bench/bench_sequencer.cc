// Benchmark 1: the sequencer alone, no rings and no journal, on one thread: a 50,000-seat
// concert with 100,000 users. Time advances 0.1 ms per command, so long runs also expire holds.
// --mix hold-release (the default): half holds, half releases. --mix server: what a server
// sees during a sale (server_mix.h): holds with idempotency keys, best-available, releases,
// payments, charge reports, logins, refreshes and ticks.

#include <CLI/CLI.hpp>
#include <iterator>

#include "runtime/huge_page_heap.h"
#include "bench/bench_report.h"
#include "bench/server_mix.h"
#include "bench/workload.h"
#include "engine/engine_state.h"
#include "engine/sequencer.h"

using namespace cm;
using namespace cm::engine;

int main(int argc, char** argv) {
  // As the server runs (runtime/huge_page_heap.h); GLIBC_TUNABLES= (empty) measures without.
  cm::runtime::UseHugePageHeap(argv);
  CLI::App app{"Sequencer throughput on one thread"};
  uint64_t commands = 10'000'000;
  double max_seconds = 30;
  app.add_option("--commands", commands, "Commands to decide (after a warm-up)");
  app.add_option("--max-seconds", max_seconds, "Stop early after this long");
  double cooldown_s = kDefaultReholdCooldownMs / 1000.0;
  app.add_option("--rehold-cooldown-s", cooldown_s,
                 "The concert's re-hold cooldown (every release starts one; 0 = none)");
  double return_window_s = 0;
  app.add_option("--return-window-s", return_window_s,
                 "The concert's return window: seats given up return within it (0 = at once)")
      ->capture_default_str();
  int accessible = 0;
  app.add_option("--accessible-per-section", accessible,
                 "Wheelchair spaces (and as many companion seats) at each section's back row, "
                 "held back: the hold rules and best-available pass over them")
      ->capture_default_str();
  std::string phases = "none";
  app.add_option("--sale-phases", phases,
                 "none; general (a presale closed before the run: holds decide against the "
                 "general sale's phase); members (a members-only presale, every user listed by "
                 "email: each hold checks membership)")
      ->check(CLI::IsMember({"none", "general", "members"}))
      ->capture_default_str();
  std::string mix_name = "hold-release";
  app.add_option("--mix", mix_name, "hold-release or server")
      ->check(CLI::IsMember({"hold-release", "server"}))
      ->capture_default_str();
  uint32_t pollute_kb = 0;
  app.add_option("--pollute-kb", pollute_kb,
                 "Between commands, write this much other memory, as the server's other threads "
                 "do to the caches they share with the sequencer; reports Execute's time alone")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const bool server_mix = mix_name == "server";

  bench::WorldSpec spec;
  spec.rehold_cooldown_ms = static_cast<TimeMs>(cooldown_s * 1000);
  spec.return_window_ms = static_cast<TimeMs>(return_window_s * 1000);
  spec.accessible_per_section = accessible;
  spec.phases = phases == "general"   ? bench::WorldSpec::Phases::kGeneral
                : phases == "members" ? bench::WorldSpec::Phases::kMembers
                                      : bench::WorldSpec::Phases::kNone;
  EngineState state;
  Sequencer sequencer(state);
  bench::HoldReleaseMix mix(spec, 42);
  bench::ServerMix server(spec, 42);
  EventSink& sink = server_mix ? static_cast<EventSink&>(server) : mix;
  const TimeMs t0 = 1'800'000'000'000;
  for (const Command& c : bench::WorldSetup(spec, t0)) sequencer.Execute(c, sink);

  Command cmd;
  uint64_t i = 0;
  std::vector<uint64_t> other(static_cast<std::size_t>(pollute_kb) * 128);
  int64_t execute_ns = 0;  // measured only when polluting
  auto run = [&](uint64_t n) {
    for (uint64_t k = 0; k < n; ++k, ++i) {
      const TimeMs now = t0 + static_cast<TimeMs>(i / 10);
      if (server_mix) server.Next(now, &cmd);
      else mix.Next(now, &cmd);
      if (other.empty()) {
        sequencer.Execute(cmd, sink);
        continue;
      }
      for (std::size_t w = 0; w < other.size(); w += 8) other[w] += i;  // a line per 64 B
      const int64_t begin = bench::NowNs();
      sequencer.Execute(cmd, sink);
      execute_ns += bench::NowNs() - begin;
    }
  };
  run(200'000);  // warm-up: fills the hold table to its steady size
  uint64_t server_before[std::size(server.by_type)], rejected_before_by_code[1000];
  std::copy(std::begin(server.by_type), std::end(server.by_type), server_before);
  std::copy(std::begin(server.rejected_by_code), std::end(server.rejected_by_code),
            rejected_before_by_code);
  const uint64_t events_before = mix.events + server.events, holds_before = mix.holds,
                 releases_before = mix.releases, rejected_before = mix.rejections,
                 expired_before = mix.expiries;
  execute_ns = 0;
  const int64_t start = bench::NowNs();
  uint64_t done = 0;
  while (done < commands) {
    const uint64_t chunk = std::min<uint64_t>(1'000'000, commands - done);
    run(chunk);
    done += chunk;
    if ((bench::NowNs() - start) / 1e9 > max_seconds) break;
  }
  const double seconds = static_cast<double>(bench::NowNs() - start) / 1e9;

  bench::Report r("sequencer");
  r.Note("heap_huge_pages", cm::runtime::HugePageHeap() ? "yes" : "no");
  r.Note("mix", mix_name);
  r.Add("commands", static_cast<double>(done), "");
  r.Add("seconds", seconds, "s");
  r.Add("commands_per_sec", static_cast<double>(done) / seconds, "cmd/s");
  r.Add("ns_per_command", seconds * 1e9 / static_cast<double>(done), "ns");
  if (pollute_kb > 0) {
    r.Add("pollute_kb", pollute_kb, "KiB");
    r.Add("execute_ns_per_command", static_cast<double>(execute_ns) / static_cast<double>(done),
          "ns");
  }
  r.Add("events", static_cast<double>(mix.events + server.events - events_before), "");
  if (server_mix) {
    for (int t = 0; t < static_cast<int>(std::variant_size_v<EventBody>); ++t)
      if (const uint64_t n = server.by_type[t] - server_before[t]; n > 0)
        r.Add("events_" + std::string(ToString(static_cast<EventType>(t))),
              static_cast<double>(n), "");
    for (int code = 0; code < 1000; ++code)
      if (const uint64_t n = server.rejected_by_code[code] - rejected_before_by_code[code]; n > 0)
        r.Add("rejected_" + std::string(ToString(static_cast<ResultCode>(code))),
              static_cast<double>(n), "");
  } else {
    r.Add("holds_placed", static_cast<double>(mix.holds - holds_before), "");
    r.Add("holds_released", static_cast<double>(mix.releases - releases_before), "");
    r.Add("holds_expired", static_cast<double>(mix.expiries - expired_before), "");
    r.Add("rejected", static_cast<double>(mix.rejections - rejected_before), "");
  }
  r.Add("live_holds_at_end", static_cast<double>(state.timers().size()), "");
  r.Add("seats", spec.sections * spec.rows * spec.seats_per_row, "");
  r.Add("users", spec.users, "");
  r.Add("rehold_cooldown_s", cooldown_s, "s");
  r.Print();
  return 0;
}
