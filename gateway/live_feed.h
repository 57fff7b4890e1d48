#pragma once
// The live seat map: turns durable events into per-concert deltas (seat id -> new status) and
// fans them out to WebSocket subscribers. One message per concert per journal batch, serialized
// once and shared by every subscriber of that concert.
//
// Ordering: everything that touches subscriptions and history runs on one strand, so every
// subscriber of a concert sees its deltas in seq order. Each delta carries `seq` (the last durable
// event of the batch that touched the concert) and `prevSeq` (the seq of the concert's previous
// delta): a client whose last seq is below prevSeq has a gap. A subscribe (or resync) with a last
// seq gets the missed deltas from a bounded history when it still covers them, otherwise a
// snapshot. Seat statuses in deltas are absolute, so re-applying one the snapshot already had is
// harmless; clients apply deltas with seq above their snapshot's.

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "engine/event.h"
#include "readmodel/read_model.h"

namespace cm::gateway {

class LiveSubscriber {
 public:
  virtual ~LiveSubscriber() = default;
  // Called on the feed's strand; must not block (queue and return).
  virtual void Push(std::shared_ptr<const std::string> message) = 0;
};

class LiveFeed {
 public:
  LiveFeed(boost::asio::io_context& io, const readmodel::ReadModel& reads,
           std::size_t history_per_concert = 1024);

  // Publisher thread, after the read model applied `e`.
  void Collect(const engine::Event& e);
  // Publisher thread, at the end of a batch: hands the batch's deltas to the strand.
  void Flush();

  // Any thread. `last_seq`: the client's last seen seq, to resume from history.
  void Subscribe(std::weak_ptr<LiveSubscriber> s, engine::ConcertId concert,
                 std::optional<engine::Seq> last_seq);
  void Unsubscribe(const LiveSubscriber* s, engine::ConcertId concert);

  std::size_t subscribers() const { return subscriber_count_.load(); }

 private:
  struct Change {
    engine::SeatIndex seat;
    char status;  // 'A', 'H', 'S'
  };
  struct Pending {
    engine::Seq seq = 0;
    std::vector<Change> changes;
  };
  struct Delta {
    engine::Seq prev_seq, seq;
    std::shared_ptr<const std::string> message;
  };
  struct Channel {
    engine::Seq last_seq = 0;  // seq of the newest delta sent
    std::deque<Delta> history;
    std::vector<std::weak_ptr<LiveSubscriber>> subscribers;
    std::shared_ptr<const std::string> snapshot;  // the newest snapshot message, shared
    engine::Seq snapshot_version = 0;
  };

  void Add(engine::ConcertId concert, engine::Seq seq, const engine::SeatList& seats, char status);
  void Publish(std::unordered_map<engine::ConcertId, Pending> batch,
               int64_t durable_at_us);  // on the strand
  // Returns the snapshot's seq (0 for an unknown concert, which gets an error message).
  engine::Seq SendSnapshot(LiveSubscriber& s, engine::ConcertId concert);

  const readmodel::ReadModel& reads_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  const std::size_t history_limit_;
  std::unordered_map<engine::ConcertId, Pending> pending_;  // publisher thread only
  std::unordered_map<engine::ConcertId, Channel> channels_;  // strand only
  std::atomic<std::size_t> subscriber_count_{0};
};

}  // namespace cm::gateway
