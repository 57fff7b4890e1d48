#include "tests/support/test_world.h"

#include <stdexcept>

#include "engine/codec/event_codec.h"
#include "engine/grid_venue.h"

namespace cm::test {

std::shared_ptr<VenueSpec> GridVenue(int sections, int rows, int seats_per_row, int grades) {
  std::vector<std::string> names;
  for (int g = 0; g < grades; ++g) names.push_back("G" + std::to_string(g));
  return MakeGridVenue("Grid Hall", std::move(names), sections, rows, seats_per_row);
}

WaitingRoomSettings QueueRoom(uint32_t cap, uint32_t admit_per_second) {
  WaitingRoomSettings r;
  r.enabled = true;
  r.max_active = cap;
  r.admit_per_second = admit_per_second;
  r.admission_ttl_ms = 60'000;
  r.pre_queue_ms = 10'000;
  r.abandon_after_ms = 600'000;
  return r;
}

std::unique_ptr<EngineState> ReplayThroughJournal(const std::vector<Event>& events) {
  std::string journal;
  for (const Event& e : events) EncodeEvent(e, &journal);
  auto replayed = std::make_unique<EngineState>();
  std::string_view in = journal;
  while (!in.empty()) {
    Event e;
    if (!DecodeEvent(&in, &e).ok()) throw std::runtime_error("a journaled event does not decode");
    if (const Status s = replayed->Apply(e); !s.ok()) throw std::runtime_error(s.ToString());
  }
  return replayed;
}

// The first ticks' entropy, so that a concert created now commits its rooms' draws at once, as
// a running server's would (engine/sequencer_draws.cc). They emit nothing.
TestWorld::TestWorld(EngineConfig config, bool first_ticks) : state(config) {
  if (first_ticks)
    for (uint64_t i = 0; i < Sequencer::kEntropyTicks; ++i) Tick(0, 0x5eed + i);
}

Command TestWorld::As(UserId user, TimeMs now, CommandBody body) const {
  Command c;
  c.now = now;
  c.actor = user;
  c.actor_role = Role::kUser;
  if (const User* u = state.FindUser(user)) c.actor_role = u->role;
  c.body = std::move(body);
  return c;
}

Command TestWorld::AsAdmin(TimeMs now, CommandBody body) const {
  Command c;
  c.now = now;
  c.actor_role = Role::kSystem;
  c.body = std::move(body);
  return c;
}

Event TestWorld::Run(Command cmd) {
  const std::size_t before = sink.events.size();
  sequencer.Execute(cmd, sink);
  if (sink.events.size() == before) throw std::logic_error("the command produced no event");
  return sink.events.back();
}

UserId TestWorld::AddUser(const std::string& email, Role role) {
  Event e = Run(AsAdmin(kStart, RegisterUserCmd{email, "$argon2id$fake", role, ""}));
  return std::get<UserRegistered>(e.body).user;
}

VenueId TestWorld::AddVenue(std::shared_ptr<VenueSpec> spec) {
  Event e = Run(AsAdmin(kStart, CreateVenueCmd{std::move(spec)}));
  return std::get<VenueCreated>(e.body).venue;
}

namespace {

std::shared_ptr<ConcertSpec> TestSpec(const Venue& venue, uint32_t max_per_user, TimeMs ttl) {
  auto spec = std::make_shared<ConcertSpec>();
  spec->venue = venue.id;
  spec->title = "Test Concert";
  spec->starts_at = TestWorld::kStart + 7 * 86'400'000LL;
  spec->sales_open_at = TestWorld::kStart;
  spec->sales_close_at = TestWorld::kStart + 86'400'000LL;
  spec->price_per_grade.assign(venue.grade_count(), 0);
  for (std::size_t g = 0; g < spec->price_per_grade.size(); ++g)
    spec->price_per_grade[g] = 100'000 - 10'000 * static_cast<int64_t>(g);
  spec->hold_ttl_ms = ttl;
  spec->max_seats_per_user = max_per_user;
  return spec;
}

}  // namespace

// The concert a CreateConcert made: its answer, before the commitments of its rooms' draws.
ConcertId TestWorld::Create(std::shared_ptr<const ConcertSpec> spec) {
  const std::size_t before = sink.events.size();
  Run(AsAdmin(kStart, CreateConcertCmd{std::move(spec)}));
  for (std::size_t i = before; i < sink.events.size(); ++i)
    if (const auto* c = std::get_if<ConcertCreated>(&sink.events[i].body)) return c->concert;
  throw std::logic_error("the concert was not created");
}

ConcertId TestWorld::AddConcert(VenueId venue, bool open, uint32_t max_per_user, TimeMs ttl) {
  const ConcertId id = Create(TestSpec(*state.FindVenue(venue), max_per_user, ttl));
  if (open) Run(AsAdmin(kStart, OpenSalesCmd{id}));
  return id;
}

std::shared_ptr<ConcertSpec> TestWorld::ConcertSpecFor(VenueId venue) const {
  return TestSpec(*state.FindVenue(venue), 4, kDefaultHoldTtlMs);
}

ConcertId TestWorld::AddConcertSpec(std::shared_ptr<ConcertSpec> spec, bool open) {
  const ConcertId id = Create(std::move(spec));
  if (open) Run(AsAdmin(kStart, OpenSalesCmd{id}));
  return id;
}

ConcertId TestWorld::AddQueuedConcert(VenueId venue, const WaitingRoomSettings& room,
                                      TimeMs sales_open_at, TimeMs ttl) {
  auto spec = TestSpec(*state.FindVenue(venue), 4, ttl);
  spec->title = "Queued Concert";
  spec->sales_open_at = sales_open_at;
  spec->waiting_room = room;
  spec->waiting_room.enabled = true;
  const ConcertId id = Create(spec);
  Run(AsAdmin(kStart, OpenSalesCmd{id}));
  return id;
}

Event TestWorld::Hold(UserId user, ConcertId concert, std::vector<SeatIndex> seats, TimeMs now) {
  HoldSeatsCmd h;
  h.concert = concert;
  for (SeatIndex s : seats) h.seats.push_back(s);
  h.requested = static_cast<uint8_t>(seats.size());
  if (!holds_as_old_writer) return Run(As(user, now, h));
  const Concert& c = *state.FindConcert(concert);
  Event e;
  e.seq = state.last_seq() + 1;
  e.term = state.term();
  e.ts = now;
  HoldPlaced& placed = e.body.emplace<HoldPlaced>();
  placed.reservation = state.IdOf(e.seq);
  placed.concert = concert;
  placed.user = user;
  for (SeatIndex s : seats) placed.amount += c.PriceOf(s);
  placed.expires_at = now + c.spec->hold_ttl_ms;
  placed.seats = h.seats;
  if (Status s = state.Apply(e); !s.ok()) throw std::logic_error(s.ToString());
  sink.events.push_back(e);
  return e;
}

Event TestWorld::Give(UserId from, TicketId ticket, UserId to, TimeMs now) {
  const User* recipient = state.FindUser(to);
  Event offered = Run(As(from, now, TransferTicketCmd{ticket, recipient ? recipient->email : ""}));
  if (TypeOf(offered) != EventType::kTicketOffered) return offered;
  return Run(As(to, now, AcceptTransferCmd{ticket}));
}

Event TestWorld::Tick(TimeMs now, uint64_t entropy) {
  const std::size_t before = sink.events.size();
  sequencer.Execute(AsAdmin(now, TickCmd{entropy}), sink);
  return sink.events.size() == before ? Event{} : sink.events.back();
}

ResultCode CodeOf(const Event& e) { return OutcomeOf(e).code; }

}  // namespace cm::test
