#include "gateway/ws_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>

#include "gateway/json_input.h"
#include "gateway/json_writer.h"

namespace cm::gateway {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

WsSession::WsSession(beast::tcp_stream stream, WsContext& context)
    : ws_(std::move(stream)),
      cut_timer_(ws_.get_executor()),
      context_(context),
      feed_(context.feed),
      options_(context.options) {}

void WsSession::Start(beast::tcp_stream stream, Request upgrade, WsContext& context) {
  std::shared_ptr<WsSession> s(new WsSession(std::move(stream), context));
  s->Accept(std::move(upgrade));
}

void WsSession::Accept(Request upgrade) {
  beast::get_lowest_layer(ws_).expires_never();  // the websocket timeouts take over
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
    if (!subscriptions_.contains(id) && subscriptions_.size() >= options_.max_subscriptions)
      return Error("TOO_MANY_SUBSCRIPTIONS", "at most 16 concerts per connection");
    subscriptions_.insert(id);
    std::optional<engine::Seq> last_seq;
    if (last >= 0) last_seq = static_cast<engine::Seq>(last);
    feed_.Subscribe(weak_from_this(), id, last_seq);
  } else if (type == "unsubscribe") {
    if (subscriptions_.erase(id) > 0) feed_.Unsubscribe(this, id);
  } else {
    Error("VALIDATION_FAILED", "type: must be subscribe, unsubscribe or notifications");
  }
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
  if (user_ == 0) {
    user_ = v.claims->sub;
    context_.notifier.Subscribe(weak_from_this(), user_);
  }
  JsonWriter w;
  w.BeginObject().Field("type", "subscribed").Field("channel", "notifications")
      .Field("userId", user_).EndObject();
  Send(std::make_shared<const std::string>(w.Take()));
}

void WsSession::Push(std::shared_ptr<const std::string> message) {
  net::post(ws_.get_executor(), [self = shared_from_this(), message = std::move(message)]() mutable {
    self->Send(std::move(message));
  });
}

void WsSession::Send(std::shared_ptr<const std::string> message) {
  if (closing_) return;
  if (queue_.size() >= options_.max_queued ||
      queued_bytes_ + message->size() > options_.max_queued_bytes) {
    // Fell behind: close rather than buffer without bound or slow anyone else down.
    closing_ = true;
    ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(kCloseSlowConsumer),
                                            "slow consumer: resubscribe with lastSeq"),
                    [self = shared_from_this()](beast::error_code) {});
    // A client that reads nothing cannot even take the close frame: cut the TCP connection
    // if the close has not finished shortly.
    cut_timer_.expires_after(std::chrono::seconds(2));
    cut_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) beast::get_lowest_layer(self->ws_).socket().close(ec);
    });
    return;
  }
  queued_bytes_ += message->size();
  queue_.push_back(std::move(message));
  if (!writing_) Write();
}

void WsSession::Write() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(net::buffer(*queue_.front()),
                  [self = shared_from_this()](beast::error_code ec, std::size_t) {
                    self->writing_ = false;
                    if (ec || self->closing_) return;
                    self->queued_bytes_ -= self->queue_.front()->size();
                    self->queue_.pop_front();
                    if (!self->queue_.empty()) self->Write();
                  });
}

}  // namespace cm::gateway
