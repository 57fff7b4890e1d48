// The proof-of-work gate's costs on one core (auth/pow_challenge.h), at a concert's settings:
//  - a bot's: native PBKDF2, counting from 0 as ALTCHA's solver does, in CPU-seconds per
//    solution (one solution buys one admission or hold);
//  - the gateway's: issuing a challenge (one derivation and an HMAC) and verifying a solution
//    (parse, HMAC, one derivation), and spending it (the single-use record).
// The phone's side is bench/pow_phone.sh (Chromium, CPU throttled 4x).
//
//   bench_pow --difficulty 2000 --cost 1000 --challenges 20
#include <CLI/CLI.hpp>

#include <ctime>

#include "auth/pow_challenge.h"
#include "auth/pow_spends.h"
#include "bench/bench_report.h"

using cm::bench::NowNs;

namespace {

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  uint32_t difficulty = 2'000, cost = 1'000;
  int challenges = 20, verifications = 2'000;
  CLI::App app{"Proof-of-work costs: a bot's per solution, the gateway's per challenge and check"};
  app.add_option("--difficulty", difficulty, "Mean derivations per solution")->capture_default_str();
  app.add_option("--cost", cost, "PBKDF2 iterations per derivation")->capture_default_str();
  app.add_option("--challenges", challenges, "Challenges the bot solves")->capture_default_str();
  app.add_option("--verifications", verifications, "Solutions the gateway checks")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const cm::auth::PowIssuer issuer;
  cm::auth::PowTerms terms;
  terms.concert = 5;
  terms.user = 7;
  terms.difficulty = difficulty;
  terms.cost = cost;
  terms.expires_at_s = 4'000'000'000;

  // The bot: solve `challenges` fresh challenges.
  std::vector<std::string> payloads;
  uint64_t derivations = 0;
  const double cpu0 = CpuSeconds();
  for (int i = 0; i < challenges; ++i) {
    uint64_t n = 0;
    payloads.push_back(cm::auth::SolvePowChallenge(issuer.Issue(terms), &n));
    derivations += n;
  }
  const double solve_cpu = CpuSeconds() - cpu0;
  // Issuing alone (the derivation that fixes the keyPrefix dominates).
  const int issues = std::max(100, verifications / 4);
  const int64_t t0 = NowNs();
  std::size_t bytes = 0;
  for (int i = 0; i < issues; ++i) bytes += issuer.Issue(terms).size();
  const double issue_us = (NowNs() - t0) / 1e3 / issues;
  // Verifying: the payloads over and over (a check does not spend).
  int ok = 0;
  cm::auth::SolvedPow solved;
  const int64_t t1 = NowNs();
  for (int i = 0; i < verifications; ++i)
    ok += issuer.Verify(payloads[static_cast<std::size_t>(i) % payloads.size()], 5, 7,
                        1'800'000'000, &solved) == cm::auth::PowVerdict::kOk;
  const double verify_us = (NowNs() - t1) / 1e3 / verifications;
  // A forged one is refused before any derivation.
  std::string forged = payloads[0];
  forged[forged.size() / 2] = forged[forged.size() / 2] == 'A' ? 'B' : 'A';
  const int64_t t2 = NowNs();
  for (int i = 0; i < verifications; ++i) issuer.Verify(forged, 5, 7, 1'800'000'000, &solved);
  const double forged_us = (NowNs() - t2) / 1e3 / verifications;
  // Spending: the single-use record.
  cm::auth::PowSpends spends;
  const int64_t t3 = NowNs();
  for (int i = 0; i < verifications; ++i) {
    solved.nonce[0] = static_cast<uint8_t>(i);
    solved.nonce[1] = static_cast<uint8_t>(i >> 8);
    solved.nonce[2] = static_cast<uint8_t>(i >> 16);
    solved.expires_at_s = 1'800'000'300;
    spends.Spend(solved, 5, 7, {}, 1'800'000'000);
  }
  const double spend_us = (NowNs() - t3) / 1e3 / verifications;

  cm::bench::Report report("pow");
  report.Add("difficulty", difficulty, "derivations");
  report.Add("cost", cost, "iterations");
  report.Add("bot_cpu_s_per_solution", solve_cpu / challenges, "CPU-s");
  report.Add("bot_derivations_per_solution", static_cast<double>(derivations) / challenges, "");
  report.Add("bot_us_per_derivation", solve_cpu * 1e6 / static_cast<double>(derivations), "us");
  report.Add("issue_us", issue_us, "us");
  report.Add("verify_us", verify_us, "us");
  report.Add("verify_forged_us", forged_us, "us");
  report.Add("spend_us", spend_us, "us");
  report.Add("verified", ok, "of " + std::to_string(verifications));
  report.Add("challenge_bytes", static_cast<double>(bytes) / issues, "B");
  report.Print();
  return ok == verifications ? 0 : 1;
}
