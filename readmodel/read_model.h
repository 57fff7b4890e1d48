#pragma once
// The durable read model: a copy of the engine state built only from durable events, for the
// gateway's GETs (concert lists, seat maps, reservations, user lookups at login). It is never
// a query through the sequencer, and it never runs ahead of the journal (DESIGN rule 2).
//
// It is the same fold of the same events as the sequencer's state, so no rule is written
// twice, but a reads-only one (EngineConfig::reads_only): no hold timers, idempotency keys,
// per-user counts or cooldown cells, which only deciding reads.
//
// Thread-safety: Apply runs on the publisher thread under an exclusive lock; readers take a
// shared lock through Read(). Seat-map JSON is cached per concert version, so a crowd
// refreshing the same map costs one serialization per change.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/engine_state.h"
#include "engine/event.h"

namespace cm::readmodel {

using engine::ConcertId;
using engine::EngineState;
using engine::ReservationId;
using engine::Seq;
using engine::UserId;

class ReadModel {
 public:
  explicit ReadModel(engine::EngineConfig config);

  // Starts from the state recovery produced (a deep copy). Call before any Apply.
  Status Load(const EngineState& recovered);
  // Applies one durable event (in seq order).
  Status Apply(const engine::Event& e);

  // Runs `f(const EngineState&)` under the shared lock and returns its result.
  template <class F>
  auto Read(F&& f) const {
    std::shared_lock lock(mu_);
    return f(*state_);
  }

  // The user's role on record now, and whether the token's login session still stands: one
  // lookup per request. Authority comes from here, never from a token's claims (HTTP and the
  // WebSocket alike); `sid` 0 asks for the role alone.
  struct Authority {
    std::optional<engine::Role> role;  // nullopt: no such user
    bool session_ended = false;        // the session `sid` ended (or was never this user's)
    bool disabled = false;             // an admin disabled the account (session_ended too)
  };
  Authority AuthorityOf(UserId user, engine::SessionId sid) const;

  Seq applied_seq() const;
  // The seq of the last durable event that changed this concert (0 if unknown concert).
  Seq ConcertVersion(ConcertId id) const;
  // The user's reservations the engine still knows, newest first.
  std::vector<ReservationId> ReservationsOf(UserId user) const;
  // The tickets the user holds now (bought, or given to them), newest first.
  std::vector<engine::TicketId> TicketsOf(UserId user) const;
  // Accounts for support, in email order: those whose email starts with `prefix` (all when
  // empty) and sorts after `after` (the last one of the page before), at most `limit`; with
  // `staff_only`, only STAFF and ADMIN accounts (a short list, kept apart).
  std::vector<UserId> FindUsers(std::string_view prefix, std::string_view after, std::size_t limit,
                                bool staff_only) const;

  // A cached rendering keyed by concert, form and version: `render` runs (under the shared
  // lock) only when the concert changed since the cached copy of that form. Returns a null
  // body for an unknown concert.
  struct Rendered {
    Seq version = 0;
    std::shared_ptr<const std::string> body;
  };
  enum class Form : uint8_t { kSeatMap = 0, kSeatLetters = 1 };
  Rendered CachedRender(ConcertId id,
                        const std::function<std::string(const EngineState&, Seq version)>& render,
                        Form form = Form::kSeatMap) const;

 private:
  void Touch(ConcertId id, Seq seq);
  void IndexReservation(UserId user, ReservationId id);
  void IndexUser(const engine::User& u);

  engine::EngineConfig config_;
  mutable std::shared_mutex mu_;
  std::unique_ptr<EngineState> state_;
  std::atomic<Seq> applied_{0};  // state_->last_seq(), read without the lock (every response)
  std::unordered_map<ConcertId, Seq> concert_version_;
  std::unordered_map<UserId, std::vector<ReservationId>> by_user_;  // oldest first
  std::unordered_map<UserId, std::vector<engine::TicketId>> tickets_by_holder_;  // oldest first
  std::map<std::string, UserId, std::less<>> users_by_email_;  // support's search, by prefix
  std::map<std::string, UserId, std::less<>> staff_by_email_;  // STAFF and ADMIN accounts

  mutable std::mutex cache_mu_;
  mutable std::unordered_map<ConcertId, Rendered> cache_[2];  // by Form
};

}  // namespace cm::readmodel
