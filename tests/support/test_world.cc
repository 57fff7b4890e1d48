#include "tests/support/test_world.h"

#include <stdexcept>

namespace cm::test {

std::shared_ptr<VenueSpec> GridVenue(int sections, int rows, int seats_per_row, int grades) {
  auto v = std::make_shared<VenueSpec>();
  v->name = "Grid Hall";
  for (int g = 0; g < grades; ++g) v->grades.push_back("G" + std::to_string(g));
  for (int s = 0; s < sections; ++s) {
    SectionSpec section;
    section.name = "S" + std::to_string(s);
    for (int r = 0; r < rows; ++r) {
      RowSpec row;
      row.label = std::to_string(r + 1);
      for (int n = 0; n < seats_per_row; ++n) {
        const int32_t x = 2 * n - (seats_per_row - 1) + s * 1000;
        row.seats.push_back(SeatSpec{static_cast<uint16_t>(n + 1),
                                     static_cast<uint8_t>(r % grades), x, 10 * (r + 1)});
      }
      section.rows.push_back(std::move(row));
    }
    v->sections.push_back(std::move(section));
  }
  return v;
}

TestWorld::TestWorld(EngineConfig config) : state(config) {}

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
  Event e = Run(AsAdmin(kStart, RegisterUserCmd{email, "$argon2id$fake", role}));
  return std::get<UserRegistered>(e.body).user;
}

VenueId TestWorld::AddVenue(std::shared_ptr<VenueSpec> spec) {
  Event e = Run(AsAdmin(kStart, CreateVenueCmd{std::move(spec)}));
  return std::get<VenueCreated>(e.body).venue;
}

ConcertId TestWorld::AddConcert(VenueId venue, bool open, uint32_t max_per_user, TimeMs ttl) {
  auto spec = std::make_shared<ConcertSpec>();
  spec->venue = venue;
  spec->title = "Test Concert";
  spec->starts_at = kStart + 7 * 86'400'000LL;
  spec->sales_open_at = kStart;
  spec->sales_close_at = kStart + 86'400'000LL;
  spec->price_per_grade.assign(state.FindVenue(venue)->grade_count(), 0);
  for (std::size_t g = 0; g < spec->price_per_grade.size(); ++g)
    spec->price_per_grade[g] = 100'000 - 10'000 * static_cast<int64_t>(g);
  spec->hold_ttl_ms = ttl;
  spec->max_seats_per_user = max_per_user;
  Event e = Run(AsAdmin(kStart, CreateConcertCmd{spec}));
  const ConcertId id = std::get<ConcertCreated>(e.body).concert;
  if (open) Run(AsAdmin(kStart, OpenSalesCmd{id}));
  return id;
}

Event TestWorld::Hold(UserId user, ConcertId concert, std::vector<SeatIndex> seats, TimeMs now) {
  HoldSeatsCmd h;
  h.concert = concert;
  for (SeatIndex s : seats) h.seats.push_back(s);
  h.requested = static_cast<uint8_t>(seats.size());
  return Run(As(user, now, h));
}

Event TestWorld::Tick(TimeMs now) {
  const std::size_t before = sink.events.size();
  sequencer.Execute(AsAdmin(now, TickCmd{}), sink);
  return sink.events.size() == before ? Event{} : sink.events.back();
}

ResultCode CodeOf(const Event& e) { return OutcomeOf(e).code; }

}  // namespace cm::test
