#pragma once
// A waiting room's opening proof, for anyone to download and check (views/queue_proof.h):
//   GET /api/concerts/{id}/queue/proof?phase=N   (N: the phase, by default the current one)
// A proof cannot change once the pool is drawn, except that the pseudonym key appears when the
// sale is over, so each is built once (an HMAC per entry: about a second and 70 MB at a million
// entries) and kept, gzip-compressed too for clients that accept it.
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
  struct Built {
    std::shared_ptr<const std::string> plain, gzipped;
  };
  // By (concert, phase, key revealed). One request builds a proof while the others wait for it.
  std::mutex mu_;
  std::map<std::tuple<engine::ConcertId, uint32_t, bool>, Built> built_;
};

}  // namespace cm::api
