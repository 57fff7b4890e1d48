#pragma once
// A concert's waiting room: who is in line and in what order, who is admitted to shop, and how
// fast people are let in. It is part of the engine state, so it changes only through events
// (EngineState::Apply); the sequencer reads it to decide admissions on each Tick.
//
// Order: people who join in the pre-queue window (before sales open) are shuffled at opening
// with the seed recorded in the QueueOpened event, so arriving early gives no edge and replay
// reproduces the order; everyone after that joins the back of the line (FIFO).
// Positions: a Fenwick tree over places in line counts who is still waiting ahead, so a
// position costs O(log n) and nothing ever scans the line.
// Admission: at most max_active admitted at once and admit_per_second in any one-second
// window. An admission lapses admission_ttl_ms after it began, and nothing pushes that back:
// holds placed while admitted stay payable until their own expiry, but once the admission
// lapses the user places no new ones and the next in line takes the place. (Letting holds
// extend it let one user keep an admission for ever by rolling holds while the line waited.)
// A purchase completes it.
// Thread-safety: none (the sequencer thread, or the read model under its lock).

#include <cstdint>
#include <deque>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/concert_spec.h"
#include "engine/types.h"

namespace cm::engine {

using TicketId = uint64_t;  // the seq of the QueueJoined event

enum class TicketStatus : uint8_t {
  kWaiting = 0,
  kAdmitted = 1,
  kExpired = 2,    // abandoned while waiting, or the admission lapsed
  kCompleted = 3,  // bought: a reservation was confirmed
  kLeft = 4,       // the user left the queue
};
std::string_view ToString(TicketStatus s);

enum class TicketEnd : uint8_t { kLeft = 0, kAbandoned = 1, kLapsed = 2 };
std::string_view ToString(TicketEnd e);

struct QueueTicket {
  static constexpr uint64_t kNotPlaced = UINT64_MAX;  // in the pre-queue: no place yet

  TicketId id = 0;
  UserId user = 0;
  TicketStatus status = TicketStatus::kWaiting;
  TicketEnd end = TicketEnd::kLeft;  // why it ended (kExpired, kLeft)
  uint64_t place = kNotPlaced;       // index in the line
  TimeMs joined_at = 0;
  TimeMs admitted_at = 0;
  TimeMs admission_expires_at = 0;  // the admission's hard end
  TimeMs ended_at = 0;
  bool operator==(const QueueTicket&) const = default;
};

class WaitingRoom {
 public:
  explicit WaitingRoom(const WaitingRoomSettings& settings) : settings_(settings) {}

  const WaitingRoomSettings& settings() const { return settings_; }
  bool opened() const { return opened_; }
  const QueueTicket* Find(UserId user) const;
  bool IsAdmitted(UserId user) const;
  // 1 for the next in line; 0 when not waiting or still in the pre-queue (no order yet).
  uint64_t PositionOf(const QueueTicket& t) const;
  uint64_t in_line() const { return in_line_; }        // waiting with a place
  uint64_t pre_queued() const { return pre_queued_; }  // waiting for the opening shuffle
  uint64_t waiting() const { return in_line_ + pre_queued_; }
  uint32_t active() const { return active_; }
  uint64_t admitted_total() const { return admitted_total_; }
  std::size_t tickets() const { return tickets_.size(); }
  // The user's live holds in this concert (whatever their ticket says).
  uint32_t LiveHolds(UserId user) const;

  // For the sequencer (read only). How many may be admitted at `now` (cap, rate, line).
  uint32_t AdmissionsAllowed(TimeMs now) const;
  // The next `n` waiting users, in order. Cost: n plus the places given up ahead of them.
  void NextInLine(uint32_t n, std::vector<UserId>* out) const;
  // Admitted users whose admission time is up at `now`.
  void DueLapses(TimeMs now, std::vector<UserId>* out) const;

  // Changes, from EngineState::Apply only. False when the event contradicts the room.
  bool Join(TicketId id, UserId user, TimeMs now);
  bool Open(uint64_t seed);
  bool Admit(const std::vector<UserId>& users, TimeMs now, TimeMs expires_at);
  bool End(UserId user, TicketEnd why, TimeMs now);
  void OnHoldPlaced(UserId user);
  void OnHoldEnded(UserId user, bool bought, TimeMs now);

  // For the snapshot codec, the hash and the invariant checker.
  const std::unordered_map<UserId, QueueTicket>& ticket_map() const { return tickets_; }
  const std::vector<UserId>& line() const { return line_; }
  uint64_t head() const { return head_; }
  const std::vector<UserId>& pre_line() const { return pre_line_; }
  const std::deque<std::pair<TimeMs, uint32_t>>& recent() const { return recent_; }
  const std::unordered_map<UserId, uint32_t>& live_holds() const { return live_holds_; }
  // Rebuilds a room from its encoded parts; false if they disagree.
  bool Restore(bool opened, std::vector<QueueTicket> tickets, std::vector<UserId> line,
               uint64_t head, std::vector<UserId> pre_line,
               std::deque<std::pair<TimeMs, uint32_t>> recent, uint64_t admitted_total,
               std::unordered_map<UserId, uint32_t> live_holds);

 private:
  void Place(QueueTicket& t);
  void Unplace(QueueTicket& t);  // it stops waiting in line
  void FenAdd(uint64_t place, int32_t delta);
  uint64_t FenPrefix(uint64_t count) const;  // waiting among places [0, count)
  bool WaitingAt(uint64_t place) const;

  WaitingRoomSettings settings_;
  bool opened_ = false;
  std::unordered_map<UserId, QueueTicket> tickets_;  // one per user: the newest
  std::vector<UserId> line_;       // place -> user (stale when the user's ticket moved on)
  std::vector<int32_t> fenwick_;   // 1-based, over places: 1 while waiting there
  uint64_t head_ = 0;              // every place before it is no longer waiting
  std::vector<UserId> pre_line_;   // joined before opening, in arrival order
  std::set<std::pair<TimeMs, UserId>> lapses_;  // admitted: (admission_expires_at, user)
  std::deque<std::pair<TimeMs, uint32_t>> recent_;  // admissions of the last second: (at, n)
  std::unordered_map<UserId, uint32_t> live_holds_;  // zero counts are erased
  uint64_t in_line_ = 0, pre_queued_ = 0, admitted_total_ = 0;
  uint32_t active_ = 0;
};

}  // namespace cm::engine
