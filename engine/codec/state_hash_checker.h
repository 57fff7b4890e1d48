#pragma once
// Checks the state digests a log records (engine/event.h StateHashed) while the log is applied:
// followers, recovery with checks, `replay --verify`. A SnapshotMarked names the state just
// before it: the checker encodes its own state there and keeps the digest until the log's
// StateHashed of that seq comes, some events later. A StateHashed of the seq just before it
// (record version 12 and older) is checked in place.

#include <cstdint>
#include <deque>
#include <string>

#include "engine/engine_state.h"
#include "engine/event.h"
#include "engine/status.h"

namespace cm::engine {

class StateHashChecker {
 public:
  // Call with each event before it is applied to `state` (state.last_seq() == e.seq - 1).
  // Corruption when a recorded digest differs from this state's, or names a marked state in a
  // format this one did not encode. A digest of a state marked before this checker started (it
  // began from a snapshot past the mark) cannot be checked, and passes uncounted.
  Status Before(const EngineState& state, const Event& e);

  // Digests compared so far, and the seq of the last one; digests it could not compare (their
  // mark came before it started, or was one of more than kMarksKept awaiting theirs, or it is
  // of an older format this state cannot be encoded in as written: EncodesAsWritten).
  uint64_t checked() const { return checked_; }
  uint64_t unchecked() const { return unchecked_; }
  Seq last_checked() const { return last_checked_; }
  // The encoding made at the last mark (a snapshot's bytes; a caller may take it).
  std::string& last_encoded() { return encoded_; }

 private:
  struct Marked {
    Seq seq;
    uint8_t format;
    uint64_t digest;
    bool reproducible;  // EncodesAsWritten: false leaves the digest unchecked
  };
  // Marks whose digest has not come yet. A leader that stopped between a mark and its digest
  // leaves one behind for good, so only the newest few are kept.
  static constexpr std::size_t kMarksKept = 8;
  std::deque<Marked> marked_;
  std::string encoded_;
  uint64_t checked_ = 0;
  uint64_t unchecked_ = 0;
  Seq last_checked_ = 0;
};

}  // namespace cm::engine
