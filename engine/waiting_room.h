#pragma once
// A concert's waiting room: who is in line and in what order, who is admitted to shop, and how
// fast people are let in. It is part of the engine state, so it changes only through events
// (EngineState::Apply); the sequencer reads it to decide admissions on each Tick.
//
// Order: people who join in the pre-queue window (before sales open) wait in a pool, in no
// order. Once the room opens, QueueDrawn events move them into the line a batch at a time, in
// the order of the draw the room committed to before its first join (engine/opening_draw.h:
// by each entry's rank under the seed, kept in a RankedPool), so arriving early gives no edge,
// anyone can check the order afterwards, replay reproduces it, and opening a room of a million
// costs no more per tick than a small one. Everyone who joins after opening stands behind the
// whole pool (FIFO). A pool member has no position until drawn.
// Rooms of journals before version 18 have no commitment: their pool is drawn at random with
// SplitMix64 from the seed journaled in QueueOpened (OpenOrder::kDrawn), and still replays so.
// Positions: a Fenwick tree per part of the line (QueueLine) counts who still waits ahead.
// Admission: at most max_active admitted at once and admit_per_second in any one-second
// window. An admission lapses admission_ttl_ms after it began, and nothing pushes that back:
// holds placed while admitted stay payable until their own expiry, but once the admission
// lapses the user places no new ones and the next in line takes the place. (Letting holds
// extend it let one user keep an admission for ever by rolling holds while the line waited.)
// A purchase completes it.
// Thread-safety: none (the sequencer thread, or the read model under its lock).

#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/concert_spec.h"
#include "engine/opening_draw.h"
#include "engine/queue_line.h"
#include "engine/ranked_pool.h"
#include "engine/types.h"

namespace cm::engine {

using QueueTicketId = uint64_t;  // the seq of the QueueJoined event

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

// How an opening orders the pre-queue: by the committed draw's ranks (version 18 on), or at
// random from QueueOpened's seed (kDrawn, versions 5 to 17). Journals written before version 5
// shuffled all of it in the opening event; they replay that way.
enum class OpenOrder : uint8_t { kDrawn = 0, kShuffledAtOnce = 1, kRanked = 2 };

struct QueueTicket {
  static constexpr uint64_t kNotPlaced = UINT64_MAX;  // in the pre-queue pool: no place yet
  // Places of those who joined after opening start here, behind every place of the pool.
  static constexpr uint64_t kLatePlaces = uint64_t{1} << 62;

  QueueTicketId id = 0;
  UserId user = 0;
  TicketStatus status = TicketStatus::kWaiting;
  TicketEnd end = TicketEnd::kLeft;  // why it ended (kExpired, kLeft)
  uint64_t place = kNotPlaced;       // index in the line
  uint64_t pool_index = 0;           // while in the pool: where (not encoded, rebuilt)
  uint64_t rank = 0;  // waiting in a committed room's pool: its rank (engine/opening_draw.h)
  TimeMs joined_at = 0;
  TimeMs admitted_at = 0;
  TimeMs admission_expires_at = 0;  // the admission's hard end
  TimeMs ended_at = 0;
  bool operator==(const QueueTicket&) const = default;
};

// A room as its snapshot holds it (state_codec.cc).
struct WaitingRoomParts {
  bool opened = false;
  std::vector<QueueTicket> tickets;
  std::vector<UserId> drawn;  // the pool's part of the line, in drawn order
  uint64_t drawn_head = 0;
  std::vector<UserId> pool;   // not drawn yet, in pool order (the draws depend on it)
  uint64_t draw_state = 0;
  // A committed room's draw (the concert's, restored first) and its entries not drawn yet,
  // with their ranks.
  OpeningDraw* draw = nullptr;
  std::vector<std::pair<UserId, uint64_t>> ranked;
  std::vector<UserId> late;   // joined after opening, in order
  uint64_t late_head = 0;
  std::deque<std::pair<TimeMs, uint32_t>> recent;
  uint64_t admitted_total = 0;
  std::unordered_map<UserId, uint32_t> live_holds;
};

class WaitingRoom {
 public:

  explicit WaitingRoom(const WaitingRoomSettings& settings) : settings_(settings) {}
  WaitingRoom(const WaitingRoom&) = delete;  // the pool points into this room's tickets
  WaitingRoom& operator=(const WaitingRoom&) = delete;

  const WaitingRoomSettings& settings() const { return settings_; }
  bool opened() const { return opened_; }
  const QueueTicket* Find(UserId user) const;
  bool IsAdmitted(UserId user) const;
  // 1 for the next in line; 0 when not waiting or still in the pool (no order yet).
  uint64_t PositionOf(const QueueTicket& t) const;
  uint64_t in_line() const { return drawn_.waiting() + late_.waiting(); }  // with a place
  // Waiting in the pool, not drawn yet.
  uint64_t pre_queued() const { return ranked() ? ranked_waiting_ : pool_.size(); }
  // Pool entries the draw has still to take (a committed room's include those who left).
  uint64_t undrawn() const { return ranked() ? ranked_.size() : pool_.size(); }
  // The committed draw this room follows; null for a room of an older journal.
  const OpeningDraw* draw() const { return draw_; }
  bool ranked() const { return draw_ != nullptr; }
  // Nobody has joined and it has not opened: a draw may still be committed for it.
  bool untouched() const { return tickets_.empty() && !opened_; }
  // It waits for its committed draw before taking joins or opening (the first ticks after a
  // start; engine/sequencer_draws.cc).
  bool awaits_draw() const { return !ranked() && untouched(); }
  // A user's pseudonym in the draw (engine/opening_draw.h). REQUIRES: ranked().
  Pseudonym EntryName(UserId user) const { return NameOf(user); }
  uint64_t waiting() const { return in_line() + pre_queued(); }
  uint32_t active() const { return active_; }
  uint64_t admitted_total() const { return admitted_total_; }
  std::size_t tickets() const { return tickets_.size(); }
  // The user's live holds in this concert (whatever their ticket says).
  uint32_t LiveHolds(UserId user) const;

  // For the sequencer (read only). How many may be admitted at `now` (cap, rate, line).
  uint32_t AdmissionsAllowed(TimeMs now) const;
  // The next `n` waiting users, in order; none behind the undrawn pool. Cost: n plus the places
  // given up ahead of them.
  void NextInLine(uint32_t n, std::vector<UserId>* out) const;
  // Admitted users whose admission time is up at `now`.
  void DueLapses(TimeMs now, std::vector<UserId>* out) const;

  // Changes, from EngineState::Apply only. False when the event contradicts the room.
  bool Join(QueueTicketId id, UserId user, TimeMs now);
  // The room follows `draw` (committed, owned by the concert) from now on. Only while empty.
  bool UseDraw(OpeningDraw* draw);
  bool Open(uint64_t seed, OpenOrder order, TimeMs now, Seq seq);
  bool Draw(uint32_t count);  // the next `count` of the pool, in the draw's order, join the line
  bool Admit(const std::vector<UserId>& users, TimeMs now, TimeMs expires_at);
  bool End(UserId user, TicketEnd why, TimeMs now);
  void OnHoldPlaced(UserId user);
  void OnHoldEnded(UserId user, bool bought, TimeMs now);

  // For the snapshot codec, the hash and the invariant checker.
  const std::unordered_map<UserId, QueueTicket>& ticket_map() const { return tickets_; }
  const QueueLine& drawn() const { return drawn_; }
  std::vector<UserId> pool() const;  // in pool order
  uint64_t draw_state() const { return draw_state_; }
  const QueueLine& late() const { return late_; }
  const RankedPool& ranked_pool() const { return ranked_; }
  const std::deque<std::pair<TimeMs, uint32_t>>& recent() const { return recent_; }
  const std::unordered_map<UserId, uint32_t>& live_holds() const { return live_holds_; }
  // Rebuilds a room from its encoded parts; false if they disagree.
  bool Restore(WaitingRoomParts parts);

 private:
  void ToPool(QueueTicket& t);
  void FromPool(const QueueTicket& t);
  void LeavePool(QueueTicket& t);
  void DrawRanked(uint32_t count);
  bool RestoreRanked(const std::vector<std::pair<UserId, uint64_t>>& entries, uint64_t* unplaced);
  Pseudonym NameOf(UserId user) const { return PseudonymOf(*names_, user); }
  void ShuffleAtOnce(uint64_t seed);
  void Unplace(QueueTicket& t);  // it stops waiting in line
  bool WaitingAt(const QueueLine& line, uint64_t base, uint64_t place) const;

  WaitingRoomSettings settings_;
  bool opened_ = false;
  std::unordered_map<UserId, QueueTicket> tickets_;  // one per user: the newest
  // Pre-queued, not drawn; leaving swaps the last one in. Pointers into tickets_, whose nodes
  // never move and are never erased, so a draw costs no hash lookup.
  std::vector<QueueTicket*> pool_;
  uint64_t draw_state_ = 0;   // SplitMix64, from the opening's seed
  // A committed room's pool instead (pool_ stays empty): entries by rank, the key's HMAC
  // prepared once, and how many of the entries still wait.
  OpeningDraw* draw_ = nullptr;
  std::unique_ptr<HmacSha256> names_;
  RankedPool ranked_;
  uint64_t ranked_waiting_ = 0;
  QueueLine drawn_;           // places [0, kLatePlaces): the pool, as drawn
  QueueLine late_;            // places kLatePlaces + i: joined after opening
  std::set<std::pair<TimeMs, UserId>> lapses_;  // admitted: (admission_expires_at, user)
  std::deque<std::pair<TimeMs, uint32_t>> recent_;  // admissions of the last second: (at, n)
  std::unordered_map<UserId, uint32_t> live_holds_;  // zero counts are erased
  uint64_t admitted_total_ = 0;
  uint32_t active_ = 0;
};

}  // namespace cm::engine
