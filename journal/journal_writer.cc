#include "journal/journal_writer.h"

#include <chrono>

#include "engine/codec/event_codec.h"

namespace cm::journal {

void JournalWriter::Add(const engine::Event& e) {
  engine::EncodeEvent(e, &buffer_);
  ++pending_;
}

Status JournalWriter::Commit(int64_t* written_ns) {
  if (halted()) return Status::Halted(reason_);
  if (pending_ == 0) return Status::OK();
  const Seq last = next_seq_ + pending_ - 1;
  Status s = store_.Append(next_seq_, last, buffer_);
  if (written_ns != nullptr)
    *written_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count();
  if (s.ok()) s = store_.Sync();
  if (!s.ok()) {
    reason_ = "journal write of events " + std::to_string(next_seq_) + ".." +
              std::to_string(last) + " failed: " + s.ToString();
    halted_.store(true, std::memory_order_release);
    return Status::Halted(reason_);
  }
  next_seq_ = last + 1;
  pending_ = 0;
  buffer_.clear();
  return Status::OK();
}

}  // namespace cm::journal
