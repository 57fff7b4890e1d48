// A concert's proof-of-work settings: what the engine keeps of the gate (the gateway issues and
// checks the work itself; tests/server/pow_challenge_test.cc).
#include <doctest/doctest.h>

#include "engine/codec/spec_codec.h"
#include "engine/concert_spec.h"
#include "engine/venue.h"
#include "tests/support/test_world.h"

using namespace cm::engine;
using cm::test::GridVenue;

namespace {

ConcertSpec GatedConcert() {
  ConcertSpec spec;
  spec.venue = 1;
  spec.title = "T";
  spec.sales_open_at = 1;
  spec.sales_close_at = 2;
  spec.starts_at = 3;
  spec.price_per_grade = {1};
  spec.proof_of_work = {2'000, 500, 8'000, 100};
  return spec;
}

}  // namespace

TEST_CASE("the difficulty rises with the arrival rate, up to its maximum") {
  const ProofOfWorkSettings p{2'000, 500, 8'000, 100};
  CHECK(p.DifficultyAt(0) == 2'000);
  CHECK(p.DifficultyAt(50) == 3'000);   // half a step
  CHECK(p.DifficultyAt(100) == 4'000);  // one step: twice
  CHECK(p.DifficultyAt(1e9) == 8'000);
  const ProofOfWorkSettings fixed{2'000, 500, 2'000, 0};
  CHECK(fixed.DifficultyAt(1e6) == 2'000);
  CHECK_FALSE(ProofOfWorkSettings{}.enabled());
  CHECK(ProofOfWorkSettings{}.DifficultyAt(100) == 0);
}

TEST_CASE("a concert's proof of work is checked when it is created") {
  const auto venue = Venue::Build(1, GridVenue(1, 1, 4, 1));
  std::string why;
  ConcertSpec spec = GatedConcert();
  CHECK(ValidateConcert(spec, *venue, &why) == ResultCode::kOk);
  spec.proof_of_work.cost = 0;
  CHECK(ValidateConcert(spec, *venue, &why) == ResultCode::kInvalidConcert);
  CHECK(why.find("cost") != std::string::npos);
  spec = GatedConcert();
  spec.proof_of_work.max_difficulty = 1'000;  // below the difficulty
  CHECK(ValidateConcert(spec, *venue, &why) == ResultCode::kInvalidConcert);
  spec = GatedConcert();
  spec.proof_of_work.difficulty = kMaxPowDifficulty + 1;
  CHECK(ValidateConcert(spec, *venue, &why) == ResultCode::kInvalidConcert);
  spec = GatedConcert();
  spec.proof_of_work.max_difficulty = 100'000;  // 100,000 x 500: more than a phone can do
  CHECK(ValidateConcert(spec, *venue, &why) == ResultCode::kInvalidConcert);
  CHECK(why.find("phone") != std::string::npos);
  spec = GatedConcert();
  spec.proof_of_work = {0, 500, 0, 0};  // a cost without a gate
  CHECK(ValidateConcert(spec, *venue, &why) == ResultCode::kInvalidConcert);
}

TEST_CASE("a concert spec carries its proof of work from record format 15 on") {
  const ConcertSpec spec = GatedConcert();
  std::string bytes;
  EncodeConcertSpec(spec, &bytes, kProofOfWorkEventFormat);
  ConcertSpec back;
  std::string_view in = bytes;
  REQUIRE(DecodeConcertSpec(&in, &back, kProofOfWorkEventFormat));
  CHECK(in.empty());
  CHECK(back == spec);
  // Format 14 ends before it: its concerts have no gate.
  std::string old;
  EncodeConcertSpec(spec, &old, kProofOfWorkEventFormat - 1);
  CHECK(old.size() < bytes.size());
  ConcertSpec before;
  std::string_view fourteen = old;
  REQUIRE(DecodeConcertSpec(&fourteen, &before, kProofOfWorkEventFormat - 1));
  CHECK(fourteen.empty());
  CHECK_FALSE(before.proof_of_work.enabled());
  // Cut short, it is refused.
  std::string_view cut(bytes.data(), bytes.size() - 1);
  ConcertSpec partial;
  CHECK_FALSE(DecodeConcertSpec(&cut, &partial, kProofOfWorkEventFormat));
}
