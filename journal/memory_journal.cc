#include "journal/memory_journal.h"

namespace cm::journal {

Status MemoryJournal::Append(Seq first, Seq, std::string_view records) {
  std::lock_guard lock(mu_);
  if (fail_after_ > 0 && --fail_after_ == 0) {
    fail_after_ = 1;  // stays broken, like a full or failed disk
    return Status::IOError("injected write failure");
  }
  batches_.emplace(first, std::string(records));
  return Status::OK();
}

Status MemoryJournal::Scan(Seq from, const std::function<bool(Seq, std::string_view)>& visit) {
  std::lock_guard lock(mu_);
  auto it = batches_.upper_bound(from);
  if (it != batches_.begin()) --it;
  for (; it != batches_.end(); ++it)
    if (!visit(it->first, it->second)) break;
  return Status::OK();
}

std::string MemoryJournal::Describe(Seq first) const {
  return "memory journal (batch " + std::to_string(first) + ")";
}

Status MemoryJournal::DropBefore(Seq first_kept) {
  std::lock_guard lock(mu_);
  batches_.erase(batches_.begin(), batches_.lower_bound(first_kept));
  return Status::OK();
}

Status MemoryJournal::DropFrom(Seq first_dropped) {
  std::lock_guard lock(mu_);
  batches_.erase(batches_.lower_bound(first_dropped), batches_.end());
  return Status::OK();
}

}  // namespace cm::journal
