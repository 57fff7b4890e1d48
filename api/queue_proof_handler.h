#pragma once
// A waiting room's opening proof, for anyone to download and check (views/queue_proof.h):
//   GET /api/concerts/{id}/queue/proof?phase=N   (N: the phase, by default the current one)
// A proof cannot change once the room has opened, except that the pseudonym key appears when
// the sale is over, so each is built once (an HMAC per entry: about a second and 70 MB at a
// million entries) and kept, gzip-compressed too for clients that accept it: the last
// kKeptProofs built. Each download still copies its body (Beast's string body).
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "api/request_context.h"

namespace cm::api {

class QueueProofHandler {
 public:
  explicit QueueProofHandler(RequestContext& ctx) : reads_(ctx.reads()) {}

  void GetProof(const ExPtr& ex, std::string_view concert_id);

 private:
  readmodel::ReadModel& reads_;
  static constexpr std::size_t kKeptProofs = 16;
  using Key = std::tuple<engine::ConcertId, uint32_t, bool>;  // concert, phase, key revealed
  // One proof: the first request builds it while the others for it wait on `mu`; requests for
  // other proofs do not.
  struct Built {
    std::mutex mu;
    std::shared_ptr<const std::string> plain, gzipped;
    uint64_t used = 0;  // when last asked for, to forget the longest unused
  };
  std::shared_ptr<Built> SlotFor(const Key& key);

  std::mutex mu_;  // guards built_ and uses_
  std::map<Key, std::shared_ptr<Built>> built_;
  uint64_t uses_ = 0;
};

}  // namespace cm::api
