#pragma once
// Routes durable events back to the requests that caused them. A request registers a
// continuation under a fresh token and puts the token on its command; when the publisher sees
// the command's answering event (durable), the continuation is posted to the I/O threads,
// where the response is built. The publisher thread never serializes anything.

#include <array>
#include <atomic>
#include <functional>
#include <mutex>
#include <unordered_map>

#include <boost/asio/io_context.hpp>

#include "engine/event.h"

namespace cm::gateway {

class ReplyRouter {
 public:
  using Continuation = std::function<void(const engine::Event*)>;  // null: never answered

  explicit ReplyRouter(boost::asio::io_context& io) : io_(io) {}

  uint64_t Register(Continuation then);
  // The command could not be published: forget it without calling it.
  void Cancel(uint64_t token);
  // Publisher thread: the answering event of `token` is durable.
  void Complete(uint64_t token, const engine::Event& e);
  // The engine halted: every waiting request gets its continuation with null.
  void FailAll();
  std::size_t pending() const;

 private:
  static constexpr std::size_t kShards = 16;
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<uint64_t, Continuation> waiting;
  };
  Shard& ShardOf(uint64_t token) { return shards_[token % kShards]; }

  boost::asio::io_context& io_;
  std::atomic<uint64_t> next_{1};
  std::array<Shard, kShards> shards_;
};

}  // namespace cm::gateway
