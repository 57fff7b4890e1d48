#include "gateway/live_feed.h"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>

#include "gateway/json_writer.h"
#include "gateway/views.h"

namespace cm::gateway {

using namespace engine;

LiveFeed::LiveFeed(boost::asio::io_context& io, const readmodel::ReadModel& reads,
                   std::size_t history_per_concert)
    : reads_(reads), strand_(boost::asio::make_strand(io)), history_limit_(history_per_concert) {}

void LiveFeed::Add(ConcertId concert, Seq seq, const SeatList& seats, char status) {
  Pending& p = pending_[concert];
  p.seq = seq;
  for (SeatIndex s : seats) p.changes.push_back({s, status});
}

void LiveFeed::Collect(const Event& e) {
  auto reservation_change = [&](ReservationId id, char status) {
    // The read model has applied the event; an ended reservation is still retained there.
    reads_.Read([&](const EngineState& s) {
      if (const Reservation* r = s.FindReservation(id)) Add(r->concert, e.seq, r->seats, status);
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
      reservation_change(std::get<HoldReleased>(e.body).reservation, 'A');
      break;
    case EventType::kHoldExpired:
      reservation_change(std::get<HoldExpired>(e.body).reservation, 'A');
      break;
    case EventType::kReservationConfirmed:
      reservation_change(std::get<ReservationConfirmed>(e.body).reservation, 'S');
      break;
    case EventType::kReservationRefunded:
      reservation_change(std::get<ReservationRefunded>(e.body).reservation, 'A');
      break;
    default:
      break;
  }
}

void LiveFeed::Flush() {
  if (pending_.empty()) return;
  // When the batch became durable (wall clock, microseconds): lets clients measure staleness.
  const int64_t durable_at_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
  boost::asio::post(strand_, [this, batch = std::move(pending_), durable_at_us]() mutable {
    Publish(std::move(batch), durable_at_us);
  });
  pending_.clear();
}

void LiveFeed::Publish(std::unordered_map<ConcertId, Pending> batch, int64_t durable_at_us) {
  for (auto& [concert, p] : batch) {
    Channel& ch = channels_[concert];
    JsonWriter w;
    w.BeginObject()
        .Field("type", "delta")
        .Field("concertId", concert)
        .Field("prevSeq", ch.last_seq)
        .Field("seq", p.seq)
        .Field("durableAtUs", durable_at_us)
        .Key("changes")
        .BeginArray();
    for (const Change& c : p.changes)
      w.BeginArray().Uint(c.seat).String(std::string_view(&c.status, 1)).EndArray();
    w.EndArray().EndObject();
    auto message = std::make_shared<const std::string>(w.Take());
    ch.history.push_back({ch.last_seq, p.seq, message});
    if (ch.history.size() > history_limit_) ch.history.pop_front();
    ch.last_seq = p.seq;
    std::erase_if(ch.subscribers, [&](const std::weak_ptr<LiveSubscriber>& weak) {
      auto s = weak.lock();
      if (!s) {
        subscriber_count_.fetch_sub(1);
        return true;
      }
      s->Push(message);
      return false;
    });
  }
}

Seq LiveFeed::SendSnapshot(LiveSubscriber& s, ConcertId concert) {
  const auto rendered = reads_.CachedRender(concert, [&](const EngineState& st, Seq version) {
    const Concert* c = st.FindConcert(concert);
    return c ? RenderSeatMap(*c, version) : std::string();
  });
  if (!rendered.body || rendered.body->empty()) {
    s.Push(std::make_shared<const std::string>(
        R"({"type":"error","code":"UNKNOWN_CONCERT","detail":"no concert with id )" +
        std::to_string(concert) + "\"}"));
    return 0;
  }
  Channel& ch = channels_[concert];
  if (ch.snapshot && ch.snapshot_version == rendered.version) {
    s.Push(ch.snapshot);
    return rendered.version;
  }
  JsonWriter w;
  w.BeginObject()
      .Field("type", "snapshot")
      .Field("concertId", concert)
      .Field("seq", rendered.version)
      .Key("seatMap")
      .Raw(*rendered.body)
      .EndObject();
  ch.snapshot = std::make_shared<const std::string>(w.Take());
  ch.snapshot_version = rendered.version;
  s.Push(ch.snapshot);
  return rendered.version;
}

void LiveFeed::Subscribe(std::weak_ptr<LiveSubscriber> weak, ConcertId concert,
                         std::optional<Seq> last_seq) {
  boost::asio::post(strand_, [this, weak = std::move(weak), concert, last_seq] {
    auto s = weak.lock();
    if (!s) return;
    Channel& ch = channels_[concert];
    // Resume from history only when it provably holds every delta after last_seq: a delta
    // with prev_seq 0 follows an unknown past (the channel started then).
    bool served = false;
    if (last_seq && ch.last_seq != 0) {
      if (*last_seq == ch.last_seq) {
        served = true;  // nothing new since
      } else if (*last_seq < ch.last_seq && !ch.history.empty() &&
                 ch.history.front().prev_seq != 0 && ch.history.front().prev_seq <= *last_seq) {
        for (const Delta& d : ch.history)
          if (d.seq > *last_seq) s->Push(d.message);
        served = true;
      }
    }
    if (!served) {
      const Seq version = SendSnapshot(*s, concert);
      if (ch.last_seq == 0) ch.last_seq = version;  // later deltas follow on from it
    }
    std::erase_if(ch.subscribers, [&](const std::weak_ptr<LiveSubscriber>& w) {
      if (!w.expired()) return false;
      subscriber_count_.fetch_sub(1);
      return true;
    });
    const bool already = std::any_of(ch.subscribers.begin(), ch.subscribers.end(),
                                     [&](const auto& w) { return w.lock() == s; });
    if (!already) {
      ch.subscribers.push_back(weak);
      subscriber_count_.fetch_add(1);
    }
  });
}

void LiveFeed::Unsubscribe(const LiveSubscriber* s, ConcertId concert) {
  boost::asio::post(strand_, [this, s, concert] {
    auto it = channels_.find(concert);
    if (it == channels_.end()) return;
    std::erase_if(it->second.subscribers, [&](const std::weak_ptr<LiveSubscriber>& w) {
      auto locked = w.lock();
      if (locked && locked.get() != s) return false;
      subscriber_count_.fetch_sub(1);
      return true;
    });
  });
}

}  // namespace cm::gateway
