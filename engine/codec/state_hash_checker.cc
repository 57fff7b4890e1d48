#include "engine/codec/state_hash_checker.h"

#include "engine/codec/state_codec.h"

namespace cm::engine {

Status StateHashChecker::Before(const EngineState& state, const Event& e) {
  if (const auto* mark = std::get_if<SnapshotMarked>(&e.body)) {
    if (!CanEncodeStateFormat(mark->format))
      return Status::Corruption("a snapshot marked in state format " +
                                std::to_string(mark->format) + ", which this version cannot make");
    if (marked_.size() == kMarksKept) marked_.pop_front();
    encoded_.clear();
    if (!EncodesAsWritten(state, mark->format)) {
      marked_.push_back({state.last_seq(), mark->format, 0, false});
      return Status::OK();
    }
    EncodeState(state, &encoded_, mark->format);
    marked_.push_back({state.last_seq(), mark->format, EncodedStateDigest(encoded_), true});
    return Status::OK();
  }
  const auto* hashed = std::get_if<StateHashed>(&e.body);
  if (hashed == nullptr) return Status::OK();
  if (!CanEncodeStateFormat(hashed->format))
    return Status::Corruption("a state hash of state format " + std::to_string(hashed->format) +
                              ", which this version cannot make");
  if (hashed->state_seq == state.last_seq()) {
    if (!EncodesAsWritten(state, hashed->format)) {
      ++unchecked_;
      return Status::OK();
    }
    if (Status s = CheckStateHashed(state, *hashed, &encoded_); !s.ok()) return s;
  } else {
    auto it = marked_.begin();
    while (it != marked_.end() && it->seq != hashed->state_seq) ++it;
    if (it == marked_.end()) {
      ++unchecked_;
      return Status::OK();
    }
    const Marked mark = *it;
    marked_.erase(marked_.begin(), it + 1);  // a digest never comes back for an older mark
    if (mark.format != hashed->format)
      return Status::Corruption("a state hash of seq " + std::to_string(mark.seq) +
                                " in state format " + std::to_string(hashed->format) +
                                ", marked for format " + std::to_string(mark.format));
    if (!mark.reproducible) {
      ++unchecked_;
      return Status::OK();
    }
    if (mark.digest != hashed->digest) return StateDiffers(mark.seq, mark.digest, hashed->digest);
  }
  ++checked_;
  last_checked_ = hashed->state_seq;
  return Status::OK();
}

}  // namespace cm::engine
