#include "live/sale_watch.h"

#include <boost/asio/post.hpp>

#include "runtime/wall_clock.h"

namespace cm::live {

using namespace engine;

SaleWatch::SaleWatch(boost::asio::io_context& io, const readmodel::ReadModel& reads,
                     const readmodel::QueueStats& stats, std::chrono::milliseconds period,
                     std::size_t history)
    : reads_(reads),
      stats_(stats),
      period_(period),
      history_limit_(history),
      strand_(boost::asio::make_strand(io)),
      timer_(strand_) {}

void SaleWatch::Start() {
  boost::asio::post(strand_, [this] { Round(); });
}

void SaleWatch::Stop() {
  boost::asio::post(strand_, [this] {
    stopped_ = true;
    timer_.cancel();
  });
}

void SaleWatch::Watch(std::weak_ptr<LiveSubscriber> socket, ConcertId concert) {
  boost::asio::post(strand_, [this, socket = std::move(socket), concert] {
    for (Watcher& w : watchers_)
      if (w.concert == concert && !w.socket.owner_before(socket) &&
          !socket.owner_before(w.socket)) {
        w.primed = false;  // watching again: the history once more
        return Send(&w, runtime::WallNowMs());
      }
    watchers_.push_back(Watcher{socket, concert});
    Send(&watchers_.back(), runtime::WallNowMs());
  });
}

void SaleWatch::Round() {
  if (stopped_) return;
  const int64_t now = runtime::WallNowMs();
  reads_.Read([&](const EngineState& s) {
    for (const auto& [id, c] : s.concerts()) {
      auto& points = history_[id];
      points.push_back(views::SampleSale(*c, now));
      if (points.size() > history_limit_) points.pop_front();
    }
    return 0;
  });
  Send(nullptr, now);
  timer_.expires_after(period_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) Round();
  });
}

void SaleWatch::Send(const Watcher* only, int64_t now_ms) {
  struct Out {
    std::shared_ptr<LiveSubscriber> socket;
    SharedMessage message;
  };
  std::vector<Out> out;
  reads_.Read([&](const EngineState& s) {
    for (Watcher& w : watchers_) {
      if (only != nullptr && &w != only) continue;
      auto socket = w.socket.lock();
      if (!socket) continue;
      const Concert* c = s.FindConcert(w.concert);
      if (c == nullptr) {
        const std::string error = R"({"type":"error","code":"UNKNOWN_CONCERT","detail":)"
                                  R"("no concert with id )" + std::to_string(w.concert) + "\"}";
        out.push_back({std::move(socket), std::make_shared<const std::string>(error)});
        w.socket.reset();  // not watched any more
        continue;
      }
      std::vector<views::SalePoint> series;
      const auto& points = history_[w.concert];
      if (!w.primed) {
        series.assign(points.begin(), points.end());
        if (series.empty()) series.push_back(views::SampleSale(*c, now_ms));
        w.primed = true;
      } else if (!points.empty()) {
        series.push_back(points.back());
      }
      out.push_back({std::move(socket),
                     std::make_shared<const std::string>(views::RenderSaleStats(
                         s, *c, now_ms, stats_.AdmissionRate(w.concert, now_ms), series))});
    }
    return 0;
  });
  // Closed sockets (and unknown concerts) go after the round: `only` points into the list.
  std::erase_if(watchers_, [](const Watcher& w) { return w.socket.expired(); });
  for (Out& o : out) o.socket->Push(std::move(o.message));
}

}  // namespace cm::live
