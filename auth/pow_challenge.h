#pragma once
// Proof-of-work challenges in ALTCHA's version 3 scheme, so the npm `altcha` widget solves them
// on the fan's page (docs: altcha.org; we write the server side, as the scheme is small).
//
// A challenge names a password prefix (`nonce`), a `salt`, a `cost` and a `keyPrefix`. The
// solver derives PBKDF2-SHA-256(nonce || counter as big-endian u32, salt, cost) for counter
// 0, 1, 2, ... until the key starts with keyPrefix. We draw the counter when issuing, uniformly
// in [0, 2 * difficulty), and the keyPrefix is the first 16 bytes of its key: the work is then
// counter + 1 derivations, with a mean of `difficulty` for any solver, as the counter could be
// anywhere from 0 (a narrower range would let a bot that knows the difficulty skip its start). PBKDF2 rather than plain SHA-256: the browser runs all `cost` iterations of
// one derivation natively, so a phone's JavaScript pays little more per hash than a bot's
// native code does.
//
// The parameters are signed (HMAC-SHA-256 over their canonical JSON, keys sorted, as the
// widget sends them back) under a secret drawn at each start, so a restarted gateway refuses
// what an earlier one issued (and the single-use record it kept died with it). `data` binds
// a challenge to one concert and one user; `expiresAt` (Unix seconds) ends it.
// Thread-safety: const methods may be called from any thread.

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "engine/types.h"

namespace cm::auth {

// What a challenge is for, and how hard it is.
struct PowTerms {
  engine::ConcertId concert = 0;
  engine::UserId user = 0;
  uint32_t difficulty = 1;  // mean derivations
  uint32_t cost = 1;        // PBKDF2 iterations per derivation
  int64_t expires_at_s = 0;
};

enum class PowVerdict : uint8_t {
  kOk = 0,
  kMalformed,     // not base64, not JSON, or not the shape ALTCHA sends
  kForged,        // the signature does not match the parameters
  kExpired,
  kWrongConcert,  // issued for another concert
  kWrongUser,     // issued to another account
  kUnsolved,      // the counter's key does not start with keyPrefix
  kStopped,       // before_derivation said no
};
std::string_view ToString(PowVerdict v);

// A solution that checked out.
struct SolvedPow {
  std::array<uint8_t, 16> nonce{};  // names the challenge, for single use
  int64_t expires_at_s = 0;
};

class PowIssuer {
 public:
  PowIssuer();  // a fresh random secret
  explicit PowIssuer(std::string_view secret);  // tests and benchmarks

  // The challenge, as the JSON ALTCHA's widget takes: {"parameters": {...}, "signature": hex},
  // and the mean derivations it takes ("difficulty", which the widget passes over). Costs one
  // derivation (to find the keyPrefix).
  std::string Issue(const PowTerms& terms) const;
  // Checks a widget's payload (base64 of {"challenge": {...}, "solution": {...}}) for
  // `concert` and `user` at `now_s`. Costs one derivation and an HMAC; a forged or expired
  // payload costs no derivation. `before_derivation` (optional) is asked, with the challenge
  // named, whether to go on to the derivation: the gateway refuses a spent one there, so a
  // replay costs no derivation either. *solved names the challenge from the signature's check
  // on, whatever the verdict.
  PowVerdict Verify(std::string_view payload, engine::ConcertId concert, engine::UserId user,
                    int64_t now_s, SolvedPow* solved,
                    const std::function<bool(const SolvedPow&)>& before_derivation = {}) const;

  // The key a counter derives.
  static std::array<uint8_t, 32> Derive(const std::array<uint8_t, 16>& nonce, uint32_t counter,
                                        const std::array<uint8_t, 16>& salt, uint32_t cost);

 private:
  std::string Sign(std::string_view canonical) const;
  std::string secret_;
};

// Solves an issued challenge as a bot would (native code, counting up from 0) and returns the
// payload the widget would send, or "" for a challenge it cannot read. *derivations: how many
// it took. For tests and the benchmark of a bot's cost (bench/bench_pow.cc).
std::string SolvePowChallenge(std::string_view challenge_json, uint64_t* derivations = nullptr);

// The canonical JSON of a challenge's parameters (keys sorted, as JavaScript's JSON.stringify
// writes a sorted object): what the signature covers.
std::string CanonicalPowParameters(const PowTerms& terms, std::string_view nonce_hex,
                                   std::string_view salt_hex, std::string_view key_prefix_hex);

}  // namespace cm::auth
