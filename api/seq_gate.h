#pragma once
// Read your writes across servers. Every response says which seq of the journal it reflects
// (the `CM-Seq` header: the read model's seq when it was sent). A client that sends
// `CM-Min-Seq: N` is served only once this server has applied seq N: on a read replica a
// request may wait here briefly for the replicated journal to arrive, and gets 503 with
// Retry-After if it does not arrive in time. So a user who has just held a seat on the leader
// never sees it free on a replica.
//
// Thread-safety: Wait from I/O threads; Advance from the durable fan-out's thread.

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "engine/types.h"

namespace cm::api {

class SeqGate {
 public:
  // `applied` reads the seq requests are served at (the read model's).
  SeqGate(boost::asio::io_context& io, std::function<engine::Seq()> applied);

  // Calls `go` once applied() >= seq (at once when it already is), or `late` after `wait`;
  // exactly one of them, on an I/O thread or the caller's.
  void Wait(engine::Seq seq, std::chrono::milliseconds wait, std::function<void()> go,
            std::function<void()> late);
  // The durable fan-out applied everything up to `seq`: its waiters go.
  void Advance(engine::Seq seq);
  std::size_t waiting() const;

 private:
  struct Waiter;
  void Release(const std::shared_ptr<Waiter>& w, bool in_time);

  boost::asio::io_context& io_;
  std::function<engine::Seq()> applied_;
  mutable std::mutex mu_;
  std::multimap<engine::Seq, std::shared_ptr<Waiter>> waiters_;
};

}  // namespace cm::api
