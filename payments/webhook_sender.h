#pragma once
// concertmania-fakepg's deposit notices (무통장입금 webhooks): each is signed
// (auth/deposit_signature.h) when it is sent and POSTed to the merchant's URL from a thread
// of its own, after an optional delay (a bank's notice that comes late). A notice the merchant
// does not take (no answer, 5xx, 409 while the same notice is in flight, 429) is sent again
// every second, up to `max_tries`; a 2xx or another 4xx (read and refused) ends it. So a merchant that was down when the money came
// still hears of it once it is back.
// Thread-safe.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace cm::payments {

class WebhookSender {
 public:
  using Clock = std::function<int64_t()>;  // wall-clock milliseconds
  explicit WebhookSender(Clock now_ms, int max_tries = 120, int64_t retry_ms = 1000);
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // `url`: http://host:port/path. False (nothing changed) when it is not one.
  bool Configure(const std::string& url, const std::string& secret);
  bool configured() const;
  std::string url() const;
  // At most kMaxQueued notices wait; past that the oldest is dropped (counted). The merchant
  // still finds its deposit by asking (payments/payment_worker.h, after the deadline).
  static constexpr std::size_t kMaxQueued = 10'000;
  void Send(std::string body, int64_t delay_ms = 0);

  struct Counts {
    uint64_t delivered = 0, refused = 0, tries = 0, dropped = 0;
  };
  Counts counts() const;

 private:
  struct Notice {
    std::string body;
    int64_t due = 0;
    int tries = 0;
  };
  void Loop();
  // The receiver's HTTP status, or 0 when it could not be reached or did not answer in time.
  int Post(const std::string& body);

  Clock now_ms_;
  const int max_tries_;
  const int64_t retry_ms_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string host_, port_, target_, secret_;  // guarded by mu_
  std::deque<Notice> queue_;                   // guarded by mu_
  Counts counts_;                              // guarded by mu_
  bool stop_ = false;                          // guarded by mu_
  std::thread thread_;
};

}  // namespace cm::payments
