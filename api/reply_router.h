#pragma once
// Routes durable events back to the requests that caused them. A request registers a
// continuation under a fresh token and puts the token on its command; when the publisher sees
// the command's answering event (durable), the continuation runs on the request's own
// connection (Responder::Run), where the response is built and written in the same turn.
// The publisher thread never serializes anything.

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "engine/event.h"
#include "http/http_types.h"

namespace cm::api {

using http::Responder;

class ReplyRouter {
 public:
  using Continuation = std::function<void(const engine::Event*)>;  // null: never answered

  // `where` runs the continuation: the responder of the request that waits.
  uint64_t Register(std::shared_ptr<Responder> where, Continuation then);
  // The command could not be published: forget it without calling it.
  void Cancel(uint64_t token);
  // Publisher thread: the answering event of `token` is durable.
  void Complete(uint64_t token, const engine::Event& e);
  // The engine halted: every waiting request gets its continuation with null.
  void FailAll();
  std::size_t pending() const;

 private:
  static constexpr std::size_t kShards = 16;
  struct Waiting {
    std::shared_ptr<Responder> where;
    Continuation then;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<uint64_t, Waiting> waiting;
  };
  Shard& ShardOf(uint64_t token) { return shards_[token % kShards]; }

  std::atomic<uint64_t> next_{1};
  std::array<Shard, kShards> shards_;
};

}  // namespace cm::api
