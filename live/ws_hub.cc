#include "live/ws_hub.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

namespace cm::live {

namespace net = boost::asio;
using tcp = net::ip::tcp;

WsHub::WsHub(int threads)
    : threads_(std::max(1, threads)), io_(threads_), work_(net::make_work_guard(io_)) {}

WsHub::~WsHub() { Stop(); }

void WsHub::Start() {
  for (int i = 0; i < threads_; ++i) runners_.emplace_back([this] { io_.run(); });
}

void WsHub::Stop() {
  work_.reset();
  io_.stop();
  for (auto& t : runners_) t.join();
  runners_.clear();
}

net::any_io_executor WsHub::FeedExecutor() {
  if (single_thread()) return io_.get_executor();
  return net::make_strand(io_);
}

tcp::socket WsHub::Adopt(tcp::socket from) {
  boost::system::error_code ec;
  const tcp::endpoint local = from.local_endpoint(ec);
  const auto protocol = local.protocol();
  const auto handle = ec ? -1 : from.release(ec);
  tcp::socket moved = single_thread() ? tcp::socket(io_.get_executor())
                                      : tcp::socket(net::make_strand(io_));
  // A connection that cannot be moved (already gone) becomes an unopened stream: the
  // WebSocket handshake on it fails and the session ends.
  if (!ec) moved.assign(protocol, handle, ec);
  return moved;
}

}  // namespace cm::live
