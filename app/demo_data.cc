#include "app/demo_data.h"

#include <spdlog/spdlog.h>

#include "auth/credentials.h"
#include "app/demo_hall.h"
#include "runtime/wall_clock.h"

namespace cm::app {
namespace {

constexpr auto kWait = std::chrono::seconds(30);

bool Ok(const std::optional<engine::Event>& e, const char* what) {
  if (e && engine::OutcomeOf(*e).code == engine::ResultCode::kOk) return true;
  spdlog::error("startup: {} failed ({})", what,
                e ? std::string(engine::ToString(engine::OutcomeOf(*e).code)) : "no answer");
  return false;
}

engine::Command System(engine::CommandBody body, int64_t now_ms) {
  engine::Command c;
  c.now = now_ms;
  c.actor_role = engine::Role::kSystem;
  c.body = std::move(body);
  return c;
}

bool EnsureUser(EngineBridge& bridge, const readmodel::ReadModel& reads, const std::string& email,
                const std::string& password, const std::string& name, engine::Role role) {
  if (reads.Read([&](const engine::EngineState& s) { return s.FindUserByEmail(email) != nullptr; }))
    return true;
  const int64_t now = runtime::WallNowMs();
  return Ok(bridge.RunAndWait(System(engine::RegisterUserCmd{email, auth::HashPassword(password),
                                                             role, name},
                                     now),
                              kWait),
            "creating an account");
}

}  // namespace

bool EnsureAdmin(EngineBridge& bridge, const readmodel::ReadModel& reads, const std::string& email,
                 const std::string& password, const std::string& name) {
  if (password.size() < 8) {
    spdlog::error("startup: the admin password must be at least 8 characters");
    return false;
  }
  return EnsureUser(bridge, reads, email, password, name, engine::Role::kAdmin);
}

bool LoadDemo(EngineBridge& bridge, const readmodel::ReadModel& reads, int64_t now_ms) {
  if (!EnsureUser(bridge, reads, DemoAccounts::kUserEmail, DemoAccounts::kUserPassword,
                  "Demo Fan", engine::Role::kUser))
    return false;
  if (!EnsureUser(bridge, reads, DemoAccounts::kStaffEmail, DemoAccounts::kStaffPassword,
                  "Door Staff", engine::Role::kStaff))
    return false;
  if (reads.Read([](const engine::EngineState& s) { return !s.concerts().empty(); }))
    return true;  // a restart: the demo concert (or real ones) already exist
  auto venue = bridge.RunAndWait(
      System(engine::CreateVenueCmd{MakeDemoHall()}, now_ms),
      kWait);
  if (!Ok(venue, "creating the demo venue")) return false;
  auto spec = std::make_shared<engine::ConcertSpec>();
  spec->venue = std::get<engine::VenueCreated>(venue->body).venue;
  spec->title = "Concert Mania Live: Opening Night";
  // 19:00 in Seoul (10:00 UTC; Korea keeps no summer time) thirty days from now, doors 90
  // minutes before, as Olympic Hall shows run.
  constexpr int64_t kDayMs = 24LL * 3600 * 1000;
  spec->starts_at = (now_ms + 30 * kDayMs) / kDayMs * kDayMs + 10LL * 3600 * 1000;
  spec->doors_open_at = spec->starts_at - 90LL * 60 * 1000;
  spec->sales_open_at = now_ms - 60'000;
  spec->sales_close_at = spec->starts_at - 3600'000;
  spec->price_per_grade = {165'000, 132'000, 99'000, 77'000};
  spec->max_seats_per_user = 4;
  // 무통장입금 too: due by 23:59 KST the day after the request (the defaults).
  spec->bank_transfer.enabled = true;
  auto concert = bridge.RunAndWait(System(engine::CreateConcertCmd{spec}, now_ms), kWait);
  if (!Ok(concert, "creating the demo concert")) return false;
  const auto id = std::get<engine::ConcertCreated>(concert->body).concert;
  if (!Ok(bridge.RunAndWait(System(engine::OpenSalesCmd{id}, now_ms), kWait),
          "opening the demo concert's sales"))
    return false;
  spdlog::info("demo: concert {} on sale with 3200 seats", id);
  return true;
}

}  // namespace cm::app
