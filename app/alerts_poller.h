#pragma once
// The alerts firing, as Prometheus evaluates deploy/prometheus/rules.yml over this server's
// /metrics: read from its HTTP API (GET <url>/api/v1/alerts) on a thread of its own, first at
// Start and then every `period`, and kept as the JSON the console shows (GET /api/admin/alerts).
// The server never evaluates a rule itself, so the console and Prometheus cannot disagree.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace cm::app {

class AlertsPoller {
 public:
  AlertsPoller(std::string prometheus_url, std::chrono::milliseconds period);
  ~AlertsPoller();

  void Start();
  void Stop();
  // {"source": url, "checkedAt": time | null, "error": text (the last poll failed),
  //  "alerts": [{"name", "severity", "summary", "state" (firing, pending), "activeAt"}]}
  std::string Json() const;

 private:
  void Loop();
  void Poll();

  const std::string url_;
  const std::chrono::milliseconds period_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::string json_;
};

}  // namespace cm::app
