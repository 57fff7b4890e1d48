#pragma once
// Per-user notifications on the WebSocket: hold placed, hold about to expire (one minute
// before), hold expired or released, reservation confirmed, refund issued. Built from durable
// events only; each goes to the owner's sockets and nobody else's.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/event.h"
#include "live/live_feed.h"
#include "readmodel/read_model.h"

namespace cm::live {

class Notifier {
 public:
  static constexpr engine::TimeMs kWarnBeforeMs = 60'000;

  Notifier(boost::asio::io_context& io, const readmodel::ReadModel& reads);

  // Startup, after recovery: warnings for holds that were already live; starts the timer.
  void Start();
  void Stop();

  // Publisher thread (after the read model applied `e`), then once per batch.
  void Collect(const engine::Event& e);
  void Flush();

  // Any thread: `s` gets `user`'s notifications from now on.
  void Subscribe(std::weak_ptr<LiveSubscriber> s, engine::UserId user);

 private:
  struct Note {
    engine::UserId user;
    std::string message;  // built on the strand from the fields below
    std::string kind;
    engine::ReservationId reservation;
    engine::ConcertId concert;
    int64_t amount;
    engine::TimeMs expires_at;
    engine::Seq seq;
    engine::TicketId ticket;  // 0 unless the note is about a ticket
  };
  struct Warning {
    engine::TimeMs warn_at;
    engine::ReservationId reservation;
    bool operator>(const Warning& o) const { return warn_at > o.warn_at; }
  };

  void Deliver(engine::UserId user, std::shared_ptr<const std::string> message);  // strand
  void Tick();                                                                      // strand

  const readmodel::ReadModel& reads_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;
  std::vector<Note> pending_;                   // publisher thread only
  std::vector<Warning> pending_warnings_;       // publisher thread only
  std::priority_queue<Warning, std::vector<Warning>, std::greater<>> warnings_;  // strand
  std::unordered_map<engine::UserId, std::vector<std::weak_ptr<LiveSubscriber>>> sockets_;  // strand
  bool stopped_ = false;
};

}  // namespace cm::live
