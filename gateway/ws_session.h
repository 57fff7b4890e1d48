#pragma once
// One WebSocket client at /ws. Client messages (JSON text):
//   {"type":"subscribe","concertId":4}                  snapshot, then deltas
//   {"type":"subscribe","concertId":4,"lastSeq":123}    resume: missed deltas or a snapshot
//   {"type":"unsubscribe","concertId":4}
//   {"type":"notifications","token":"<access JWT>"}      the caller's own notifications
// Server messages: {"type":"snapshot",...}, {"type":"delta",...}, {"type":"error",...}.
// The send queue is bounded: a client that falls behind by more than `max_queued` messages (or
// `max_queued_bytes`) is closed with code 4001 ("slow consumer") and may reconnect with its last seq. Idle connections
// are pinged (Beast's keep-alive pings) and closed when they stop answering.

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>
#include <memory>
#include <set>

#include "gateway/http_types.h"
#include "gateway/jwt.h"
#include "gateway/live_feed.h"
#include "gateway/notifier.h"

namespace cm::gateway {

inline constexpr uint16_t kCloseSlowConsumer = 4001;

struct WsOptions {
  std::size_t max_queued = 1024;               // messages
  std::size_t max_queued_bytes = 8 << 20;      // and bytes (snapshots are large)
  std::size_t max_message_bytes = 4096;
  std::size_t max_subscriptions = 16;
  std::chrono::seconds idle_timeout{30};
};

// What every session shares.
struct WsContext {
  LiveFeed& feed;
  Notifier& notifier;
  const JwtCodec& jwt;
  WsOptions options;
};

class WsSession : public LiveSubscriber, public std::enable_shared_from_this<WsSession> {
 public:
  static void Start(boost::beast::tcp_stream stream, Request upgrade, WsContext& context);

  void Push(std::shared_ptr<const std::string> message) override;

 private:
  WsSession(boost::beast::tcp_stream stream, WsContext& context);
  void SubscribeNotifications(std::string_view token);
  void Accept(Request upgrade);
  void Read();
  void OnMessage();
  void Send(std::shared_ptr<const std::string> message);  // on the strand
  void Write();
  void Error(std::string_view code, std::string_view detail);

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::asio::steady_timer cut_timer_;
  boost::beast::flat_buffer in_;
  WsContext& context_;
  LiveFeed& feed_;
  const WsOptions& options_;
  engine::UserId user_ = 0;  // set once notifications are authenticated
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  std::set<engine::ConcertId> subscriptions_;
};

}  // namespace cm::gateway
