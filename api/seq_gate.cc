#include "api/seq_gate.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <vector>

namespace cm::api {

// A waiting request. Its timer lives on a strand of its own, so the timeout and an Advance
// that cancels it never touch it at once; `done` makes sure only one of go/late runs.
struct SeqGate::Waiter {
  explicit Waiter(boost::asio::io_context& io) : timer(boost::asio::make_strand(io)) {}
  boost::asio::steady_timer timer;
  std::function<void()> go, late;
  std::atomic<bool> done{false};
};

SeqGate::SeqGate(boost::asio::io_context& io, std::function<engine::Seq()> applied)
    : io_(io), applied_(std::move(applied)) {}

void SeqGate::Wait(engine::Seq seq, std::chrono::milliseconds wait, std::function<void()> go,
                   std::function<void()> late) {
  if (applied_() >= seq) return go();
  auto w = std::make_shared<Waiter>(io_);
  w->go = std::move(go);
  w->late = std::move(late);
  {
    std::lock_guard lock(mu_);
    waiters_.emplace(seq, w);
  }
  w->timer.expires_after(wait);
  w->timer.async_wait([this, w, seq](const boost::system::error_code&) {
    {
      std::lock_guard lock(mu_);
      for (auto [it, end] = waiters_.equal_range(seq); it != end; ++it) {
        if (it->second == w) {
          waiters_.erase(it);
          break;
        }
      }
    }
    Release(w, applied_() >= seq);
  });
  // The seq may have arrived between the first look and the registration.
  if (applied_() >= seq) Advance(applied_());
}

void SeqGate::Advance(engine::Seq seq) {
  std::vector<std::shared_ptr<Waiter>> ready;
  {
    std::lock_guard lock(mu_);
    if (waiters_.empty()) return;
    const auto end = waiters_.upper_bound(seq);
    for (auto it = waiters_.begin(); it != end; ++it) ready.push_back(std::move(it->second));
    waiters_.erase(waiters_.begin(), end);
  }
  for (auto& w : ready) {
    boost::asio::post(w->timer.get_executor(), [this, w] {
      w->timer.cancel();
      Release(w, true);
    });
  }
}

void SeqGate::Release(const std::shared_ptr<Waiter>& w, bool in_time) {
  if (w->done.exchange(true)) return;
  if (in_time) w->go();
  else w->late();
}

std::size_t SeqGate::waiting() const {
  std::lock_guard lock(mu_);
  return waiters_.size();
}

}  // namespace cm::api
