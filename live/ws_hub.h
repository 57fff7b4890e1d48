#pragma once
// The WebSocket side of the gateway runs on its own threads and io_context, apart from the
// HTTP I/O threads: fanning a delta out to thousands of sockets must never queue a booking
// request behind it. Upgraded connections are moved onto the hub. With one hub thread (the
// default) the live feed and every session share that thread, so no strands are needed and the
// feed hands deltas to sessions by direct calls.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <thread>
#include <vector>

namespace cm::live {

class WsHub {
 public:
  explicit WsHub(int threads);
  ~WsHub();
  WsHub(const WsHub&) = delete;
  WsHub& operator=(const WsHub&) = delete;

  void Start();
  // Stops the threads; handlers not yet run are dropped with the io_context.
  void Stop();

  bool single_thread() const { return threads_ == 1; }
  // The executor the live feed serializes on: the hub itself with one thread, else a strand.
  boost::asio::any_io_executor FeedExecutor();
  // Moves an accepted connection onto the hub (its own strand when the hub has several threads).
  boost::asio::ip::tcp::socket Adopt(boost::asio::ip::tcp::socket socket);

 private:
  const int threads_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::vector<std::thread> runners_;
};

}  // namespace cm::live
