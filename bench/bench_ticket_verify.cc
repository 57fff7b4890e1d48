// Offline verification on one core: what `concertmania tickets verify` does per code (Ed25519
// signature, then the door bundle's version and revocation lists), over N distinct codes. The
// same run also measures libsodium's bare signature check on the same codes, the ceiling.
//
//   bench_ticket_verify --codes 50000
#include <CLI/CLI.hpp>
#include <sodium.h>

#include "bench/bench_report.h"
#include "tickets/door_bundle.h"
#include "tickets/signing_key.h"

using cm::bench::NowNs;

int main(int argc, char** argv) {
  int n = 50'000;
  int rounds = 3;
  CLI::App app{"Offline ticket verification rate on one core"};
  app.add_option("--codes", n, "Distinct codes")->capture_default_str();
  app.add_option("--rounds", rounds, "Passes over the codes (the best is reported)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const auto key = cm::tickets::SigningKey::Generate();
  cm::tickets::DoorBundle bundle;
  bundle.concert = 42;
  bundle.key = key.public_key();
  std::vector<std::string> codes;
  for (int i = 0; i < n; ++i) {
    const cm::tickets::TicketClaim c{1'000'000 + static_cast<uint64_t>(i) * 3, 42,
                                     static_cast<uint32_t>(i), 1 + static_cast<uint32_t>(i % 3)};
    bundle.versions[c.ticket] = c.version;
    codes.push_back(cm::tickets::EncodeTicketCode(c, key));
  }
  double best = 0, best_raw = 0;
  uint64_t admitted = 0;
  for (int r = 0; r < rounds; ++r) {
    admitted = 0;
    const int64_t t0 = NowNs();
    for (const std::string& code : codes)
      admitted += cm::tickets::VerifyOffline(bundle, code, nullptr) ==
                  cm::tickets::OfflineVerdict::kAdmit;
    best = std::max(best, n / ((NowNs() - t0) / 1e9));
    // The ceiling: the signature check alone, on a pre-built message of the same length.
    const auto sig = key.Sign("concertmania-ticket/1 payload");
    const int64_t t1 = NowNs();
    int ok = 0;
    for (int i = 0; i < n; ++i)
      ok += crypto_sign_verify_detached(sig.data(),
                                        reinterpret_cast<const unsigned char*>(
                                            "concertmania-ticket/1 payload"),
                                        29, key.public_key().data()) == 0;
    best_raw = std::max(best_raw, ok / ((NowNs() - t1) / 1e9));
  }
  cm::bench::Report report("ticket_verify");
  report.Note("setup", std::to_string(n) + " codes, one thread, best of " +
                           std::to_string(rounds) + " passes");
  report.Add("code_length", static_cast<double>(codes[0].size()), "chars");
  report.Add("codes_per_s", best, "codes/s");
  report.Add("us_per_code", 1e6 / best, "us");
  report.Add("bare_ed25519_verifies_per_s", best_raw, "verifies/s");
  report.Add("admitted", static_cast<double>(admitted), "");
  report.Print();
  return admitted == static_cast<uint64_t>(n) ? 0 : 1;
}
