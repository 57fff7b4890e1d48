#include "gateway/reply_router.h"

#include <boost/asio/post.hpp>

namespace cm::gateway {

uint64_t ReplyRouter::Register(Continuation then) {
  const uint64_t token = next_.fetch_add(1, std::memory_order_relaxed);
  Shard& s = ShardOf(token);
  std::lock_guard lock(s.mu);
  s.waiting.emplace(token, std::move(then));
  return token;
}

void ReplyRouter::Cancel(uint64_t token) {
  Shard& s = ShardOf(token);
  std::lock_guard lock(s.mu);
  s.waiting.erase(token);
}

void ReplyRouter::Complete(uint64_t token, const engine::Event& e) {
  Continuation then;
  {
    Shard& s = ShardOf(token);
    std::lock_guard lock(s.mu);
    auto it = s.waiting.find(token);
    if (it == s.waiting.end()) return;  // a startup command of ours, or already failed
    then = std::move(it->second);
    s.waiting.erase(it);
  }
  boost::asio::post(io_, [then = std::move(then), e]() { then(&e); });
}

void ReplyRouter::FailAll() {
  for (Shard& s : shards_) {
    std::unordered_map<uint64_t, Continuation> waiting;
    {
      std::lock_guard lock(s.mu);
      waiting.swap(s.waiting);
    }
    for (auto& [token, then] : waiting)
      boost::asio::post(io_, [then = std::move(then)]() { then(nullptr); });
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

}  // namespace cm::gateway
