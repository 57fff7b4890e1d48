#pragma once
// Reads the journal from a seq and decodes its records on a thread of its own, a block of
// events ahead of the thread that applies them: at a restart, reading RocksDB and decoding
// then overlap with applying instead of adding to it.
// Thread-safety: one consumer thread calls Next and Release; the reader is internal.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/event.h"
#include "engine/status.h"
#include "journal/journal_store.h"

namespace cm::journal {

class TailDecoder {
 public:
  struct Block {
    // Decoded events, in seq order, each with the first seq of the journal batch it came from
    // (errors name the batch). Only the first `count` are this block's; the rest are reused
    // storage, so decoding allocates nothing once the blocks have grown.
    std::vector<engine::Event> events;
    std::vector<Seq> batch_first;
    std::size_t count = 0;
    // The last block: nothing follows it. `error` is what stopped the reading after these
    // events, if anything did (a damaged record, a seq out of place, the store's own error).
    bool last = false;
    Status error;
    Seq journal_last = 0;  // the highest seq read (before `from` included), on the last block
  };

  // Starts reading at the batch holding `from`; events before `from` are checked and dropped.
  TailDecoder(JournalStore& journal, Seq from);
  // Stops the reader (after its current record) and waits for it.
  ~TailDecoder();
  TailDecoder(const TailDecoder&) = delete;
  TailDecoder& operator=(const TailDecoder&) = delete;

  // The next block, waiting for it; never null (the last one says so). Hand each back with
  // Release before asking for more than kBlocks.
  Block* Next();
  void Release(Block* block);

  static constexpr std::size_t kBlocks = 4;
  static constexpr std::size_t kBlockEvents = 1024;

 private:
  void Read(Seq from);
  // The reader's next empty block, waiting for one; null once stopped.
  Block* TakeEmpty();
  void Publish(Block* block);

  JournalStore& journal_;
  std::vector<Block> blocks_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Block*> empty_;
  std::deque<Block*> full_;
  bool stopping_ = false;
  std::thread reader_;
};

}  // namespace cm::journal
