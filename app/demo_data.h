#pragma once
// Startup data: the bootstrapped admin, and with --demo a venue, a concert on sale and a demo
// user. Each step runs through the engine like any request, and is skipped when it already
// happened (a restart on the same data directory does not duplicate anything).

#include <string>

#include "app/engine_bridge.h"
#include "readmodel/read_model.h"

namespace cm::app {

struct DemoAccounts {
  static constexpr const char* kAdminEmail = "admin@concertmania.local";
  static constexpr const char* kAdminPassword = "admin-demo-pass";
  static constexpr const char* kUserEmail = "demo@concertmania.local";
  static constexpr const char* kUserPassword = "demo-user-pass";
  static constexpr const char* kStaffEmail = "door@concertmania.local";
  static constexpr const char* kStaffPassword = "door-demo-pass";
};

// Creates an ADMIN account with this email unless one exists. Returns false (logged) on failure.
bool EnsureAdmin(EngineBridge& bridge, const readmodel::ReadModel& reads, const std::string& email,
                 const std::string& password, const std::string& name);

// The demo user, the "Olympic Hall" venue (3,200 seats: VIP, R, S, A) and a concert on sale.
bool LoadDemo(EngineBridge& bridge, const readmodel::ReadModel& reads, int64_t now_ms);

}  // namespace cm::app
