#include "journal/tail_decoder.h"

#include <pthread.h>

#include <string>

#include "engine/codec/event_codec.h"

namespace cm::journal {

TailDecoder::TailDecoder(JournalStore& journal, Seq from) : journal_(journal), blocks_(kBlocks) {
  for (Block& b : blocks_) empty_.push_back(&b);
  reader_ = std::thread([this, from] {
    ::pthread_setname_np(::pthread_self(), "cm-tail-decode");
    Read(from);
  });
}

TailDecoder::~TailDecoder() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  reader_.join();
}

TailDecoder::Block* TailDecoder::Next() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return !full_.empty(); });
  Block* b = full_.front();
  full_.pop_front();
  return b;
}

void TailDecoder::Release(Block* block) {
  {
    std::lock_guard lock(mu_);
    empty_.push_back(block);
  }
  cv_.notify_all();
}

TailDecoder::Block* TailDecoder::TakeEmpty() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return stopping_ || !empty_.empty(); });
  if (stopping_) return nullptr;
  Block* b = empty_.front();
  empty_.pop_front();
  b->count = 0;
  b->last = false;
  b->error = Status::OK();
  b->journal_last = 0;
  return b;
}

void TailDecoder::Publish(Block* block) {
  {
    std::lock_guard lock(mu_);
    full_.push_back(block);
  }
  cv_.notify_all();
}

void TailDecoder::Read(Seq from) {
  Block* block = TakeEmpty();
  if (block == nullptr) return;
  Seq journal_last = 0;
  Status error;
  bool stopped = false;
  const Status scan = journal_.Scan(from, [&](Seq first, std::string_view records) {
    std::string_view in = records;
    Seq expected = first;
    while (!in.empty()) {
      if (block->count == kBlockEvents) {
        Publish(block);
        block = TakeEmpty();
        if (block == nullptr) {
          stopped = true;
          return false;
        }
      }
      if (block->events.size() < kBlockEvents) {  // the block's first use
        block->events.resize(kBlockEvents);
        block->batch_first.resize(kBlockEvents);
      }
      engine::Event& e = block->events[block->count];
      if (Status s = engine::DecodeEvent(&in, &e); !s.ok()) {
        error = Status::Corruption(journal_.Describe(first) + ": " + s.message());
        return false;
      }
      if (e.seq != expected) {
        error = Status::Corruption(journal_.Describe(first) + ": event seq " +
                                   std::to_string(e.seq) + " where seq " +
                                   std::to_string(expected) + " belongs");
        return false;
      }
      ++expected;
      journal_last = e.seq;
      if (e.seq < from) continue;  // before the snapshot: checked, not handed on
      block->batch_first[block->count++] = first;
    }
    return true;
  });
  if (stopped) return;
  block->last = true;
  block->error = !scan.ok() ? scan : error;
  block->journal_last = journal_last;
  Publish(block);
}

}  // namespace cm::journal
