#include "readmodel/read_model.h"

#include <algorithm>
#include <tuple>

#include "engine/codec/state_codec.h"

namespace cm::readmodel {

namespace {
engine::EngineConfig ReadsOnly(engine::EngineConfig config) {
  config.reads_only = true;
  return config;
}
}  // namespace

ReadModel::ReadModel(engine::EngineConfig config)
    : config_(ReadsOnly(config)), state_(std::make_unique<EngineState>(config_)) {}

Status ReadModel::Load(const EngineState& recovered) {
  std::string bytes;
  engine::EncodeState(recovered, &bytes);
  auto copy = engine::DecodeState(bytes, config_);
  if (!copy.ok()) return copy.status();  // reads only: DecodeState dropped the decision state
  std::unique_lock lock(mu_);
  state_ = std::move(copy).value();
  applied_.store(state_->last_seq(), std::memory_order_release);
  {
    // A reload may go back (a follower cutting its tail): a seq rendered before may come again
    // with other events.
    std::lock_guard cache_lock(cache_mu_);
    for (auto& cache : cache_) cache.clear();
  }
  concert_version_.clear();
  by_user_.clear();
  for (const auto& [id, c] : state_->concerts()) concert_version_[id] = state_->last_seq();
  // Oldest first, as the live index appends them. Ids name slots, which say nothing of age.
  std::vector<std::tuple<engine::TimeMs, ReservationId, UserId>> made;
  for (const auto& [id, r] : state_->reservations()) made.emplace_back(r.created_at, id, r.user);
  std::sort(made.begin(), made.end());
  for (const auto& [at, id, user] : made) IndexReservation(user, id);
  tickets_by_holder_.clear();
  std::vector<engine::TicketId> tickets;
  for (const auto& [id, t] : state_->tickets()) tickets.push_back(id);
  std::sort(tickets.begin(), tickets.end());
  for (engine::TicketId id : tickets) tickets_by_holder_[state_->FindTicket(id)->holder].push_back(id);
  users_by_email_.clear();
  staff_by_email_.clear();
  for (const auto& [id, u] : state_->users()) IndexUser(u);
  return Status::OK();
}

void ReadModel::IndexUser(const engine::User& u) {
  users_by_email_.emplace(u.email, u.id);
  if (u.role == engine::Role::kStaff || u.role == engine::Role::kAdmin)
    staff_by_email_.emplace(u.email, u.id);
}

std::vector<UserId> ReadModel::FindUsers(std::string_view prefix, std::string_view after,
                                         std::size_t limit, bool staff_only) const {
  std::shared_lock lock(mu_);
  const auto& index = staff_only ? staff_by_email_ : users_by_email_;
  auto it = after.empty() || after < prefix ? index.lower_bound(prefix) : index.upper_bound(after);
  std::vector<UserId> found;
  for (; it != index.end() && found.size() < limit; ++it) {
    if (!std::string_view(it->first).starts_with(prefix)) break;
    found.push_back(it->second);
  }
  return found;
}

void ReadModel::Touch(ConcertId id, Seq seq) { concert_version_[id] = seq; }

void ReadModel::IndexReservation(UserId user, ReservationId id) {
  std::vector<ReservationId>& mine = by_user_[user];
  mine.push_back(id);
  // Drop ids the engine has forgotten (ended past retention), so the index stays bounded.
  if (mine.size() > 64) {
    std::erase_if(mine, [&](ReservationId r) { return state_->FindReservation(r) == nullptr; });
  }
}

Status ReadModel::Apply(const engine::Event& e) {
  using namespace engine;
  std::unique_lock lock(mu_);
  if (Status s = state_->Apply(e); !s.ok()) return s;
  // A reader that sees it takes the shared lock next, so it waits for the rest of this event.
  applied_.store(e.seq, std::memory_order_release);
  auto concert_of = [&](ReservationId id) -> ConcertId {
    const Reservation* r = state_->FindReservation(id);
    return r ? r->concert : 0;
  };
  switch (TypeOf(e)) {
    case EventType::kUserRegistered:
      IndexUser(*state_->FindUser(std::get<UserRegistered>(e.body).user));
      break;
    case EventType::kTicketIssued: {
      const auto& b = std::get<TicketIssued>(e.body);
      tickets_by_holder_[b.holder].push_back(b.ticket);
      break;
    }
    case EventType::kTicketTransferred: {
      const auto& b = std::get<TicketTransferred>(e.body);
      std::erase(tickets_by_holder_[b.from], b.ticket);
      std::vector<engine::TicketId>& theirs = tickets_by_holder_[b.to];
      theirs.insert(std::upper_bound(theirs.begin(), theirs.end(), b.ticket), b.ticket);
      break;
    }
    case EventType::kSeatsReleased:
      Touch(std::get<SeatsReleased>(e.body).concert, e.seq);
      break;
    case EventType::kReservationCancelled:
      Touch(std::get<ReservationCancelled>(e.body).concert, e.seq);
      break;
    case EventType::kSeatsReturned:
      Touch(std::get<SeatsReturned>(e.body).concert, e.seq);
      break;
    case EventType::kSalePhaseBegan:
      Touch(std::get<SalePhaseBegan>(e.body).concert, e.seq);
      break;
    case EventType::kConcertCreated:
      Touch(std::get<ConcertCreated>(e.body).concert, e.seq);
      break;
    case EventType::kSalesOpened:
      Touch(std::get<SalesOpened>(e.body).concert, e.seq);
      break;
    case EventType::kSalesClosed:
      Touch(std::get<SalesClosed>(e.body).concert, e.seq);
      break;
    case EventType::kHoldPlaced: {
      const auto& b = std::get<HoldPlaced>(e.body);
      Touch(b.concert, e.seq);
      IndexReservation(b.user, b.reservation);
      break;
    }
    case EventType::kHoldReleased:
      Touch(concert_of(std::get<HoldReleased>(e.body).reservation), e.seq);
      break;
    case EventType::kHoldExpired:
      Touch(concert_of(std::get<HoldExpired>(e.body).reservation), e.seq);
      break;
    case EventType::kReservationConfirmed:
      Touch(concert_of(std::get<ReservationConfirmed>(e.body).reservation), e.seq);
      break;
    case EventType::kReservationRefunded:
      Touch(concert_of(std::get<ReservationRefunded>(e.body).reservation), e.seq);
      break;
    default:
      break;
  }
  concert_version_.erase(0);
  return Status::OK();
}

ReadModel::Authority ReadModel::AuthorityOf(UserId user, engine::SessionId sid) const {
  std::shared_lock lock(mu_);
  Authority a;
  const engine::User* u = state_->FindUser(user);
  if (u == nullptr) return a;
  a.role = u->role;
  // A disabled account has no standing session, whatever its token says.
  a.disabled = a.session_ended = u->disabled;
  if (sid == 0 || a.disabled) return a;
  if (const engine::Session* s = state_->sessions().Find(sid)) {
    a.session_ended = s->user != user;
  } else {
    // Gone, unless it is newer than what this replica has applied (a follower that lags):
    // then it cannot tell yet, and the signature stands.
    a.session_ended = sid <= state_->IdOf(state_->last_seq());
  }
  return a;
}

Seq ReadModel::applied_seq() const { return applied_.load(std::memory_order_acquire); }

Seq ReadModel::ConcertVersion(ConcertId id) const {
  std::shared_lock lock(mu_);
  auto it = concert_version_.find(id);
  return it == concert_version_.end() ? 0 : it->second;
}

std::vector<ReservationId> ReadModel::ReservationsOf(UserId user) const {
  std::shared_lock lock(mu_);
  std::vector<ReservationId> out;
  auto it = by_user_.find(user);
  if (it == by_user_.end()) return out;
  for (auto r = it->second.rbegin(); r != it->second.rend(); ++r)
    if (state_->FindReservation(*r) != nullptr) out.push_back(*r);
  return out;
}

std::vector<engine::TicketId> ReadModel::TicketsOf(UserId user) const {
  std::shared_lock lock(mu_);
  auto it = tickets_by_holder_.find(user);
  if (it == tickets_by_holder_.end()) return {};
  return {it->second.rbegin(), it->second.rend()};
}

ReadModel::Rendered ReadModel::CachedRender(
    ConcertId id,
    const std::function<std::string(const EngineState&, Seq version)>& render, Form form) const {
  auto& cache = cache_[static_cast<std::size_t>(form)];
  std::shared_lock lock(mu_);
  auto vit = concert_version_.find(id);
  if (vit == concert_version_.end()) return {};
  const Seq version = vit->second;
  {
    std::lock_guard c(cache_mu_);
    auto it = cache.find(id);
    if (it != cache.end() && it->second.version == version) return it->second;
  }
  Rendered fresh{version, std::make_shared<const std::string>(render(*state_, version))};
  std::lock_guard c(cache_mu_);
  cache[id] = fresh;
  return fresh;
}

}  // namespace cm::readmodel
