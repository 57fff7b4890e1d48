#pragma once
// A blocking WebSocket client for tests (Beast) on 127.0.0.1's /ws: send text, read messages
// one by one (a frame holding a JSON array of messages is taken apart in order).

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <string>

namespace cm::test {

class WsClient {
 public:
  // `receive_buffer`: a small kernel receive buffer makes a client that stops reading push
  // back on the server at once instead of after megabytes.
  explicit WsClient(uint16_t port, int receive_buffer = 0) : ws_(io_) {
    auto& socket = boost::beast::get_lowest_layer(ws_).socket();
    socket.open(boost::asio::ip::tcp::v4());
    if (receive_buffer > 0) socket.set_option(boost::asio::socket_base::receive_buffer_size(receive_buffer));
    socket.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    ws_.handshake("127.0.0.1", "/ws");
  }
  void Send(const std::string& text) { ws_.write(boost::asio::buffer(text)); }
  // The next message; a frame holding an array of messages is taken apart in order. Throws
  // when nothing comes within 10 s, or with the error that ended the connection.
  boost::json::value Next() {
    if (backlog_.empty()) {
      boost::beast::flat_buffer buf;
      boost::beast::error_code ec;
      bool done = false;
      ws_.async_read(buf, [&](boost::beast::error_code e, std::size_t) {
        ec = e;
        done = true;
      });
      io_.restart();
      io_.run_for(std::chrono::seconds(10));
      if (!done) {
        boost::beast::get_lowest_layer(ws_).socket().close();
        io_.restart();
        io_.run();
        throw std::runtime_error("no WebSocket message within 10 s");
      }
      if (ec) throw boost::system::system_error(ec);
      boost::json::value frame = boost::json::parse(boost::beast::buffers_to_string(buf.data()));
      if (frame.is_array()) {
        for (auto& m : frame.as_array()) backlog_.push_back(std::move(m));
      } else {
        backlog_.push_back(std::move(frame));
      }
    }
    boost::json::value m = std::move(backlog_.front());
    backlog_.pop_front();
    return m;
  }
  // Reads until a message of `type` arrives.
  boost::json::value NextOf(const std::string& type) {
    for (;;) {
      boost::json::value v = Next();
      if (v.is_object() && v.as_object().contains("type") && v.at("type").as_string() == type)
        return v;
    }
  }
  // Keeps a read pending for `d` (so pings are answered, as a live browser does) and expects
  // nothing to arrive; the read stays pending for the next Next().
  bool QuietFor(std::chrono::milliseconds d) {
    pending_ = std::make_unique<boost::beast::flat_buffer>();
    pending_done_ = false;
    ws_.async_read(*pending_, [this](boost::beast::error_code e, std::size_t) {
      pending_ec_ = e;
      pending_done_ = true;
    });
    io_.restart();
    io_.run_for(d);
    return !pending_done_;
  }
  // After QuietFor: the message that completes the pending read.
  boost::json::value FinishPending() {
    io_.restart();
    io_.run_for(std::chrono::seconds(10));
    if (!pending_done_) throw std::runtime_error("no WebSocket message within 10 s");
    if (pending_ec_) throw boost::system::system_error(pending_ec_);
    return boost::json::parse(boost::beast::buffers_to_string(pending_->data()));
  }
  // Reads until the server ends the connection; returns its close code (0 when it cut the
  // TCP connection without a close frame).
  int ReadUntilClosed() {
    try {
      for (;;) Next();
    } catch (const boost::system::system_error& e) {
      return e.code() == boost::beast::websocket::error::closed ? ws_.reason().code : 0;
    }
  }

 private:
  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  std::deque<boost::json::value> backlog_;
  std::unique_ptr<boost::beast::flat_buffer> pending_;
  bool pending_done_ = false;
  boost::beast::error_code pending_ec_;
};

}  // namespace cm::test
