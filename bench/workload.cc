#include "bench/workload.h"

#include <cstdio>

#include "engine/grid_venue.h"
#include "engine/member_list.h"

namespace cm::bench {

using namespace cm::engine;

std::vector<Command> WorldSetup(const WorldSpec& spec, TimeMs now) {
  std::vector<Command> out;
  auto admin = [&](CommandBody body) {
    Command c;
    c.now = now;
    c.actor_role = Role::kSystem;
    c.body = std::move(body);
    out.push_back(std::move(c));
  };
  for (int i = 0; i < spec.users; ++i)
    admin(RegisterUserCmd{"user" + std::to_string(i) + "@bench.io", "$argon2id$bench",
                          Role::kUser, ""});
  auto arena = MakeGridVenue("Bench Arena", {"VIP", "R", "S", "A"}, spec.sections, spec.rows,
                             spec.seats_per_row, 5);
  for (SectionSpec& section : arena->sections)
    for (int k = 0; k < 2 * spec.accessible_per_section && k < spec.seats_per_row; ++k)
      section.rows.back().seats[static_cast<std::size_t>(k)].attributes =
          k < spec.accessible_per_section ? kSeatWheelchair : kSeatCompanion;
  admin(CreateVenueCmd{arena});
  for (int k = 0; k < spec.concerts; ++k) {
    auto c = std::make_shared<ConcertSpec>();
    c->venue = static_cast<VenueId>(spec.users + 1);
    c->title = "Bench Concert " + std::to_string(k + 1);
    c->starts_at = now + 30LL * 86'400'000;
    c->sales_open_at = now;
    c->sales_close_at = c->starts_at;
    c->price_per_grade = {200'000, 150'000, 110'000, 80'000};
    c->hold_ttl_ms = spec.hold_ttl_ms;
    c->max_seats_per_user = spec.max_seats_per_user;
    c->rehold_cooldown_ms = spec.rehold_cooldown_ms;
    c->return_window_ms = spec.return_window_ms;
    c->return_key = {0x6265'6e63'6821ULL + static_cast<uint64_t>(k), 0x72'6574'7572'6e73ULL};
    if (spec.phases != WorldSpec::Phases::kNone) {
      constexpr TimeMs kDay = 86'400'000;
      const bool members = spec.phases == WorldSpec::Phases::kMembers;
      const TimeMs turn = members ? c->starts_at - kDay : now - kDay;  // the presale's close
      c->sales_open_at = members ? now : now - 2 * kDay;
      c->phases = {SalePhase{"presale", c->sales_open_at, turn, c->max_seats_per_user, true, {}},
                   SalePhase{"general", turn, c->sales_close_at, c->max_seats_per_user, false, {}}};
      c->member_key = {0x6d656d62ULL + static_cast<uint64_t>(k), 0x657273ULL};
    }
    admin(CreateConcertCmd{c});
    admin(OpenSalesCmd{ConcertIdOf(spec, k)});
    // Every user on the members-only presale's list, by email, as a fan club uploads it.
    if (spec.phases == WorldSpec::Phases::kMembers) {
      ListMembersCmd list{ConcertIdOf(spec, k), false, {}};
      for (int i = 0; i < spec.users; ++i) {
        list.entries.push_back(MemberEntry(c->member_key, MemberKind::kEmail,
                                           "user" + std::to_string(i) + "@bench.io"));
        if (list.entries.size() == kMaxMembersPerUpload || i + 1 == spec.users) {
          admin(list);
          list.entries.clear();
        }
      }
    }
  }
  return out;
}

std::vector<Command> HeldHallSetup(uint32_t seats, TimeMs now, Seq first_id) {
  std::vector<Command> out;
  auto add = [&](CommandBody body, UserId actor, Role role) {
    Command c;
    c.now = now;
    c.actor = actor;
    c.actor_role = role;
    c.has_idem = false;
    c.body = std::move(body);
    out.push_back(std::move(c));
  };
  const uint32_t users = seats / 4;
  for (uint32_t i = 0; i < users; ++i)
    add(RegisterUserCmd{"held" + std::to_string(i) + "@bench.io", "$argon2id$bench", Role::kUser,
                        ""},
        0, Role::kSystem);
  add(CreateVenueCmd{MakeGridVenue("Held Hall", {"VIP", "R", "S", "A"}, 20,
                                   static_cast<int>(seats / kHeldHallSection), 100, 5)},
      0, Role::kSystem);
  const auto venue = static_cast<VenueId>(first_id + users);
  const auto concert = static_cast<ConcertId>(venue + 1);
  auto c = std::make_shared<ConcertSpec>();
  c->venue = venue;
  c->title = "Held Hall Concert";
  c->starts_at = now + 60LL * 86'400'000;
  c->sales_open_at = now;
  c->sales_close_at = c->starts_at;
  c->price_per_grade = {200'000, 150'000, 110'000, 80'000};
  c->hold_ttl_ms = 30LL * 86'400'000;
  c->max_seats_per_user = 4;
  c->rehold_cooldown_ms = 0;
  add(CreateConcertCmd{c}, 0, Role::kSystem);
  add(OpenSalesCmd{concert}, 0, Role::kSystem);
  for (uint32_t s = 0; s < seats; ++s) {
    HoldSeatsCmd h;
    h.concert = concert;
    h.seats.push_back(static_cast<SeatIndex>(s));
    h.requested = 1;
    add(h, static_cast<UserId>(first_id + s / 4), Role::kUser);
  }
  return out;
}

bool CheckHeldSeats(uint32_t seats) {
  if (seats % kHeldHallSection == 0) return true;
  std::fprintf(stderr, "--held-seats must be a multiple of %u\n", kHeldHallSection);
  return false;
}

ConcertId ConcertIdOf(const WorldSpec& spec, int k) {
  return static_cast<ConcertId>(spec.users + 2 + 2 * k);
}

HoldReleaseMix::HoldReleaseMix(const WorldSpec& spec, uint64_t seed)
    : spec_(spec),
      seats_per_concert_(static_cast<uint32_t>(spec.sections * spec.rows * spec.seats_per_row)),
      rng_(seed) {
  live_.reserve(1 << 20);
}

void HoldReleaseMix::Next(TimeMs now, Command* cmd) {
  cmd->now = now;
  cmd->actor_role = Role::kUser;
  cmd->has_idem = false;
  if (!live_.empty() && (rng_.Next() & 1)) {
    const std::size_t i = rng_.Below(live_.size());
    cmd->actor = live_[i].second;
    cmd->body = ReleaseHoldCmd{live_[i].first};
    live_[i] = live_.back();
    live_.pop_back();
    return;
  }
  HoldSeatsCmd h;
  h.concert = ConcertIdOf(spec_, static_cast<int>(rng_.Below(spec_.concerts)));
  const auto n = 1 + rng_.Below(4);
  const SeatIndex base = static_cast<SeatIndex>(rng_.Below(seats_per_concert_ - 4));
  for (uint64_t k = 0; k < n; ++k) h.seats.push_back(base + static_cast<SeatIndex>(k));
  h.requested = h.seats.count;
  cmd->actor = 1 + rng_.Below(spec_.users);
  cmd->body = h;
}

void HoldReleaseMix::OnEvent(const Event& e, uint64_t, bool) {
  ++events;
  switch (TypeOf(e)) {
    case EventType::kHoldPlaced: {
      const auto& h = std::get<HoldPlaced>(e.body);
      live_.emplace_back(h.reservation, h.user);
      ++holds;
      break;
    }
    case EventType::kHoldReleased: ++releases; break;
    case EventType::kHoldExpired: ++expiries; break;  // stays in live_; its release is refused
    case EventType::kCommandRejected: ++rejections; break;
    default: break;
  }
}

}  // namespace cm::bench
