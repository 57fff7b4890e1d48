#include "api/reply_router.h"

namespace cm::api {

uint64_t ReplyRouter::Register(std::shared_ptr<Responder> where, Continuation then) {
  const uint64_t token = next_.fetch_add(1, std::memory_order_relaxed);
  Shard& s = ShardOf(token);
  std::lock_guard lock(s.mu);
  s.waiting.emplace(token, Waiting{std::move(where), std::move(then)});
  return token;
}

void ReplyRouter::Cancel(uint64_t token) {
  Shard& s = ShardOf(token);
  std::lock_guard lock(s.mu);
  s.waiting.erase(token);
}

void ReplyRouter::Complete(uint64_t token, const engine::Event& e) {
  Waiting w;
  {
    Shard& s = ShardOf(token);
    std::lock_guard lock(s.mu);
    auto it = s.waiting.find(token);
    if (it == s.waiting.end()) return;  // a startup command of ours, or already failed
    w = std::move(it->second);
    s.waiting.erase(it);
  }
  w.where->Run([then = std::move(w.then), e]() { then(&e); });
}

void ReplyRouter::FailAll() {
  for (Shard& s : shards_) {
    std::unordered_map<uint64_t, Waiting> waiting;
    {
      std::lock_guard lock(s.mu);
      waiting.swap(s.waiting);
    }
    for (auto& [token, w] : waiting) w.where->Run([then = std::move(w.then)]() { then(nullptr); });
  }
}

std::size_t ReplyRouter::pending() const {
  std::size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.waiting.size();
  }
  return n;
}

}  // namespace cm::api
