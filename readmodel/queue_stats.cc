#include "readmodel/queue_stats.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace cm::readmodel {

using namespace engine;

void QueueStats::Advance(Room& r, int64_t second) const {
  if (second <= r.last_second) return;
  const int64_t gap = std::min<int64_t>(second - r.last_second, kWindowSeconds);
  for (int64_t s = second - gap + 1; s <= second; ++s) r.per_second[s % kWindowSeconds] = 0;
  r.last_second = second;
}

uint64_t QueueStats::WindowSum(const Room& r, int64_t now_second) const {
  uint64_t sum = 0;
  for (int64_t s = now_second - kWindowSeconds + 1; s <= now_second; ++s)
    if (s <= r.last_second && s > r.last_second - kWindowSeconds)
      sum += r.per_second[s % kWindowSeconds];
  return sum;
}

void QueueStats::Collect(const Event& e) {
  const EventType type = TypeOf(e);
  if (type != EventType::kQueueJoined && type != EventType::kQueueAdmitted &&
      type != EventType::kQueueTicketsEnded)
    return;  // every durable event passes here: no lock for the rest
  std::lock_guard lock(mu_);
  if (const auto* j = std::get_if<QueueJoined>(&e.body)) {
    ++rooms_[j->concert].joined;
  } else if (const auto* a = std::get_if<QueueAdmitted>(&e.body)) {
    Room& r = rooms_[a->concert];
    Advance(r, e.ts / 1000);
    r.per_second[(e.ts / 1000) % kWindowSeconds] += static_cast<uint32_t>(a->users.size());
    if (r.first_admission_ms == 0) r.first_admission_ms = e.ts;
  } else if (const auto* t = std::get_if<QueueTicketsEnded>(&e.body)) {
    Room& r = rooms_[t->concert];
    uint64_t& counter = t->why == TicketEnd::kLeft        ? r.left
                        : t->why == TicketEnd::kAbandoned ? r.abandoned
                                                          : r.lapsed;
    counter += t->users.size();
  }
}

double QueueStats::AdmissionRate(ConcertId concert, int64_t now_ms) const {
  std::lock_guard lock(mu_);
  auto it = rooms_.find(concert);
  if (it == rooms_.end() || it->second.first_admission_ms == 0) return 0;
  const Room& r = it->second;
  const double span_s = std::clamp((now_ms - r.first_admission_ms) / 1000.0, 1.0,
                                   static_cast<double>(kWindowSeconds));
  return static_cast<double>(WindowSum(r, now_ms / 1000)) / span_s;
}

int64_t QueueStats::EstimateWaitSeconds(uint64_t position, double rate, uint32_t admit_per_second) {
  if (position == 0) return 0;
  const double per_second = rate > 0 ? rate : static_cast<double>(std::max(1u, admit_per_second));
  return static_cast<int64_t>(std::ceil(static_cast<double>(position) / per_second));
}

void QueueStats::WriteMetrics(metrics::PrometheusText* out, const readmodel::ReadModel& reads,
                              int64_t now_ms) const {
  struct Row {
    ConcertId id;
    uint64_t waiting, in_line, active, admitted_total;
  };
  const std::vector<Row> rows = reads.Read([](const EngineState& s) {
    std::vector<Row> v;
    for (ConcertId id : s.rooms()) {
      const WaitingRoom* current = s.FindConcert(id)->room.get();
      if (current == nullptr) continue;  // this phase has no room
      const WaitingRoom& room = *current;
      v.push_back(Row{id, room.waiting(), room.in_line(), room.active(), room.admitted_total()});
    }
    return v;
  });
  auto each = [&](const char* name, const char* type, const char* help, auto value) {
    out->Header(name, type, help);
    for (const Row& row : rows)
      out->Sample(name, metrics::Label("concert", std::to_string(row.id)),
                  static_cast<double>(value(row)));
  };
  each("cm_queue_waiting", "gauge", "People waiting in line (and in the pre-queue).",
       [](const Row& r) { return r.waiting; });
  each("cm_queue_in_line", "gauge",
       "People in line after the opening draw (the pre-queue excluded): admissions are due.",
       [](const Row& r) { return r.in_line; });
  each("cm_queue_admitted", "gauge", "Admitted shoppers now.", [](const Row& r) { return r.active; });
  each("cm_queue_admissions_total", "counter", "Admissions since the room was created.",
       [](const Row& r) { return r.admitted_total; });
  each("cm_queue_admission_rate", "gauge", "Admissions per second over the last minute.",
       [&](const Row& r) { return AdmissionRate(r.id, now_ms); });
  std::lock_guard lock(mu_);
  auto counter = [&](const char* name, const char* help, uint64_t Room::*field) {
    out->Header(name, "counter", help);
    for (const Row& row : rows) {
      auto it = rooms_.find(row.id);
      out->Sample(name, metrics::Label("concert", std::to_string(row.id)),
                  it == rooms_.end() ? 0.0 : static_cast<double>(it->second.*field));
    }
  };
  counter("cm_queue_joins_total", "Places taken (since this process started).", &Room::joined);
  counter("cm_queue_left_total", "Places given up by their users.", &Room::left);
  counter("cm_queue_abandoned_total", "Waiting places expired for silence (abandonment).",
          &Room::abandoned);
  counter("cm_queue_lapsed_total", "Admissions that ran out without a purchase.", &Room::lapsed);
}

}  // namespace cm::readmodel
