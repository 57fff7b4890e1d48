#pragma once
// One WebSocket client at /ws. Client messages (JSON text):
//   {"type":"subscribe","concertId":4}                  snapshot, then deltas
//   {"type":"subscribe","concertId":4,"lastSeq":123}    resume: missed deltas or a snapshot
//   {"type":"unsubscribe","concertId":4}
//   {"type":"notifications","token":"<access JWT>"}      the caller's own notifications
//   {"type":"queue","concertId":4}                       the caller's waiting-room place (after
//                                                        notifications): see QueueWatch
//   {"type":"sale","concertId":4}                        an admin's live view of the sale
//                                                        (after notifications): see SaleWatch
// Server messages: {"type":"snapshot",...}, {"type":"delta",...}, {"type":"notification",...},
// {"type":"queue",...}, {"type":"sale",...}, {"type":"error",...}. A frame holds one message, or
// a JSON array of messages in order when the connection had a backlog (deltas are pulled from the
// shared history when the previous write finishes, so a busy connection gets fewer, larger frames
// instead of falling behind). Bounds: a client whose deltas fall out of the history
// (`--ws-history` deltas behind), or whose own queue passes `max_queued` messages or
// `max_queued_bytes`, is closed with code 4001 ("slow consumer") and may reconnect with its last
// seq. Idle connections are pinged (Beast's keep-alive pings) and closed when they stop
// answering. While anything of ours waits, in a write under way or in the kernel's send queue,
// the peer must acknowledge some of it in every `write_timeout`, or the connection is cut
// whatever its pings do: a client that answers pings but never reads would otherwise hold its
// socket, and the kernel memory under it, for good. The kernel's queue counts too because a write
// returns as soon as the kernel took the bytes; with autotuned buffers it takes megabytes, so
// nothing would ever block. The send buffer is bounded by default (`send_buffer_bytes`) for the
// same reason. What is pushed for the authenticated user (notifications, a place in line, a sale)
// stops with SESSION_ENDED once the token's login session has ended.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>
#include <memory>
#include <map>
#include <optional>
#include <vector>

#include "auth/jwt.h"
#include "http/http_types.h"
#include "live/live_feed.h"
#include "live/notifier.h"
#include "live/queue_watch.h"
#include "live/sale_watch.h"
#include "readmodel/read_model.h"

namespace cm::live {

using auth::JwtCodec;
using http::Request;

inline constexpr uint16_t kCloseSlowConsumer = 4001;

struct WsOptions {
  std::size_t max_queued = 1024;               // messages
  std::size_t max_queued_bytes = 8 << 20;      // and bytes (snapshots are large)
  std::size_t max_message_bytes = 4096;
  std::size_t max_subscriptions = 16;
  std::chrono::milliseconds idle_timeout{30'000};  // ping at half of it, close at all of it
  // SO_SNDBUF (the kernel doubles it for its bookkeeping); 0 leaves the kernel's autotuning,
  // which lets one stalled client pin up to net.ipv4.tcp_wmem's maximum (4 MiB here).
  int send_buffer_bytes = 64 << 10;
  std::chrono::milliseconds write_timeout{15'000};
};

// What every session shares.
struct WsContext {
  LiveFeed& feed;
  Notifier& notifier;
  const JwtCodec& jwt;
  WsOptions options;
  // The feed and every session run on one thread: the feed may call into sessions directly.
  bool single_thread = false;
  QueueWatch* queue_watch = nullptr;  // null: no waiting-room updates
  SaleWatch* sale_watch = nullptr;    // null: no live sale for the admin console
  // Who a token's user is now, as over HTTP: authority comes from the engine's records, never
  // from the token's claims. Null refuses every token.
  const readmodel::ReadModel* reads = nullptr;
};

class WsSession : public LiveSubscriber, public std::enable_shared_from_this<WsSession> {
 public:
  // `slot` is the connection's place under the server's caps, held until the socket closes.
  static void Start(boost::asio::ip::tcp::socket socket, Request upgrade, WsContext& context,
                    std::shared_ptr<void> slot = nullptr);

  void Push(SharedMessage message) override;
  void Activate(std::shared_ptr<LiveSubscription> subscription, SharedMessage first) override;
  void Reject(std::shared_ptr<LiveSubscription> subscription, SharedMessage error) override;
  void Wake() override;
  void Overflow(engine::ConcertId concert) override;

 private:
  WsSession(boost::asio::ip::tcp::socket socket, WsContext& context);
  void SubscribeNotifications(std::string_view token);
  // The user's role as the read model has it now; nullopt when there is no such user, or the
  // session of the token that authenticated this connection has ended.
  std::optional<engine::Role> RoleOnRecord(engine::UserId user) const;
  void Accept(Request upgrade);
  void Read();
  void OnMessage();
  void Send(SharedMessage message);  // on the strand
  // Writes everything waiting (queued messages, then deltas) as one frame, unless a write is
  // already under way. On the strand.
  void Drain();
  void CloseSlowConsumer();
  void Cut();  // closes the TCP connection at once
  // Starts watching the peer's acknowledgements, unless already watching.
  void WatchSendProgress();
  void CheckSendProgress();
  void Error(std::string_view code, std::string_view detail);

  // A plain socket underneath: the WebSocket keeps its own timeouts, and Beast's tcp_stream
  // would add a layer of operation state to each of the fan-out's many small writes.
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  boost::asio::steady_timer cut_timer_;
  boost::asio::steady_timer write_timer_;  // armed while anything of ours waits to be read
  bool watching_ = false;
  std::optional<uint64_t> last_acked_;
  std::chrono::steady_clock::time_point last_progress_;  // when the peer last acknowledged
  std::shared_ptr<void> slot_;
  boost::beast::flat_buffer in_;
  WsContext& context_;
  LiveFeed& feed_;
  const WsOptions& options_;
  engine::UserId user_ = 0;  // set once notifications are authenticated
  engine::SessionId sid_ = 0;  // the session of the token that authenticated them
  bool personal_ended_ = false;  // that session ended: nothing of the user's is sent any more
  std::deque<SharedMessage> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  // Set from the feed's strand; cleared on ours just before looking for deltas, so a wake that
  // comes in meanwhile is never lost, and wakes while a write is under way cost one atomic.
  std::atomic<bool> wake_posted_{false};
  struct Subscribed {
    std::shared_ptr<LiveSubscription> subscription;
    bool active = false;  // its snapshot is queued: deltas may follow
  };
  std::map<engine::ConcertId, Subscribed> subscriptions_;
  std::vector<SharedMessage> frame_;  // the messages of the frame being written
  std::vector<boost::asio::const_buffer> frame_buffers_;
};

}  // namespace cm::live
