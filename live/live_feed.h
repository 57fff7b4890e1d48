#pragma once
// The live seat map: turns durable events into per-concert deltas (seat id -> new status) for
// WebSocket subscribers, serialized once into shared messages kept in each concert's bounded
// history.
//
// Subscribers pull. A round of publishing turns the journal batches handed over since the last
// round into one delta per concert (the batches in order; a batch is never split), appends it to
// the history and wakes each subscriber (a flag check when it is already busy). A woken
// subscriber takes every delta after its cursor and sends them in one frame. Rounds are spaced
// by their own cost (see Publish), so the number of messages adapts to the load: one per batch
// when quiet, fewer and larger when busy, and never per-subscriber JSON. A subscriber whose
// cursor falls out of the history has fallen behind past the bound and is told so (Overflow).
//
// Ordering: each delta carries `seq` (the last durable event it covers) and `prevSeq` (the seq
// of the concert's previous delta): a client whose last seq is below prevSeq has a gap. A
// subscribe with the client's last seq resumes from the history when it still covers it,
// otherwise starts from a snapshot. Seat statuses in deltas are absolute and in order, so
// re-applying changes the snapshot already had is harmless; clients apply deltas with seq above
// their snapshot's.

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "engine/event.h"
#include "live/delta_json.h"
#include "readmodel/read_model.h"

namespace cm::live {

using SharedMessage = std::shared_ptr<const std::string>;

struct LiveSubscription;

class LiveSubscriber {
 public:
  virtual ~LiveSubscriber() = default;
  // A message for this subscriber alone (an error, a notification). Any thread; must not block.
  virtual void Push(SharedMessage message) = 0;
  // The subscription is ready: send `first` (a snapshot; may be null when resuming), then
  // take deltas after the subscription's cursor. Called on the feed's strand; must not block.
  virtual void Activate(std::shared_ptr<LiveSubscription> subscription, SharedMessage first) = 0;
  // The subscription cannot start (an unknown concert): send `error` and forget it. Strand.
  virtual void Reject(std::shared_ptr<LiveSubscription> subscription, SharedMessage error) = 0;
  // New deltas may be waiting. Called on the feed's strand for every delta: cheap, idempotent.
  virtual void Wake() = 0;
  // The subscriber fell behind past the history of `concert`. Called once, on the feed's strand.
  virtual void Overflow(engine::ConcertId concert) = 0;
};

// A concert's deltas, shared between the feed's strand (which appends) and subscribers (which
// take).
struct DeltaLog {
  struct Delta {
    engine::Seq prev_seq, seq;
    SharedMessage message;
  };
  std::mutex mutex;
  std::deque<Delta> deltas;  // seq order, bounded
};

// One subscriber's place in one concert's deltas.
struct LiveSubscription {
  engine::ConcertId concert = 0;
  std::weak_ptr<LiveSubscriber> owner;
  std::shared_ptr<DeltaLog> log;
  std::atomic<engine::Seq> cursor{0};  // seq of the last delta taken
  std::atomic<bool> overflowed{false};
  bool letters = false;  // its snapshot is the seats' status letters (set before it starts)
};

class LiveFeed {
 public:
  // `executor`: where subscriptions and publishing are serialized (a strand, or a
  // single-threaded io_context that the subscribers share).
  // `min_round_gap`: the least time between two rounds of wake-ups.
  LiveFeed(boost::asio::any_io_executor executor, const readmodel::ReadModel& reads,
           std::size_t history_per_concert = 1024,
           std::chrono::microseconds min_round_gap = std::chrono::milliseconds(5));

  // Publisher thread, after the read model applied `e`.
  void Collect(const engine::Event& e);
  // Publisher thread, at the end of a batch: hands the batch's deltas to the strand.
  void Flush();
  // Publisher thread, between batches, after the read model was rebuilt at `recovered_seq`:
  // at startup, on a promotion, or at an earlier seq (a follower whose journal tail a newer
  // term replaced, runtime/follower.h). A concert with deltas past that seq (sent or waiting)
  // may have shown changes that never happened now: its subscribers are told they fell behind
  // (Overflow: they resubscribe and get a snapshot of the rebuilt map), and its history starts
  // again. Other concerts, and every concert when the seq did not go back, are left alone.
  void Reset(engine::Seq recovered_seq);
  // Publisher thread, on a follower, before a replicated batch: when the leader sent it. Its
  // deltas then carry `leaderSentAtUs` as well, for staleness counted from the leader.
  void NoteLeaderSent(int64_t us) { leader_sent_us_ = us; }

  // Any thread. `last_seq`: the client's last seen seq, to resume from history. The returned
  // subscription is activated later (LiveSubscriber::Activate) on the strand.
  // `letters`: the snapshot is one status letter per seat, in seat id order (the page's
  // overview of a big hall), instead of the whole seat map.
  std::shared_ptr<LiveSubscription> Subscribe(std::weak_ptr<LiveSubscriber> s, engine::ConcertId concert,
                                              std::optional<engine::Seq> last_seq,
                                              bool letters = false);
  void Unsubscribe(std::shared_ptr<LiveSubscription> subscription);

  // The subscriber's thread: appends the deltas after the cursor to `out` and advances it.
  // False when the history no longer holds all of them (the subscriber fell behind).
  static bool Take(LiveSubscription& s, std::vector<SharedMessage>& out);

  std::size_t subscribers() const { return subscriber_count_.load(); }

 private:
  struct Pending {
    engine::Seq seq = 0;
    std::vector<SeatChange> changes;
    int64_t durable_at_us = 0;  // of the oldest batch in it (inbox only)
    int64_t leader_sent_us = 0;  // on a follower: of the oldest batch in it (inbox only)
    std::size_t compacted = 0;  // size after the last compaction (inbox only)
    int32_t phase = -1;  // the sale's phase began in it (SalePhaseBegan); -1: none did
  };
  struct Channel {
    engine::Seq last_seq = 0;  // seq of the newest delta
    std::shared_ptr<DeltaLog> log = std::make_shared<DeltaLog>();
    std::vector<std::shared_ptr<LiveSubscription>> subscriptions;
    SharedMessage snapshot[2];  // the newest snapshot message of each form (map, letters), shared
    engine::Seq snapshot_version[2] = {0, 0};
  };

  // Keeps only each seat's newest change, in order.
  static void Compact(std::vector<SeatChange>& changes);
  void Add(engine::ConcertId concert, engine::Seq seq, std::span<const engine::SeatIndex> seats,
           char status);
  // On the strand: turns every batch handed over since the last call into deltas, then wakes
  // the subscribers of the concerts they touched.
  void Publish();
  void Append(engine::ConcertId concert, const Pending& p);  // strand
  void Wake(engine::ConcertId concert);                                            // strand
  void Start(const std::shared_ptr<LiveSubscription>& sub, std::optional<engine::Seq> last_seq);  // strand
  // The snapshot message and its seq; a null message (and seq 0) for an unknown concert.
  std::pair<SharedMessage, engine::Seq> Snapshot(Channel& ch, engine::ConcertId concert, bool letters);

  const readmodel::ReadModel& reads_;
  boost::asio::any_io_executor strand_;
  boost::asio::steady_timer round_timer_;  // strand
  std::chrono::steady_clock::time_point next_round_at_{};  // strand
  const std::size_t history_limit_;
  const std::chrono::microseconds min_round_gap_;
  std::unordered_map<engine::ConcertId, Pending> pending_;  // publisher thread only
  int64_t leader_sent_us_ = 0;                              // publisher thread only
  std::mutex inbox_mutex_;
  // The batches handed over since the last round, merged per concert (in order). Bounded: a
  // concert's changes are compacted to one per seat when they pile up (see Flush).
  std::unordered_map<engine::ConcertId, Pending> inbox_;
  bool publish_posted_ = false;   // a Publish is queued on the strand
  std::unordered_map<engine::ConcertId, Channel> channels_;  // strand only
  std::atomic<std::size_t> subscriber_count_{0};
};

}  // namespace cm::live
