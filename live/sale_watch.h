#pragma once
// A sale as the admin console watches it. A socket authenticated as an admin sends
// {"type":"sale","concertId":N} and gets {"type":"sale",...} (views/sale_stats.h) at once, with
// the last ten minutes of per-second samples, then every second with the newest sample.
//
// One round a second samples every concert's counters (a few words each, under one read lock)
// and renders one message per watched concert; pushes happen outside the lock.
// Thread-safety: Watch from any thread; everything else runs on the strand.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include "live/live_feed.h"
#include "readmodel/queue_stats.h"
#include "readmodel/read_model.h"
#include "views/sale_stats.h"

namespace cm::live {

class SaleWatch {
 public:
  SaleWatch(boost::asio::io_context& io, const readmodel::ReadModel& reads,
            const readmodel::QueueStats& stats,
            std::chrono::milliseconds period = std::chrono::seconds(1),
            std::size_t history = 600);

  void Start();
  void Stop();
  void Watch(std::weak_ptr<LiveSubscriber> socket, engine::ConcertId concert);

 private:
  struct Watcher {
    std::weak_ptr<LiveSubscriber> socket;
    engine::ConcertId concert;
    bool primed = false;  // has had the history
  };

  void Round();  // strand
  // Renders and pushes each watcher's message (all when `only` is null); drops closed sockets.
  void Send(const Watcher* only, int64_t now_ms);  // strand

  const readmodel::ReadModel& reads_;
  const readmodel::QueueStats& stats_;
  const std::chrono::milliseconds period_;
  const std::size_t history_limit_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;                                                       // strand
  std::vector<Watcher> watchers_;                                              // strand
  std::unordered_map<engine::ConcertId, std::deque<views::SalePoint>> history_;  // strand
};

}  // namespace cm::live
