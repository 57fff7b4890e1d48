#pragma once
// Everything `concertmania serve` can be told, with its embedded defaults.

#include <string>

namespace CLI {
class App;
}

namespace cm::app {

struct ServeOptions {
  std::string data_dir = "./data";
  std::string address = "0.0.0.0";
  int port = 8080;
  int io_threads = 0;  // 0 = one per core
  bool demo = false;
  std::string admin_email;
  std::string admin_password;
  std::string jwt_secret;  // empty: generated once and kept in <data>/jwt-secret
  std::string ticket_key_file;  // empty: <data>/ticket-signing-key (or CM_TICKET_SIGNING_KEY)
  int access_ttl_s = 15 * 60;
  int refresh_ttl_s = 14 * 24 * 3600;
  double hold_rate = 5;
  double pow_challenge_rate = 2;  // proof-of-work challenges per second per user
  int ws_threads = 1;
  int ws_round_gap_us = 5000;
  int ws_idle_timeout_ms = 30'000;
  std::size_t ws_history = 1024;           // deltas per concert
  std::size_t ws_queue_bytes = 8 << 20;
  int ws_send_buffer = 64 << 10;  // bytes; 0 = kernel autotuning
  double hold_burst = 10;
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 8 << 10;
  int idle_timeout_ms = 30'000;
  int read_timeout_ms = 10'000;
  int tick_ms = 100;
  uint64_t snapshot_every = 1'000'000;  // events between snapshots
  std::string journal_retention = "off";  // off, archive or delete (journal/journal_archive.h)
  int shutdown_grace_ms = 10'000;
  int ring_size_log2 = 16;
  std::string log_level = "info";
  bool access_log = true;
  std::string swagger_dir;
  std::string port_file;
  bool fast_password_hash = false;
  // The opening minute: password hashing on its own pool, limits for anyone without an account,
  // connection caps. Rates are per second (0 = no limit).
  int password_threads = 0;  // 0 = half the cores, at least 1
  int password_queue = 64;
  double login_rate_per_ip = 5, login_burst_per_ip = 20;
  double signup_rate_per_ip = 0.2, signup_burst_per_ip = 10;
  int login_free_attempts = 5;
  int login_backoff_base_ms = 1000, login_backoff_cap_ms = 300'000;
  uint64_t queue_proof_inline_entries = 50'000;
  int max_connections = 0;  // 0 = the file-handle limit less a reserve
  int max_connections_per_ip = 256;
  int ws_write_timeout_ms = 15'000;
  // The payment saga: empty URL = no provider (POST /api/payments answers 503).
  std::string payment_provider_url;
  std::string payment_webhook_secret;
  int payment_timeout_ms = 2000;
  int payment_attempts = 3;
  int payment_retry_base_ms = 1000;
  int payment_grace_ms = 120'000;
  int payment_max_in_flight = 1024;
  // The Kafka outbox: empty brokers = off.
  std::string kafka_brokers;
  std::string kafka_topic_prefix = "concertmania.";
  // Prometheus's HTTP API, for the alerts the console shows (app/alerts_poller.h); empty: none.
  std::string prometheus_url;
  int64_t prometheus_poll_ms = 15'000;
  // The journal replicated to Kafka (replication/kafka_journal_replicator.h): empty = off.
  std::string replicate_to_kafka;
  std::string cluster = "main";
  int replication_stall_ms = 1000;
  bool kafka_transactions = true;  // the broker fences a deposed leader too
  // Followers (runtime/follower.h): "leader" writes; a "standby" applies the leader's journal
  // from Kafka and may be promoted; a "replica" does the same and serves reads only.
  std::string role = "leader";
  std::string replicate_from_kafka;
  std::string leader_url;     // where a follower sends writers until a TermStarted says
  std::string advertise_url;  // this server's address, announced when it becomes the leader
  int max_replica_lag_ms = 5000;
  int min_seq_wait_ms = 250;
  // Leader election through etcd (app/leader_election.h): client URLs, comma-separated; empty =
  // none (promotion by `concertmania promote` only).
  std::string elect_with_etcd;
  int etcd_lease_ttl_s = 5;
};

// Adds the flags (each with an environment fallback CM_<NAME>) to `cmd`.
void AddServeFlags(CLI::App& cmd, ServeOptions& o);

// Runs the server until SIGTERM or SIGINT; returns the process exit code.
int RunServer(const ServeOptions& o);

}  // namespace cm::app
