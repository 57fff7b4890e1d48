#include "live/ws_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>

#include "http/json_input.h"
#include "http/tcp_progress.h"
#include "json/json_writer.h"

namespace cm::live {

using auth::JwtError;

using http::FieldReader;
using http::InputError;
using http::ParseObject;
using http::BytesAcked;
using http::BytesQueued;

using json::JsonWriter;

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

WsSession::WsSession(net::ip::tcp::socket socket, WsContext& context)
    : ws_(std::move(socket)),
      cut_timer_(ws_.get_executor()),
      write_timer_(ws_.get_executor()),
      context_(context),
      feed_(context.feed),
      options_(context.options) {}

void WsSession::Start(net::ip::tcp::socket socket, Request upgrade, WsContext& context,
                      std::shared_ptr<void> slot) {
  std::shared_ptr<WsSession> s(new WsSession(std::move(socket), context));
  s->slot_ = std::move(slot);
  s->Accept(std::move(upgrade));
}

void WsSession::Accept(Request upgrade) {
  if (options_.send_buffer_bytes > 0) {
    beast::error_code ignored;  // a refused size leaves the kernel's default
    ws_.next_layer().set_option(
        net::socket_base::send_buffer_size(options_.send_buffer_bytes), ignored);
  }
  websocket::stream_base::timeout t = websocket::stream_base::timeout::suggested(beast::role_type::server);
  t.idle_timeout = options_.idle_timeout;
  t.keep_alive_pings = true;
  ws_.set_option(t);
  ws_.read_message_max(options_.max_message_bytes);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "concertmania"); }));
  ws_.async_accept(upgrade, [self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->Read();
  });
}

void WsSession::Read() {
  ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return;  // closed, timed out, or too large: the session ends
    self->OnMessage();
    self->in_.consume(self->in_.size());
    self->Read();
  });
}

void WsSession::Error(std::string_view code, std::string_view detail) {
  JsonWriter w;
  w.BeginObject().Field("type", "error").Field("code", code).Field("detail", detail).EndObject();
  Send(std::make_shared<const std::string>(w.Take()));
}

void WsSession::OnMessage() {
  const std::string text = beast::buffers_to_string(in_.data());
  InputError err;
  auto obj = ParseObject(text, &err);
  if (!obj) return Error(err.code, err.detail);
  FieldReader f(*obj);
  std::string type;
  if (!f.String("type", &type, 1, 32)) return Error("VALIDATION_FAILED", f.error().detail);
  if (type == "notifications") {
    std::string token;
    if (!f.String("token", &token, 1, 4096))
      return Error("MISSING_TOKEN", "notifications need an access token: " + f.error().detail);
    return SubscribeNotifications(token);
  }
  int64_t concert = 0;
  if (!f.Int("concertId", &concert, 1, INT64_MAX))
    return Error("VALIDATION_FAILED", f.error().detail);
  const auto id = static_cast<engine::ConcertId>(concert);
  if (type == "subscribe") {
    int64_t last = -1;
    if (!f.OptionalInt("lastSeq", &last, 0, INT64_MAX))
      return Error("VALIDATION_FAILED", f.error().detail);
    // "seats": "letters" asks for the snapshot as one status letter per seat.
    std::string form = "map";
    if (f.Has("seats") && !f.String("seats", &form, 1, 16))
      return Error("VALIDATION_FAILED", f.error().detail);
    if (form != "map" && form != "letters")
      return Error("VALIDATION_FAILED", "seats: must be map or letters");
    auto existing = subscriptions_.find(id);
    if (existing == subscriptions_.end() && subscriptions_.size() >= options_.max_subscriptions)
      return Error("TOO_MANY_SUBSCRIPTIONS", "at most 16 concerts per connection");
    // Subscribing again starts over: the old subscription stops taking deltas.
    if (existing != subscriptions_.end()) feed_.Unsubscribe(existing->second.subscription);
    std::optional<engine::Seq> last_seq;
    if (last >= 0) last_seq = static_cast<engine::Seq>(last);
    subscriptions_[id] = {feed_.Subscribe(weak_from_this(), id, last_seq, form == "letters"), false};
  } else if (type == "queue") {
    if (user_ == 0)
      return Error("NOT_AUTHENTICATED",
                   "send {\"type\":\"notifications\",\"token\":...} before watching a queue");
    if (context_.queue_watch == nullptr)
      return Error("UNAVAILABLE", "waiting-room updates are not served here; poll instead");
    context_.queue_watch->Watch(weak_from_this(), user_, id);
  } else if (type == "sale") {
    if (user_ == 0)
      return Error("NOT_AUTHENTICATED",
                   "send {\"type\":\"notifications\",\"token\":...} before watching a sale");
    if (RoleOnRecord(user_) != engine::Role::kAdmin)
      return Error("FORBIDDEN", "only an admin watches a sale live");
    if (context_.sale_watch == nullptr)
      return Error("UNAVAILABLE", "the live sale is not served here; use the report instead");
    context_.sale_watch->Watch(weak_from_this(), id);
  } else if (type == "unsubscribe") {
    auto it = subscriptions_.find(id);
    if (it == subscriptions_.end()) return;
    feed_.Unsubscribe(it->second.subscription);
    subscriptions_.erase(it);
  } else {
    Error("VALIDATION_FAILED",
          "type: must be subscribe, unsubscribe, notifications, queue or sale");
  }
}

std::optional<engine::Role> WsSession::RoleOnRecord(engine::UserId user) const {
  if (context_.reads == nullptr) return std::nullopt;
  const auto authority = context_.reads->AuthorityOf(user, sid_);
  if (authority.session_ended) return std::nullopt;
  return authority.role;
}

void WsSession::SubscribeNotifications(std::string_view token) {
  const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  const auto v = context_.jwt.Verify(token, now_s);
  if (!v.claims) {
    const char* code = v.error == JwtError::kExpired ? "TOKEN_EXPIRED" : "INVALID_TOKEN";
    return Error(code, std::string("notifications refused: ") + std::string(ToString(v.error)));
  }
  if (user_ != 0 && user_ != v.claims->sub)
    return Error("FORBIDDEN", "this connection already receives another user's notifications");
  // The same answers as HTTP's for a token whose user is not on record, or whose session
  // ended (api/request_context).
  if (context_.reads == nullptr) return Error("UNKNOWN_USER", "the token's user does not exist");
  const auto authority = context_.reads->AuthorityOf(v.claims->sub, v.claims->sid);
  if (!authority.role) return Error("UNKNOWN_USER", "the token's user does not exist");
  if (authority.session_ended)
    return Error("SESSION_ENDED", "the token's session ended (logged out or revoked)");
  // The newest token's session is the one that must stand (a fresh login resumes the stream).
  sid_ = v.claims->sid;
  personal_ended_ = false;
  if (user_ == 0) {
    user_ = v.claims->sub;
    context_.notifier.Subscribe(weak_from_this(), user_);
  }
  JsonWriter w;
  w.BeginObject().Field("type", "subscribed").Field("channel", "notifications")
      .Field("userId", user_).EndObject();
  Send(std::make_shared<const std::string>(w.Take()));
}

void WsSession::Push(SharedMessage message) {
  net::post(ws_.get_executor(), [self = shared_from_this(), message = std::move(message)]() mutable {
    // Everything pushed is the authenticated user's own (notifications, a place in line, an
    // admin's sale): none of it once the token's session has ended (logout, revocation).
    if (self->personal_ended_) return;
    if (self->sid_ != 0 && self->context_.reads != nullptr &&
        self->context_.reads->AuthorityOf(self->user_, self->sid_).session_ended) {
      self->personal_ended_ = true;
      return self->Error("SESSION_ENDED",
                         "the token's session ended: log in again and subscribe anew");
    }
    self->Send(std::move(message));
  });
}

void WsSession::Activate(std::shared_ptr<LiveSubscription> subscription, SharedMessage first) {
  net::post(ws_.get_executor(), [self = shared_from_this(), subscription = std::move(subscription),
                                 first = std::move(first)]() mutable {
    auto it = self->subscriptions_.find(subscription->concert);
    if (it == self->subscriptions_.end() || it->second.subscription != subscription) return;  // replaced
    if (first) self->Send(std::move(first));
    it->second.active = true;
    self->Drain();
  });
}

void WsSession::Reject(std::shared_ptr<LiveSubscription> subscription, SharedMessage error) {
  net::post(ws_.get_executor(), [self = shared_from_this(), subscription = std::move(subscription),
                                 error = std::move(error)]() mutable {
    auto it = self->subscriptions_.find(subscription->concert);
    if (it != self->subscriptions_.end() && it->second.subscription == subscription)
      self->subscriptions_.erase(it);
    self->Send(std::move(error));
  });
}

void WsSession::Wake() {
  if (context_.single_thread) {  // we are on the session's thread already
    if (!writing_) Drain();      // else the write's completion drains
    return;
  }
  if (wake_posted_.exchange(true)) return;  // a drain is coming, or a write that will drain
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    if (self->writing_) return;  // the write's completion drains; the flag stays set until then
    self->Drain();
  });
}

void WsSession::Overflow(engine::ConcertId) {
  net::post(ws_.get_executor(), [self = shared_from_this()] { self->CloseSlowConsumer(); });
}

void WsSession::CloseSlowConsumer() {
  if (closing_) return;
  closing_ = true;
  ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(kCloseSlowConsumer),
                                          "slow consumer: resubscribe with lastSeq"),
                  [self = shared_from_this()](beast::error_code) {});
  // A client that reads nothing cannot even take the close frame: cut the TCP connection
  // if the close has not finished shortly.
  cut_timer_.expires_after(std::chrono::seconds(2));
  cut_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->Cut();
  });
}

// While a write is under way or the kernel still holds our bytes, the peer must acknowledge
// some of them in every period of write_timeout; a peer whose acknowledgements stopped (it does
// not read) is cut. Checked four times a period, so a cut comes at most a quarter late. Where
// the kernel cannot tell, a write must finish within the period.
void WsSession::WatchSendProgress() {
  if (watching_ || closing_) return;
  watching_ = true;
  last_acked_ = BytesAcked(ws_.next_layer().native_handle());
  last_progress_ = std::chrono::steady_clock::now();
  CheckSendProgress();
}

void WsSession::CheckSendProgress() {
  write_timer_.expires_after(std::max<std::chrono::milliseconds>(
      options_.write_timeout / 4, std::chrono::milliseconds(25)));
  write_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->closing_) {
      self->watching_ = false;
      return;
    }
    const int fd = self->ws_.next_layer().native_handle();
    const auto acked = BytesAcked(fd);
    const auto queued = BytesQueued(fd);
    const auto now = std::chrono::steady_clock::now();
    if (acked && self->last_acked_ && *acked != *self->last_acked_) self->last_progress_ = now;
    self->last_acked_ = acked;
    const bool waiting = self->writing_ || (queued && *queued > 0);
    if (!waiting) {
      self->watching_ = false;  // all of it was read: the next write watches again
      return;
    }
    if (now - self->last_progress_ >= self->options_.write_timeout) return self->Cut();
    self->CheckSendProgress();
  });
}

void WsSession::Cut() {
  closing_ = true;
  beast::error_code ignored;
  // An abortive close (RST): the kernel drops what the peer never read at once, instead of
  // keeping it in an orphaned socket that retries for minutes.
  ws_.next_layer().set_option(net::socket_base::linger(true, 0), ignored);
  ws_.next_layer().shutdown(net::socket_base::shutdown_both, ignored);
  ws_.next_layer().close(ignored);
}

void WsSession::Send(SharedMessage message) {
  if (closing_) return;
  if (!queue_.empty() && (queue_.size() >= options_.max_queued ||
                          queued_bytes_ + message->size() > options_.max_queued_bytes)) {
    // Fell behind: close rather than buffer without bound or slow anyone else down.
    return CloseSlowConsumer();
  }
  queued_bytes_ += message->size();
  queue_.push_back(std::move(message));
  Drain();
}

void WsSession::Drain() {
  if (writing_ || closing_) return;
  wake_posted_.store(false);
  frame_.clear();
  for (auto& m : queue_) frame_.push_back(std::move(m));
  queue_.clear();
  queued_bytes_ = 0;
  for (auto& [concert, s] : subscriptions_)
    if (s.active && !LiveFeed::Take(*s.subscription, frame_)) return CloseSlowConsumer();
  if (frame_.empty()) return;
  frame_buffers_.clear();
  if (frame_.size() == 1) {
    frame_buffers_.push_back(net::buffer(*frame_.front()));
  } else {
    static constexpr char kOpen = '[', kComma = ',', kClose = ']';
    frame_buffers_.push_back(net::buffer(&kOpen, 1));
    for (std::size_t i = 0; i < frame_.size(); ++i) {
      if (i > 0) frame_buffers_.push_back(net::buffer(&kComma, 1));
      frame_buffers_.push_back(net::buffer(*frame_[i]));
    }
    frame_buffers_.push_back(net::buffer(&kClose, 1));
  }
  writing_ = true;
  WatchSendProgress();
  ws_.text(true);
  ws_.async_write(frame_buffers_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->writing_ = false;  // the watch goes on while the kernel holds what we wrote
    // Where the kernel cannot tell what was acknowledged, a finished write is the progress.
    if (!self->last_acked_) self->last_progress_ = std::chrono::steady_clock::now();
    self->frame_.clear();
    if (ec || self->closing_) return;
    self->Drain();
  });
}

}  // namespace cm::live
