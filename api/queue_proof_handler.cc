#include "api/queue_proof_handler.h"

#include <algorithm>

#include "api/replies.h"
#include "api/request_input.h"
#include "http/gzip.h"
#include "views/queue_proof.h"

namespace cm::api {

std::shared_ptr<QueueProofHandler::Built> QueueProofHandler::SlotFor(const Key& key) {
  std::lock_guard lock(mu_);
  std::shared_ptr<Built>& slot = built_[key];
  if (!slot) slot = std::make_shared<Built>();
  slot->used = ++uses_;
  if (built_.size() > kKeptProofs) {
    auto oldest = std::min_element(built_.begin(), built_.end(), [](const auto& a, const auto& b) {
      return a.second->used < b.second->used;
    });
    built_.erase(oldest);  // a request still building or sending it keeps its own reference
  }
  return slot;
}

void QueueProofHandler::GetProof(const ExPtr& ex, std::string_view id_text) {
  auto id = IdParam(ex, id_text, "concert");
  if (!id) return;
  int64_t asked;
  if (!QueryNumber(ex, "phase", -1, 0, engine::kMaxSalePhases - 1, &asked)) return;
  const int64_t now = ex->received_ms;  // whether the key is out yet
  struct Found {
    bool concert = false;
    uint32_t phase = 0;
    views::ProofReadiness readiness = views::ProofReadiness::kNoDraw;
    bool key_revealed = false;
  };
  const Found f = reads_.Read([&](const engine::EngineState& s) {
    Found out;
    const engine::Concert* c = s.FindConcert(*id);
    if (c == nullptr) return out;
    out.concert = true;
    out.phase = asked >= 0 ? static_cast<uint32_t>(asked) : c->phase;
    out.readiness = views::ProofReadinessOf(*c, out.phase);
    out.key_revealed = out.readiness == views::ProofReadiness::kReady &&
                       views::DrawKeyRevealed(*c, out.phase, now);
    return out;
  });
  if (!f.concert)
    return Fail(ex, 404, "UNKNOWN_CONCERT", "no concert with id " + std::to_string(*id));
  const std::string phase = std::to_string(f.phase);
  if (f.readiness == views::ProofReadiness::kNoDraw)
    return Fail(ex, 404, "NO_QUEUE_DRAW",
                "phase " + phase + " of this concert has no committed waiting-room draw");
  if (f.readiness == views::ProofReadiness::kNotOpened)
    return Fail(ex, 409, "QUEUE_PROOF_NOT_READY",
                "the waiting room of phase " + phase +
                    " has not opened yet; its commitments are on the concert (queueDraws)");
  const bool gzip = http::AcceptsGzip(ex->req[http::field::accept_encoding]);
  std::shared_ptr<const std::string> body;
  {
    const std::shared_ptr<Built> slot = SlotFor({*id, f.phase, f.key_revealed});
    std::lock_guard lock(slot->mu);
    if (!slot->plain) {
      // The copy holds the read lock (about 9 ms at a million entries); the HMACs do not.
      const views::QueueProofData data = reads_.Read([&](const engine::EngineState& s) {
        return views::CopyQueueProof(*s.FindConcert(*id), f.phase, f.key_revealed);
      });
      slot->plain = std::make_shared<const std::string>(views::QueueProofJson(data));
    }
    if (gzip && !slot->gzipped)
      slot->gzipped = std::make_shared<const std::string>(http::Gzip(*slot->plain));
    body = gzip ? slot->gzipped : slot->plain;
  }
  http::Response res{http::status::ok, ex->req.version()};
  res.set(http::field::content_type, "application/json");
  if (gzip) res.set(http::field::content_encoding, "gzip");
  res.set(http::field::vary, "Accept-Encoding");
  res.set(http::field::cache_control,
          f.key_revealed ? "public, max-age=3600" : "public, max-age=30");
  res.set(http::field::content_disposition,
          "inline; filename=\"queue-proof-" + std::to_string(*id) + "-" + phase + ".json\"");
  res.keep_alive(ex->req.keep_alive());
  res.body() = *body;
  res.prepare_payload();
  ex->responder->Send(std::move(res));
}

}  // namespace cm::api
