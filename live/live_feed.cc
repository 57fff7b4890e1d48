#include "live/live_feed.h"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "json/json_writer.h"
#include "live/delta_json.h"
#include "views/resource_json.h"

namespace cm::live {

using views::RenderSeatMap;
using views::RenderSeatLetters;

using json::JsonWriter;

using namespace engine;

LiveFeed::LiveFeed(boost::asio::any_io_executor executor, const readmodel::ReadModel& reads,
                   std::size_t history_per_concert, std::chrono::microseconds min_round_gap)
    : reads_(reads),
      strand_(std::move(executor)),
      round_timer_(strand_),
      history_limit_(history_per_concert),
      min_round_gap_(min_round_gap) {}

void LiveFeed::Add(ConcertId concert, Seq seq, std::span<const SeatIndex> seats, char status) {
  Pending& p = pending_[concert];
  p.seq = seq;
  for (SeatIndex s : seats) p.changes.push_back({s, status});
}

void LiveFeed::Collect(const Event& e) {
  // Seats given up are available now, unless the concert's return window keeps them off sale
  // for a while (read model's state, applied): then nothing changes on the map until they come
  // back (SeatsReturned). Not even a repeat of their letter: a change that changes nothing would
  // tell a watcher which seats are away (views::PublicSeatLetter).
  auto given_up = [&](ReservationId id) {
    reads_.Read([&](const EngineState& s) {
      const Reservation* r = s.FindReservation(id);
      const Concert* c = r ? s.FindConcert(r->concert) : nullptr;
      if (c == nullptr) return 0;
      SeatList freed;
      for (SeatIndex seat : r->seats)
        if (c->seats.status(seat) != SeatStatus::kReturning) freed.push_back(seat);
      if (!freed.empty()) Add(r->concert, e.seq, freed, 'A');
      return 0;
    });
  };
  switch (TypeOf(e)) {
    case EventType::kHoldPlaced: {
      const auto& b = std::get<HoldPlaced>(e.body);
      Add(b.concert, e.seq, b.seats, 'H');
      break;
    }
    case EventType::kHoldReleased:
      given_up(std::get<HoldReleased>(e.body).reservation);
      break;
    case EventType::kHoldExpired:
      given_up(std::get<HoldExpired>(e.body).reservation);
      break;
    case EventType::kSeatsReleased:  // the payment failed: the saga let the seats go
      given_up(std::get<SeatsReleased>(e.body).reservation);
      break;
    case EventType::kReservationRefunded:
      given_up(std::get<ReservationRefunded>(e.body).reservation);
      break;
    case EventType::kReservationCancelled:
      given_up(std::get<ReservationCancelled>(e.body).reservation);
      break;
    case EventType::kSalePhaseBegan: {
      // No seat changes: the delta tells watchers that the sale's rules changed.
      const auto& b = std::get<SalePhaseBegan>(e.body);
      Pending& p = pending_[b.concert];
      p.seq = e.seq;
      p.phase = static_cast<int32_t>(b.phase);
      break;
    }
    case EventType::kSeatsReturned: {
      const auto& b = std::get<SeatsReturned>(e.body);
      Add(b.concert, e.seq, b.seats, 'A');
      break;
    }
    case EventType::kReservationConfirmed: {
      const auto id = std::get<ReservationConfirmed>(e.body).reservation;
      reads_.Read([&](const EngineState& s) {
        if (const Reservation* r = s.FindReservation(id)) Add(r->concert, e.seq, r->seats, 'S');
        return 0;
      });
      break;
    }
    default:
      break;
  }
}

void LiveFeed::Reset(Seq recovered_seq) {
  pending_.clear();  // empty between batches
  leader_sent_us_ = 0;
  std::vector<ConcertId> undone;  // waiting deltas past the seq: dropped, and their concerts reset
  {
    std::lock_guard lock(inbox_mutex_);
    std::erase_if(inbox_, [&](const auto& entry) {
      if (entry.second.seq <= recovered_seq) return false;
      undone.push_back(entry.first);
      return true;
    });
  }
  boost::asio::post(strand_, [this, recovered_seq, undone = std::move(undone)] {
    for (auto& [concert, ch] : channels_) {
      if (ch.last_seq <= recovered_seq &&
          std::find(undone.begin(), undone.end(), concert) == undone.end())
        continue;
      spdlog::warn("live seat map: concert {} went back to seq {}: its {} subscribers resubscribe",
                   concert, recovered_seq, ch.subscriptions.size());
      for (const auto& sub : ch.subscriptions) {
        auto owner = sub->owner.lock();
        if (owner && !sub->overflowed.exchange(true)) owner->Overflow(concert);
        subscriber_count_.fetch_sub(1);
      }
      ch.subscriptions.clear();
      ch.log = std::make_shared<DeltaLog>();  // whoever holds the old one has overflowed
      ch.last_seq = 0;
      ch.snapshot[0] = ch.snapshot[1] = nullptr;
      ch.snapshot_version[0] = ch.snapshot_version[1] = 0;
    }
  });
}

void LiveFeed::Compact(std::vector<SeatChange>& changes) {
  std::unordered_map<SeatIndex, std::size_t> last;  // seat -> index of its newest change
  for (std::size_t i = 0; i < changes.size(); ++i) last[changes[i].seat] = i;
  std::size_t out = 0;
  for (std::size_t i = 0; i < changes.size(); ++i)
    if (last[changes[i].seat] == i) changes[out++] = changes[i];
  changes.resize(out);
}

void LiveFeed::Flush() {
  // Once per batch: a promoted follower's own batches must not carry its last leader's time.
  const int64_t leader_sent_us = std::exchange(leader_sent_us_, 0);
  if (pending_.empty()) return;
  // When the batch became durable (wall clock, microseconds): lets clients measure staleness.
  const int64_t durable_at_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
  bool post = false;
  {
    std::lock_guard lock(inbox_mutex_);
    for (auto& [concert, p] : pending_) {
      Pending& in = inbox_[concert];
      if (in.changes.empty()) {
        in.durable_at_us = durable_at_us;
        in.leader_sent_us = leader_sent_us;
      }
      in.seq = p.seq;
      if (p.phase >= 0) in.phase = p.phase;
      in.changes.insert(in.changes.end(), p.changes.begin(), p.changes.end());
      // If the hub falls behind, keep only each seat's newest status (statuses are absolute,
      // so the result is the same): the inbox never holds more than about two per seat.
      if (in.changes.size() > std::max<std::size_t>(4096, 2 * in.compacted)) {
        Compact(in.changes);
        in.compacted = in.changes.size();
      }
    }
    post = !publish_posted_;
    publish_posted_ = true;
  }
  pending_.clear();
  if (post) boost::asio::post(strand_, [this] { Publish(); });
}

void LiveFeed::Publish() {
  // Rounds are spaced by the minimum gap and at least a quarter of the last round's own
  // duration, so under any subscriber count the fan-out leaves a fifth of the hub's time for
  // reads, handshakes and pings; what arrives meanwhile goes out together in the next round
  // (fewer, larger frames: on loopback most of a round is the kernel's TCP send path). An idle
  // feed publishes at once.
  const auto start = std::chrono::steady_clock::now();
  if (start < next_round_at_) {
    round_timer_.expires_at(next_round_at_);
    round_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) Publish();
    });
    return;  // publish_posted_ stays set: Flush need not post again
  }
  std::unordered_map<ConcertId, Pending> round;
  {
    std::lock_guard lock(inbox_mutex_);
    round.swap(inbox_);
    publish_posted_ = false;
  }
  // One delta per concert per round: the round's batches in order, never a batch split in two.
  // Its durableAtUs is the oldest batch's, so the lag a client measures is the worst in it.
  for (auto& [concert, p] : round) Append(concert, p);
  for (auto& [concert, p] : round) Wake(concert);
  const auto end = std::chrono::steady_clock::now();
  next_round_at_ = end + std::max<std::chrono::steady_clock::duration>(min_round_gap_, (end - start) / 4);
}

void LiveFeed::Append(ConcertId concert, const Pending& p) {
  Channel& ch = channels_[concert];
  auto message = std::make_shared<const std::string>(RenderDelta(
      {.concert = concert, .prev_seq = ch.last_seq, .seq = p.seq, .durable_at_us = p.durable_at_us,
       .leader_sent_us = p.leader_sent_us, .phase = p.phase},
      p.changes));
  {
    std::lock_guard lock(ch.log->mutex);
    ch.log->deltas.push_back({ch.last_seq, p.seq, std::move(message)});
    if (ch.log->deltas.size() > history_limit_) ch.log->deltas.pop_front();
  }
  ch.last_seq = p.seq;
}

void LiveFeed::Wake(ConcertId concert) {
  Channel& ch = channels_[concert];
  Seq oldest_covered = 0;  // a cursor below this has lost deltas
  {
    std::lock_guard lock(ch.log->mutex);
    if (!ch.log->deltas.empty()) oldest_covered = ch.log->deltas.front().prev_seq;
  }
  std::erase_if(ch.subscriptions, [&](const std::shared_ptr<LiveSubscription>& sub) {
    auto owner = sub->owner.lock();
    if (!owner) {
      subscriber_count_.fetch_sub(1);
      return true;
    }
    if (sub->cursor.load(std::memory_order_acquire) < oldest_covered) {
      if (!sub->overflowed.exchange(true)) owner->Overflow(concert);
      subscriber_count_.fetch_sub(1);
      return true;
    }
    owner->Wake();
    return false;
  });
}

bool LiveFeed::Take(LiveSubscription& s, std::vector<SharedMessage>& out) {
  if (s.overflowed.load()) return false;
  const Seq cursor = s.cursor.load(std::memory_order_relaxed);
  std::lock_guard lock(s.log->mutex);
  const auto& deltas = s.log->deltas;
  if (deltas.empty() || deltas.back().seq <= cursor) return true;
  if (deltas.front().prev_seq > cursor) {
    s.overflowed = true;
    return false;
  }
  auto first = std::partition_point(deltas.begin(), deltas.end(),
                                    [&](const DeltaLog::Delta& d) { return d.seq <= cursor; });
  for (auto it = first; it != deltas.end(); ++it) out.push_back(it->message);
  s.cursor.store(deltas.back().seq, std::memory_order_release);
  return true;
}

std::pair<SharedMessage, Seq> LiveFeed::Snapshot(Channel& ch, ConcertId concert, bool letters) {
  using Form = readmodel::ReadModel::Form;
  const auto rendered = reads_.CachedRender(
      concert,
      [&](const EngineState& st, Seq version) {
        const Concert* c = st.FindConcert(concert);
        if (c == nullptr) return std::string();
        return letters ? RenderSeatLetters(*c) : RenderSeatMap(*c, version);
      },
      letters ? Form::kSeatLetters : Form::kSeatMap);
  if (!rendered.body || rendered.body->empty()) return {nullptr, 0};
  SharedMessage& message = ch.snapshot[letters];
  if (!message || ch.snapshot_version[letters] != rendered.version) {
    JsonWriter w;
    w.BeginObject()
        .Field("type", "snapshot")
        .Field("concertId", concert)
        .Field("seq", rendered.version);
    if (letters)
      w.Field("seats", std::string_view(*rendered.body));
    else
      w.Key("seatMap").Raw(*rendered.body);
    message = std::make_shared<const std::string>(w.EndObject().Take());
    ch.snapshot_version[letters] = rendered.version;
  }
  return {message, rendered.version};
}

std::shared_ptr<LiveSubscription> LiveFeed::Subscribe(std::weak_ptr<LiveSubscriber> owner,
                                                      ConcertId concert, std::optional<Seq> last_seq,
                                                      bool letters) {
  auto sub = std::make_shared<LiveSubscription>();
  sub->letters = letters;
  sub->concert = concert;
  sub->owner = std::move(owner);
  boost::asio::post(strand_, [this, sub, last_seq] { Start(sub, last_seq); });
  return sub;
}

void LiveFeed::Start(const std::shared_ptr<LiveSubscription>& sub, std::optional<Seq> last_seq) {
  auto owner = sub->owner.lock();
  if (!owner) return;
  Channel& ch = channels_[sub->concert];
  sub->log = ch.log;
  // Resume from history only when it provably holds every delta after last_seq: a delta
  // with prev_seq 0 follows an unknown past (the channel started then).
  bool resumable = false;
  if (last_seq && ch.last_seq != 0 && *last_seq <= ch.last_seq) {
    std::lock_guard lock(ch.log->mutex);
    resumable = *last_seq == ch.last_seq ||
                (!ch.log->deltas.empty() && ch.log->deltas.front().prev_seq != 0 &&
                 ch.log->deltas.front().prev_seq <= *last_seq);
  }
  SharedMessage first;
  if (resumable) {
    sub->cursor = *last_seq;
  } else {
    auto [snapshot, version] = Snapshot(ch, sub->concert, sub->letters);
    if (!snapshot) {
      owner->Reject(sub, std::make_shared<const std::string>(
                             R"({"type":"error","code":"UNKNOWN_CONCERT","detail":"no concert with id )" +
                             std::to_string(sub->concert) + "\"}"));
      return;
    }
    if (ch.last_seq == 0) ch.last_seq = version;  // later deltas follow on from it
    sub->cursor = version;
    first = std::move(snapshot);
  }
  ch.subscriptions.push_back(sub);
  subscriber_count_.fetch_add(1);
  owner->Activate(sub, std::move(first));
}

void LiveFeed::Unsubscribe(std::shared_ptr<LiveSubscription> sub) {
  boost::asio::post(strand_, [this, sub = std::move(sub)] {
    auto it = channels_.find(sub->concert);
    if (it == channels_.end()) return;
    if (std::erase(it->second.subscriptions, sub) > 0) subscriber_count_.fetch_sub(1);
  });
}

}  // namespace cm::live
