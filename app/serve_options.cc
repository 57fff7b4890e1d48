#include <CLI/CLI.hpp>

#include "app/serve_options.h"

#ifndef CM_SWAGGER_DIR_DEFAULT
#define CM_SWAGGER_DIR_DEFAULT ""
#endif

namespace cm::app {

void AddServeFlags(CLI::App& cmd, ServeOptions& o) {
  o.swagger_dir = CM_SWAGGER_DIR_DEFAULT;
  cmd.add_option("--data", o.data_dir, "Directory for the journal, snapshots and the JWT secret")
      ->envname("CM_DATA_DIR")->capture_default_str();
  cmd.add_option("--address", o.address, "Address to listen on")
      ->envname("CM_ADDRESS")->capture_default_str();
  cmd.add_option("--port", o.port, "TCP port for HTTP (0 picks a free one)")
      ->envname("CM_PORT")->check(CLI::Range(0, 65535))->capture_default_str();
  cmd.add_option("--io-threads", o.io_threads, "HTTP I/O threads (0 = one per core)")
      ->envname("CM_IO_THREADS")->check(CLI::Range(0, 256))->capture_default_str();
  cmd.add_flag("--demo", o.demo,
               "Load a demo venue, a concert on sale, a demo user and an admin (see README)")
      ->envname("CM_DEMO");
  cmd.add_option("--admin-email", o.admin_email,
                 "Create this ADMIN account at startup if it does not exist")
      ->envname("CM_ADMIN_EMAIL");
  cmd.add_option("--admin-password", o.admin_password, "Password of the bootstrapped admin")
      ->envname("CM_ADMIN_PASSWORD");
  cmd.add_option("--jwt-secret", o.jwt_secret,
                 "HS256 signing secret (>= 32 bytes); default: generated once into <data>/jwt-secret")
      ->envname("CM_JWT_SECRET");
  cmd.add_option("--ticket-signing-key", o.ticket_key_file,
                 "File holding the Ed25519 ticket-signing seed (64 hex digits, mode 0600; created "
                 "if missing); default <data>/ticket-signing-key. CM_TICKET_SIGNING_KEY (the "
                 "seed itself) wins over both")
      ->envname("CM_TICKET_SIGNING_KEY_FILE");
  cmd.add_option("--access-ttl", o.access_ttl_s, "Access token lifetime, seconds")
      ->envname("CM_ACCESS_TTL")->check(CLI::Range(10, 86400))->capture_default_str();
  cmd.add_option("--refresh-ttl", o.refresh_ttl_s, "Refresh token lifetime, seconds")
      ->envname("CM_REFRESH_TTL")->check(CLI::Range(60, 90 * 86400))->capture_default_str();
  cmd.add_option("--hold-rate", o.hold_rate,
                 "Reservation requests per second per user (token bucket; 0 = unlimited)")
      ->envname("CM_HOLD_RATE")->capture_default_str();
  cmd.add_option("--hold-burst", o.hold_burst, "Reservation request burst per user")
      ->envname("CM_HOLD_BURST")->capture_default_str();
  cmd.add_option("--pow-challenge-rate", o.pow_challenge_rate,
                 "Proof-of-work challenges per second per user, bursts of 5x (each costs the "
                 "gateway a derivation; 0 = unlimited)")
      ->envname("CM_POW_CHALLENGE_RATE")->capture_default_str();
  cmd.add_option("--max-body", o.max_body_bytes, "Largest request body, bytes (413 beyond)")
      ->envname("CM_MAX_BODY")->capture_default_str();
  cmd.add_option("--max-header", o.max_header_bytes, "Largest request header, bytes (413 beyond)")
      ->envname("CM_MAX_HEADER")->capture_default_str();
  cmd.add_option("--idle-timeout-ms", o.idle_timeout_ms,
                 "Close a connection that sends no request for this long")
      ->envname("CM_IDLE_TIMEOUT_MS")->capture_default_str();
  cmd.add_option("--read-timeout-ms", o.read_timeout_ms,
                 "Close a connection whose request body or response write takes longer")
      ->envname("CM_READ_TIMEOUT_MS")->capture_default_str();
  cmd.add_option("--snapshot-every", o.snapshot_every,
                 "Events between snapshots (restart = newest snapshot + the journal after it)")
      ->envname("CM_SNAPSHOT_EVERY")
      ->check(CLI::Range(uint64_t{1000}, uint64_t{1} << 40))
      ->capture_default_str();
  cmd.add_option("--journal-retention", o.journal_retention,
                 "After each snapshot, move the journal it covers to <data>/journal-archive "
                 "(archive), delete it (delete), or keep it (off)")
      ->envname("CM_JOURNAL_RETENTION")
      ->check(CLI::IsMember({"off", "archive", "delete"}))
      ->capture_default_str();
  cmd.add_option("--tick-ms", o.tick_ms, "Clock tick period driving hold expiry")
      ->envname("CM_TICK_MS")->check(CLI::Range(10, 10'000))->capture_default_str();
  cmd.add_option("--shutdown-grace-ms", o.shutdown_grace_ms,
                 "On SIGTERM, how long to wait for requests in flight")
      ->envname("CM_SHUTDOWN_GRACE_MS")->capture_default_str();
  cmd.add_option("--ws-threads", o.ws_threads,
                 "Threads for WebSocket connections (apart from the HTTP I/O threads)")
      ->envname("CM_WS_THREADS")->check(CLI::Range(1, 64))->capture_default_str();
  cmd.add_option("--ws-round-gap-us", o.ws_round_gap_us,
                 "Least time between two rounds of live seat map deltas (under load the gap "
                 "grows with the cost of a round)")
      ->envname("CM_WS_ROUND_GAP_US")->check(CLI::Range(0, 1'000'000))->capture_default_str();
  cmd.add_option("--ws-idle-timeout-ms", o.ws_idle_timeout_ms,
                 "A WebSocket connection silent for half this long is pinged, and closed when "
                 "nothing (not even the pong) comes back within it")
      ->envname("CM_WS_IDLE_TIMEOUT_MS")->check(CLI::Range(200, 3'600'000))->capture_default_str();
  cmd.add_option("--ws-history", o.ws_history,
                 "Live seat map deltas kept per concert: resume window, and how far a WebSocket "
                 "client may fall behind before it is closed with 4001")
      ->envname("CM_WS_HISTORY")->check(CLI::Range(4, 1 << 20))->capture_default_str();
  cmd.add_option("--ws-queue-bytes", o.ws_queue_bytes,
                 "Bytes of snapshots and notifications a WebSocket client may have waiting "
                 "before it is closed with 4001")
      ->envname("CM_WS_QUEUE_BYTES")->check(CLI::Range(1 << 16, 1 << 30))->capture_default_str();
  cmd.add_option("--ws-send-buffer", o.ws_send_buffer,
                 "Kernel send buffer of each WebSocket connection, bytes (the kernel doubles it; "
                 "0 = the kernel's autotuning, up to tcp_wmem's maximum); bounds what a stalled "
                 "client holds in the kernel")
      ->envname("CM_WS_SEND_BUFFER")->check(CLI::Range(0, 1 << 26))->capture_default_str();
  cmd.add_option("--ring-size-log2", o.ring_size_log2, "Input ring slots = 2^N")
      ->envname("CM_RING_SIZE_LOG2")->check(CLI::Range(4, 24))->capture_default_str();
  cmd.add_option("--log-level", o.log_level, "trace, debug, info, warn, error or critical")
      ->envname("CM_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  cmd.add_option("--access-log", o.access_log, "Write one JSON line per request to stdout")
      ->envname("CM_ACCESS_LOG")->capture_default_str();
  cmd.add_option("--swagger-dir", o.swagger_dir, "Where swagger-ui-dist (npm) was installed")
      ->envname("CM_SWAGGER_DIR")->capture_default_str();
  cmd.add_flag("--fast-password-hash", o.fast_password_hash,
               "argon2id at its minimum cost, for tests and benchmarks only (never production)")
      ->envname("CM_FAST_PASSWORD_HASH");
  cmd.add_option("--password-threads", o.password_threads,
                 "Threads that hash passwords (argon2id), apart from the I/O threads (0 = half "
                 "the cores, at least 1)")
      ->envname("CM_PASSWORD_THREADS")->check(CLI::Range(0, 64))->capture_default_str();
  cmd.add_option("--password-queue", o.password_queue,
                 "Logins and signups that may wait for a hashing thread; beyond it they get 503")
      ->envname("CM_PASSWORD_QUEUE")->check(CLI::Range(1, 100'000))->capture_default_str();
  cmd.add_option("--login-rate-per-ip", o.login_rate_per_ip,
                 "Login attempts per second from one address (token bucket; 0 = unlimited)")
      ->envname("CM_LOGIN_RATE_PER_IP")->check(CLI::Range(0.0, 1e6))->capture_default_str();
  cmd.add_option("--login-burst-per-ip", o.login_burst_per_ip, "Login burst from one address")
      ->envname("CM_LOGIN_BURST_PER_IP")->check(CLI::Range(1.0, 1e6))->capture_default_str();
  cmd.add_option("--signup-rate-per-ip", o.signup_rate_per_ip,
                 "Signups per second from one address (token bucket; 0 = unlimited)")
      ->envname("CM_SIGNUP_RATE_PER_IP")->check(CLI::Range(0.0, 1e6))->capture_default_str();
  cmd.add_option("--signup-burst-per-ip", o.signup_burst_per_ip, "Signup burst from one address")
      ->envname("CM_SIGNUP_BURST_PER_IP")->check(CLI::Range(1.0, 1e6))->capture_default_str();
  cmd.add_option("--login-free-attempts", o.login_free_attempts,
                 "Login attempts per account before each further one must wait")
      ->envname("CM_LOGIN_FREE_ATTEMPTS")->check(CLI::Range(1, 1000))->capture_default_str();
  cmd.add_option("--login-backoff-base-ms", o.login_backoff_base_ms,
                 "First wait after the free attempts; it doubles with each attempt")
      ->envname("CM_LOGIN_BACKOFF_BASE_MS")->check(CLI::Range(1, 3'600'000))->capture_default_str();
  cmd.add_option("--queue-proof-inline-entries", o.queue_proof_inline_entries,
                 "A waiting room's proof of more entries is built off the request threads "
                 "(503 QUEUE_PROOF_BUILDING meanwhile)")
      ->envname("CM_QUEUE_PROOF_INLINE_ENTRIES")->capture_default_str();
  cmd.add_option("--login-backoff-cap-ms", o.login_backoff_cap_ms,
                 "Longest wait between login attempts for one account (a backoff, not a lockout)")
      ->envname("CM_LOGIN_BACKOFF_CAP_MS")->check(CLI::Range(1, 86'400'000))->capture_default_str();
  cmd.add_option("--max-connections", o.max_connections,
                 "Open HTTP and WebSocket connections in all (0 = the file-handle limit less a "
                 "reserve for the journal)")
      ->envname("CM_MAX_CONNECTIONS")->check(CLI::Range(0, 10'000'000))->capture_default_str();
  cmd.add_option("--max-connections-per-ip", o.max_connections_per_ip,
                 "Open connections from one address (0 = no limit)")
      ->envname("CM_MAX_CONNECTIONS_PER_IP")->check(CLI::Range(0, 10'000'000))->capture_default_str();
  cmd.add_option("--ws-write-timeout-ms", o.ws_write_timeout_ms,
                 "A WebSocket connection whose peer acknowledges none of our waiting bytes (in a "
                 "write or in the kernel's send queue) for this long is closed, whatever its pings "
                 "do")
      ->envname("CM_WS_WRITE_TIMEOUT_MS")->check(CLI::Range(100, 600'000))->capture_default_str();
  cmd.add_option("--payment-provider-url", o.payment_provider_url,
                 "Base URL of the payment provider (concertmania-fakepg in the demo); empty: "
                 "payments are off and POST /api/payments answers 503")
      ->envname("CM_PAYMENT_PROVIDER_URL");
  cmd.add_option("--payment-webhook-secret", o.payment_webhook_secret,
                 "The key the provider signs its deposit notices with (무통장입금, POST "
                 "/api/webhooks/deposits); empty: notices are refused (503)")
      ->envname("CM_PAYMENT_WEBHOOK_SECRET");
  cmd.add_option("--payment-timeout-ms", o.payment_timeout_ms,
                 "A provider call not answered within this is an error (retried)")
      ->envname("CM_PAYMENT_TIMEOUT_MS")->check(CLI::Range(10, 120'000))->capture_default_str();
  cmd.add_option("--payment-attempts", o.payment_attempts,
                 "Charge attempts before the saga gives up and releases the seats")
      ->envname("CM_PAYMENT_ATTEMPTS")->check(CLI::Range(1, 20))->capture_default_str();
  cmd.add_option("--payment-retry-base-ms", o.payment_retry_base_ms,
                 "Backoff before retry k is this times 2^(k-1)")
      ->envname("CM_PAYMENT_RETRY_BASE_MS")->check(CLI::Range(1, 600'000))->capture_default_str();
  cmd.add_option("--payment-grace-ms", o.payment_grace_ms,
                 "How long past its expiry a hold waits for a payment in flight")
      ->envname("CM_PAYMENT_GRACE_MS")->check(CLI::Range(0, 3'600'000))->capture_default_str();
  cmd.add_option("--payment-max-in-flight", o.payment_max_in_flight,
                 "Provider calls in flight at once")
      ->envname("CM_PAYMENT_MAX_IN_FLIGHT")->check(CLI::Range(1, 100'000))->capture_default_str();
  cmd.add_option("--kafka-brokers", o.kafka_brokers,
                 "Kafka bootstrap servers (host:port,...); publishes domain events from the "
                 "journal (off when empty)")
      ->envname("CM_KAFKA_BROKERS");
  cmd.add_option("--prometheus-url", o.prometheus_url,
                 "Prometheus's HTTP API (http://host:port) that evaluates deploy/prometheus/rules.yml "
                 "over this server; the console shows the alerts it finds firing (none when empty)")
      ->envname("CM_PROMETHEUS_URL");
  cmd.add_option("--prometheus-poll-ms", o.prometheus_poll_ms, "How often the alerts are read")
      ->envname("CM_PROMETHEUS_POLL_MS")->check(CLI::Range(100, 3'600'000))->capture_default_str();
  cmd.add_option("--kafka-topic-prefix", o.kafka_topic_prefix,
                 "Topics are <prefix>reservations and <prefix>payments")
      ->envname("CM_KAFKA_TOPIC_PREFIX")->capture_default_str();
  cmd.add_option("--replicate-to-kafka", o.replicate_to_kafka,
                 "Kafka bootstrap servers to replicate the journal to (topic "
                 "concertmania.journal.<cluster>, one partition); a write is answered only once "
                 "Kafka has it too (off when empty)")
      ->envname("CM_REPLICATE_TO_KAFKA");
  cmd.add_option("--cluster", o.cluster, "Name of this cluster (the replicated journal's topic)")
      ->envname("CM_CLUSTER")
      ->check([](const std::string& name) -> std::string {
        const bool ok = !name.empty() && name.size() <= 100 &&
                        name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
                                               "WXYZ0123456789._-") == std::string::npos;
        return ok ? "" : "1 to 100 of the characters a-z A-Z 0-9 . _ - (a Kafka topic's)";
      })
      ->capture_default_str();
  cmd.add_option("--replication-stall-ms", o.replication_stall_ms,
                 "When a journal batch has waited this long for Kafka, new writes get 503 "
                 "REPLICATION_UNAVAILABLE until it is acknowledged")
      ->envname("CM_REPLICATION_STALL_MS")->check(CLI::Range(50, 600'000))->capture_default_str();
  cmd.add_flag("--kafka-transactions,!--no-kafka-transactions", o.kafka_transactions,
               "Replicate in Kafka transactions under the transactional.id "
               "concertmania-journal-<cluster>, so the brokers fence a deposed leader (terms "
               "fence it anyway); off for brokers without transactions")
      ->envname("CM_KAFKA_TRANSACTIONS")->capture_default_str();
  cmd.add_option("--role", o.role,
                 "leader: takes writes; standby: follows the leader's journal from Kafka and "
                 "takes over on `concertmania promote`; replica: follows and serves reads only")
      ->envname("CM_ROLE")->check(CLI::IsMember({"leader", "standby", "replica"}))
      ->capture_default_str();
  cmd.add_option("--replicate-from-kafka", o.replicate_from_kafka,
                 "Kafka bootstrap servers a standby or replica reads the journal from")
      ->envname("CM_REPLICATE_FROM_KAFKA");
  cmd.add_option("--leader-url", o.leader_url,
                 "A follower answers writes with 307 to this address (until the journal names "
                 "a newer leader); without it, 503 NOT_LEADER")
      ->envname("CM_LEADER_URL");
  cmd.add_option("--advertise-url", o.advertise_url,
                 "This server's address for clients (http://host:port), which followers send "
                 "writers to once it leads (default: http://ADDRESS:PORT unless ADDRESS is "
                 "0.0.0.0)")
      ->envname("CM_ADVERTISE_URL");
  cmd.add_option("--max-replica-lag-ms", o.max_replica_lag_ms,
                 "A follower further behind the leader's journal than this is not ready")
      ->envname("CM_MAX_REPLICA_LAG_MS")->check(CLI::Range(10, 3'600'000))
      ->capture_default_str();
  cmd.add_option("--min-seq-wait-ms", o.min_seq_wait_ms,
                 "How long a request with CM-Min-Seq waits for that seq before 503")
      ->envname("CM_MIN_SEQ_WAIT_MS")->check(CLI::Range(0, 10'000))->capture_default_str();
  cmd.add_option("--elect-with-etcd", o.elect_with_etcd,
                 "etcd client URLs (http://host:port,...): the leader holds a key under a lease, "
                 "and a standby takes it over and promotes itself when the lease runs out")
      ->envname("CM_ELECT_WITH_ETCD");
  cmd.add_option("--etcd-lease-ttl-s", o.etcd_lease_ttl_s,
                 "The leader's lease: a dead leader is replaced this long after its last renewal; "
                 "renewed every fifth of it, and the leader stops acknowledging a tenth of it "
                 "(at least 200 ms) before it could run out")
      ->envname("CM_ETCD_LEASE_TTL_S")->check(CLI::Range(2, 60))->capture_default_str();
  cmd.add_option("--port-file", o.port_file, "Write the bound port to this file (for tests)")
      ->envname("CM_PORT_FILE");
}

}  // namespace cm::app
