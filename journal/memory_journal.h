#pragma once
// An in-memory journal for tests: batches in a map, with failure injection (the next append
// fails) and direct access to the stored bytes (to corrupt them on purpose).

#include <map>
#include <mutex>
#include <string>

#include "journal/journal_store.h"

namespace cm::journal {

class MemoryJournal final : public JournalStore {
 public:
  Status Append(Seq first, Seq last, std::string_view records) override;
  Status Sync() override { return Status::OK(); }
  Status Scan(Seq from,
              const std::function<bool(Seq, std::string_view)>& visit) override;
  std::string Describe(Seq first) const override;
  Status DropBefore(Seq first_kept) override;
  Status DropFrom(Seq first_dropped) override;

  // Appends fail with IOError from the `n`-th next append on (1 = the next one).
  void FailAppendsAfter(int n) { fail_after_ = n; }
  std::map<Seq, std::string>& batches() { return batches_; }

 private:
  std::mutex mu_;  // Scan may run beside the writer (see JournalStore)
  std::map<Seq, std::string> batches_;
  int fail_after_ = 0;
};

}  // namespace cm::journal
