#include "app/alerts_poller.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "app/http_fetch.h"
#include "json/json_writer.h"
#include "runtime/wall_clock.h"

namespace cm::app {
namespace {

template <class Element>  // an element, or a lookup's result
std::string_view Text(Element e, const char* key) {
  std::string_view v;
  return e[key].get(v) == simdjson::SUCCESS ? v : std::string_view();
}

}  // namespace

AlertsPoller::AlertsPoller(std::string prometheus_url, std::chrono::milliseconds period)
    : url_(std::move(prometheus_url)), period_(period) {
  json::JsonWriter w;
  w.BeginObject().Field("source", url_).Key("checkedAt").Null().Key("alerts").BeginArray().EndArray().EndObject();
  json_ = w.Take();
}

AlertsPoller::~AlertsPoller() { Stop(); }

void AlertsPoller::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void AlertsPoller::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string AlertsPoller::Json() const {
  std::lock_guard lock(mu_);
  return json_;
}

void AlertsPoller::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    Poll();
    lock.lock();
    wake_.wait_for(lock, period_, [this] { return stop_; });
  }
}

void AlertsPoller::Poll() {
  json::JsonWriter w;
  w.BeginObject().Field("source", url_).Field("checkedAt", json::FormatTime(runtime::WallNowMs()));
  auto reply = Fetch(url_, boost::beast::http::verb::get, "/api/v1/alerts", "", "",
                     std::chrono::milliseconds(3000));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array alerts;
  std::string error;
  if (!reply.ok()) error = reply.status().ToString();
  else if (reply.value().status != 200) error = "Prometheus answered " + std::to_string(reply.value().status);
  else if (parser.parse(reply.value().body).get(doc) || doc["data"]["alerts"].get(alerts))
    error = "Prometheus's answer has no data.alerts";
  if (!error.empty()) {
    w.Field("error", error);
    spdlog::warn("alerts from {}: {}", url_, error);
  }
  w.Key("alerts").BeginArray();
  if (error.empty())
    for (simdjson::dom::element a : alerts)
      w.BeginObject()
          .Field("name", Text(a["labels"], "alertname"))
          .Field("severity", Text(a["labels"], "severity"))
          .Field("summary", Text(a["annotations"], "summary"))
          .Field("state", Text(a, "state"))
          .Field("activeAt", Text(a, "activeAt"))
          .EndObject();
  w.EndArray().EndObject();
  std::lock_guard lock(mu_);
  json_ = w.Take();
}

}  // namespace cm::app
