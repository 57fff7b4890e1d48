#include "live/queue_watch.h"

#include <boost/asio/post.hpp>

#include "runtime/wall_clock.h"

#include "json/json_writer.h"
#include "views/resource_json.h"

namespace cm::live {

using views::WriteQueueTicket;

using json::JsonWriter;

using namespace engine;

QueueWatch::QueueWatch(boost::asio::io_context& io, const readmodel::ReadModel& reads,
                       QueuePresence& presence, const QueueStats& stats,
                       std::chrono::milliseconds period)
    : reads_(reads),
      presence_(presence),
      stats_(stats),
      period_(period),
      strand_(boost::asio::make_strand(io)),
      timer_(strand_) {}

uint64_t QueueWatch::Bucket(uint64_t p) {
  if (p <= 20) return p;
  if (p <= 200) return 20 + p / 10;
  if (p <= 2000) return 40 + p / 100;
  return 60 + p / 1000;
}

void QueueWatch::Start() {
  boost::asio::post(strand_, [this] { Round(); });
}

void QueueWatch::Stop() {
  boost::asio::post(strand_, [this] {
    stopped_ = true;
    timer_.cancel();
  });
}

void QueueWatch::Watch(std::weak_ptr<LiveSubscriber> s, UserId user, ConcertId concert) {
  boost::asio::post(strand_, [this, s = std::move(s), user, concert] {
    auto& mine = watchers_[user];
    for (const Watcher& w : mine)
      if (w.concert == concert && !w.socket.owner_before(s) && !s.owner_before(w.socket)) return;
    mine.push_back(Watcher{s, concert});
    const std::vector<UserId> just{user};
    Refresh(&just, runtime::WallNowMs());
  });
}

void QueueWatch::Collect(const Event& e) {
  if (const auto* a = std::get_if<QueueAdmitted>(&e.body))
    pending_.insert(pending_.end(), a->users.begin(), a->users.end());
  else if (const auto* t = std::get_if<QueueTicketsEnded>(&e.body))
    pending_.insert(pending_.end(), t->users.begin(), t->users.end());
  else if (const auto* j = std::get_if<QueueJoined>(&e.body))
    pending_.push_back(j->user);
}

void QueueWatch::Flush() {
  if (pending_.empty()) return;
  boost::asio::post(strand_, [this, users = std::move(pending_)] {
    Refresh(&users, runtime::WallNowMs());
  });
  pending_.clear();
}

void QueueWatch::Round() {
  if (stopped_) return;
  Refresh(nullptr, runtime::WallNowMs());
  timer_.expires_after(period_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) Round();
  });
}

void QueueWatch::Refresh(const std::vector<UserId>* users, int64_t now_ms) {
  struct Out {
    std::shared_ptr<LiveSubscriber> socket;
    SharedMessage message;
  };
  std::vector<Out> out;
  std::vector<std::pair<ConcertId, UserId>> alive;
  auto visit = [&](const EngineState& s, UserId user, std::vector<Watcher>& list) {
    std::erase_if(list, [](const Watcher& w) { return w.socket.expired(); });
    for (Watcher& w : list) {
      const Concert* c = s.FindConcert(w.concert);
      const QueueTicket* t = c && c->room ? c->room->Find(user) : nullptr;
      const int status = t ? static_cast<int>(t->status) : -2;
      const uint64_t bucket = t ? Bucket(c->room->PositionOf(*t)) : 0;
      if (t && t->status == TicketStatus::kWaiting) alive.emplace_back(w.concert, user);
      if (status == w.status && bucket == w.bucket) continue;
      w.status = status;
      w.bucket = bucket;
      JsonWriter j;
      j.BeginObject().Field("type", "queue").Field("concertId", w.concert).Key("ticket");
      if (t) WriteQueueTicket(j, *c, *t, stats_.AdmissionRate(w.concert, now_ms));
      else j.Null();
      j.EndObject();
      if (auto socket = w.socket.lock())
        out.push_back({std::move(socket), std::make_shared<const std::string>(j.Take())});
    }
  };
  reads_.Read([&](const EngineState& s) {
    if (users == nullptr) {
      for (auto& [user, list] : watchers_) visit(s, user, list);
    } else {
      for (UserId u : *users)
        if (auto it = watchers_.find(u); it != watchers_.end()) visit(s, u, it->second);
    }
    return 0;
  });
  std::erase_if(watchers_, [](const auto& kv) { return kv.second.empty(); });
  // Outside the read lock: pushing and presence take their own locks.
  for (const auto& [concert, user] : alive) presence_.Seen(concert, user, now_ms);
  for (Out& o : out) o.socket->Push(std::move(o.message));
}

}  // namespace cm::live
