#include "api/queue_proof_handler.h"

#include <algorithm>

#include "api/replies.h"
#include "api/request_input.h"
#include "http/gzip.h"
#include "views/queue_proof.h"

namespace cm::api {

QueueProofHandler::QueueProofHandler(RequestContext& ctx, uint64_t inline_entries)
    : reads_(ctx.reads()), inline_entries_(inline_entries), builder_([this] { BuildLoop(); }) {}

QueueProofHandler::~QueueProofHandler() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  builder_.join();
}

void QueueProofHandler::BuildLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || !to_build_.empty(); });
    if (stop_) return;
    const Key key = to_build_.front();
    to_build_.pop_front();
    lock.unlock();
    Build(key);
    lock.lock();
  }
}

void QueueProofHandler::Build(const Key& key) {
  // Named one by one: clang before 16 lets no lambda capture a structured binding.
  const engine::ConcertId concert = std::get<0>(key);
  const uint32_t phase = std::get<1>(key);
  const bool key_revealed = std::get<2>(key);
  // The copy holds the read lock (about 9 ms at a million entries); the HMACs do not.
  const views::QueueProofData data = reads_.Read([&](const engine::EngineState& s) {
    return views::CopyQueueProof(*s.FindConcert(concert), phase, key_revealed);
  });
  auto plain = std::make_shared<const std::string>(views::QueueProofJson(data));
  auto gzipped = std::make_shared<const std::string>(http::Gzip(*plain));
  std::lock_guard lock(mu_);
  Built& slot = built_[key];
  slot.plain = std::move(plain);
  slot.gzipped = std::move(gzipped);
  slot.building = false;
}

std::shared_ptr<const std::string> QueueProofHandler::Find(const Key& key, uint64_t entries,
                                                           bool gzip) {
  {
    std::lock_guard lock(mu_);
    Built& slot = built_[key];
    slot.used = ++uses_;
    if (slot.plain) return gzip ? slot.gzipped : slot.plain;
    if (built_.size() > kKeptProofs) {  // forget the longest unused, unless still building
      auto oldest = built_.end();
      for (auto it = built_.begin(); it != built_.end(); ++it)
        if (!it->second.building && it->first != key &&
            (oldest == built_.end() || it->second.used < oldest->second.used))
          oldest = it;
      if (oldest != built_.end()) built_.erase(oldest);
    }
    if (slot.building) return nullptr;
    slot.building = true;
    if (entries > inline_entries_) {
      to_build_.push_back(key);
      wake_.notify_one();
      return nullptr;
    }
  }
  Build(key);
  std::lock_guard lock(mu_);
  const Built& slot = built_[key];
  return gzip ? slot.gzipped : slot.plain;
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
    uint64_t entries = 0;
  };
  const Found f = reads_.Read([&](const engine::EngineState& s) {
    Found out;
    const engine::Concert* c = s.FindConcert(*id);
    if (c == nullptr) return out;
    out.concert = true;
    out.phase = asked >= 0 ? static_cast<uint32_t>(asked) : c->phase;
    out.readiness = views::ProofReadinessOf(*c, out.phase);
    if (out.readiness == views::ProofReadiness::kReady) {
      out.key_revealed = views::DrawKeyRevealed(*c, out.phase, now);
      out.entries = c->draws[out.phase].entries;
    }
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
  const std::shared_ptr<const std::string> body = Find({*id, f.phase, f.key_revealed}, f.entries,
                                                       gzip);
  if (!body)
    return TryLater(ex, 503, "QUEUE_PROOF_BUILDING",
                    "the proof of " + std::to_string(f.entries) +
                        " entries is being built; ask again shortly",
                    5);
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
