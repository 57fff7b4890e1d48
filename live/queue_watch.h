#pragma once
// Waiting-room updates on the WebSocket. A socket that authenticated its notifications may
// watch its own place in a concert's queue ({"type":"queue","concertId":N}); it then gets
// {"type":"queue","ticket":{...}} (the same ticket as GET .../queue/me) when its status
// changes or its position crosses a bucket (exact near the front, coarser further back).
//
// Batched and coarse: one round a second looks at the watching sockets only (never at everyone
// waiting), under one read lock; admissions and ended places nudge the affected users at once,
// so nobody waits a second to learn they are in. A watching socket is a sign of life for the
// abandonment sweep (QueuePresence).
// Thread-safety: Watch and Collect from any thread; everything else runs on the strand.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "engine/event.h"
#include "live/live_feed.h"
#include "readmodel/queue_presence.h"
#include "readmodel/queue_stats.h"
#include "readmodel/read_model.h"

namespace cm::live {

using readmodel::QueuePresence;
using readmodel::QueueStats;

class QueueWatch {
 public:
  QueueWatch(boost::asio::io_context& io, const readmodel::ReadModel& reads,
             QueuePresence& presence, const QueueStats& stats,
             std::chrono::milliseconds period = std::chrono::seconds(1));

  void Start();
  void Stop();
  // `s` (authenticated as `user`) watches the user's place in `concert`; the current state is
  // sent at once.
  void Watch(std::weak_ptr<LiveSubscriber> s, engine::UserId user, engine::ConcertId concert);
  // Publisher thread: admissions and ended places are pushed without waiting for the round.
  void Collect(const engine::Event& e);
  void Flush();

  // Position buckets: exact up to 20, then by 10 up to 200, by 100 up to 2,000, then by 1,000.
  static uint64_t Bucket(uint64_t position);

 private:
  struct Watcher {
    std::weak_ptr<LiveSubscriber> socket;
    engine::ConcertId concert;
    uint64_t bucket = UINT64_MAX;
    int status = -1;  // TicketStatus, or -2 for "no ticket"
  };

  void Round();                                              // strand
  // Pushes what changed for `users` (all watchers when null); drops closed sockets.
  void Refresh(const std::vector<engine::UserId>* users, int64_t now_ms);  // strand

  const readmodel::ReadModel& reads_;
  QueuePresence& presence_;
  const QueueStats& stats_;
  const std::chrono::milliseconds period_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;                                                   // strand
  std::unordered_map<engine::UserId, std::vector<Watcher>> watchers_;      // strand
  std::vector<engine::UserId> pending_;                                    // publisher thread
};

}  // namespace cm::live
