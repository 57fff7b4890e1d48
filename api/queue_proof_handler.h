#pragma once
// A waiting room's opening proof, for anyone to download and check (views/queue_proof.h):
//   GET /api/concerts/{id}/queue/proof?phase=N   (N: the phase, by default the current one)
// A proof cannot change once the room has opened, except that the pseudonym key appears when
// the sale is over, so each is built once and kept (the last kKeptProofs asked for), gzip-
// compressed too for clients that accept it. A small one (up to `inline_entries`) is built in the
// request; a big one (an HMAC per entry: about a second and 70 MB at a million) on the
// handler's own thread, never an I/O thread's, while requests are told 503 QUEUE_PROOF_BUILDING
// with Retry-After. Each download still copies its body (Beast's string body).
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>

#include "api/request_context.h"

namespace cm::api {

class QueueProofHandler {
 public:
  // `inline_entries`: ApiOptions::queue_proof_inline_entries.
  QueueProofHandler(RequestContext& ctx, uint64_t inline_entries);
  ~QueueProofHandler();
  QueueProofHandler(const QueueProofHandler&) = delete;
  QueueProofHandler& operator=(const QueueProofHandler&) = delete;

  void GetProof(const ExPtr& ex, std::string_view concert_id);

 private:
  static constexpr std::size_t kKeptProofs = 16;
  using Key = std::tuple<engine::ConcertId, uint32_t, bool>;  // concert, phase, key revealed
  struct Built {
    std::shared_ptr<const std::string> plain, gzipped;
    bool building = false;
    uint64_t used = 0;  // when last asked for, to forget the longest unused
  };
  // The proof's bytes (gzip-compressed when asked), built now when small; null while a big one
  // is being built (queued here if nobody has asked for it yet).
  std::shared_ptr<const std::string> Find(const Key& key, uint64_t entries, bool gzip);
  void Build(const Key& key);  // fills the slot (any thread)
  void BuildLoop();

  readmodel::ReadModel& reads_;
  const uint64_t inline_entries_;
  std::mutex mu_;  // guards everything below
  std::condition_variable wake_;
  std::map<Key, Built> built_;
  uint64_t uses_ = 0;
  std::deque<Key> to_build_;
  bool stop_ = false;
  std::thread builder_;
};

}  // namespace cm::api
