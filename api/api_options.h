#pragma once
#include <functional>
// The booking API's settings (app/serve_options.cc fills them from the command line).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "api/backup_port.h"
#include "api/seq_gate.h"
#include "history/seat_history.h"
#include "tickets/signing_key.h"

namespace cm::api {

struct ApiOptions {
  int64_t access_ttl_s = 15 * 60;
  int64_t refresh_ttl_s = 14 * 24 * 3600;
  double hold_rate_per_s = 5;  // per user, on the reservation endpoints
  double hold_burst = 10;
  // Proof-of-work challenges per user (api/pow_gate.h): each costs the gateway a derivation.
  double pow_challenge_rate_per_s = 2, pow_challenge_burst = 10;
  std::string swagger_dir;        // swagger-ui-dist from npm
  std::string web_dir;            // the web page (issue 4); may be empty
  bool payments_enabled = false;  // a payment provider is configured
  // The provider's deposit notices (api/deposit_webhook.h): signed with this; empty: refused.
  std::string deposit_webhook_secret;
  std::string payment_key_prefix = "cm-pay-";  // as the worker's (payments/payment_worker.h)
  // The opening minute. Password hashing runs on its own pool; beyond `password_queue` waiting
  // jobs, logins and signups get 503. Anonymous endpoints are limited per remote address, and
  // login attempts per account back off (see AttemptBackoff). A rate <= 0 disables a limit.
  int password_threads = 1;
  std::size_t password_queue = 64;
  double login_rate_per_ip = 5, login_burst_per_ip = 20;
  double signup_rate_per_ip = 0.2, signup_burst_per_ip = 10;
  int login_free_attempts = 5;
  int64_t login_backoff_base_ms = 1000, login_backoff_cap_ms = 300'000;
  // Takes and serves online backups; null: POST /api/admin/backups answers 503.
  BackupPort* backups = nullptr;
  // Read your writes (api/seq_gate.h): a request with CM-Min-Seq waits up to this long for
  // the seq; null gate: it is answered 503 at once when the seq is not there yet.
  SeqGate* seq_gate = nullptr;
  // Every event by seat (history/seat_history.h); null: a seat's history answers 503.
  const history::SeatHistoryIndex* seat_history = nullptr;
  // The alerts firing, as Prometheus evaluates them (app/alerts_poller.h): their JSON; null: no
  // Prometheus configured.
  std::function<std::string()> alerts;
  int64_t min_seq_wait_ms = 250;
  // A waiting room's proof of more entries than this is built off the request threads
  // (api/queue_proof_handler.h); requests meanwhile are told to ask again.
  uint64_t queue_proof_inline_entries = 50'000;
  // Signs ticket codes; null: a throwaway key (tests).
  std::shared_ptr<const tickets::SigningKey> ticket_key;
};

}  // namespace cm::api
