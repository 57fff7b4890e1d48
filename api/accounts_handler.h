#pragma once
// Accounts: signup, login, refresh-token rotation, logout, and the caller's own data. Password
// hashing runs on its own pool, behind per-address limits and a per-account login backoff.
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "api/api_options.h"
#include "api/edge_limits.h"
#include "api/password_pool.h"
#include "api/request_context.h"
#include "api/request_guards.h"
#include "metrics/prometheus_text.h"

namespace cm::api {

class AccountsHandler {
 public:
  AccountsHandler(RequestContext& ctx, const ApiOptions& options);
  ~AccountsHandler();  // stops the password pool first: its jobs use the rest

  void Signup(const ExPtr& ex);
  // An admin creates an account with a role: door staff (STAFF), another ADMIN, or a USER.
  void CreateAccount(const ExPtr& ex);
  void Login(const ExPtr& ex);
  void Refresh(const ExPtr& ex);
  void Logout(const ExPtr& ex);
  void Me(const ExPtr& ex);
  void MyReservations(const ExPtr& ex);
  void WriteMetrics(metrics::PrometheusText* out) const;

 private:
  // Takes a token of the caller's address from `limiter`; answers 429 `code` itself when none.
  bool AllowAddress(const ExPtr& ex, RateLimiter& limiter, std::string_view code,
                    std::string_view detail);
  // Runs `job` on the password pool (a throw answers 500); false when the pool is full.
  bool RunHashing(const ExPtr& ex, std::function<void()> job);
  // The halves of signup and login that run on the password pool after hashing.
  void SubmitRegistration(const ExPtr& ex, engine::Command cmd);
  void StartSession(const ExPtr& ex, const engine::User& user);
  std::string IssueTokens(engine::UserId user, engine::SessionId session,
                          const std::string& refresh_token, int64_t now_ms);

  RequestContext& ctx_;
  readmodel::ReadModel& reads_;
  const ApiOptions& options_;
  ClientKeys client_keys_;
  RateLimiter login_ip_limiter_;
  RateLimiter signup_ip_limiter_;
  AttemptBackoff login_backoff_;
  std::atomic<uint64_t> edge_refusals_{0};  // 429s from the anonymous limits and the backoff
  std::string dummy_hash_;  // verified against for unknown emails, so timing does not tell
  // Last, so it is destroyed (joined) first.
  std::unique_ptr<PasswordPool> passwords_;
};

}  // namespace cm::api
