#include "app/part_options.h"

#include <algorithm>
#include <thread>

namespace cm::app {

namespace {

int Cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

}  // namespace

runtime::PipelineOptions PipelineOptionsFrom(const ServeOptions& o) {
  runtime::PipelineOptions po;
  po.data_dir = o.data_dir;
  po.input_ring_size = std::size_t{1} << o.ring_size_log2;
  po.snapshot_every = o.snapshot_every;
  po.retention = o.journal_retention == "archive"  ? journal::Retention::kArchive
                 : o.journal_retention == "delete" ? journal::Retention::kDelete
                                                   : journal::Retention::kOff;
  po.engine.payment_grace_ms = o.payment_grace_ms;
  po.engine.payment_max_attempts = static_cast<uint32_t>(o.payment_attempts);
  po.engine.payment_retry_base_ms = o.payment_retry_base_ms;
  return po;
}

http::HttpServerOptions HttpServerOptionsFrom(const ServeOptions& o) {
  http::HttpServerOptions so;
  so.address = o.address;
  so.port = static_cast<uint16_t>(o.port);
  so.threads = o.io_threads > 0 ? o.io_threads : Cores();
  so.header_limit = o.max_header_bytes;
  so.body_limit = o.max_body_bytes;
  so.idle_timeout = std::chrono::milliseconds(o.idle_timeout_ms);
  so.read_timeout = std::chrono::milliseconds(o.read_timeout_ms);
  so.max_connections = static_cast<std::size_t>(o.max_connections);
  so.max_connections_per_address = static_cast<std::size_t>(o.max_connections_per_ip);
  return so;
}

api::ApiOptions ApiOptionsFrom(const ServeOptions& o, bool payments_enabled) {
  api::ApiOptions ao;
  ao.access_ttl_s = o.access_ttl_s;
  ao.min_seq_wait_ms = o.min_seq_wait_ms;
  ao.queue_proof_inline_entries = o.queue_proof_inline_entries;
  ao.refresh_ttl_s = o.refresh_ttl_s;
  ao.hold_rate_per_s = o.hold_rate;
  ao.hold_burst = o.hold_burst;
  ao.pow_challenge_rate_per_s = o.pow_challenge_rate;
  ao.pow_challenge_burst = 5 * o.pow_challenge_rate;
  ao.swagger_dir = o.swagger_dir;
  ao.payments_enabled = payments_enabled;
  ao.deposit_webhook_secret = o.payment_webhook_secret;
  ao.password_threads = o.password_threads > 0 ? o.password_threads : std::max(1, Cores() / 2);
  ao.password_queue = static_cast<std::size_t>(o.password_queue);
  ao.login_rate_per_ip = o.login_rate_per_ip;
  ao.login_burst_per_ip = o.login_burst_per_ip;
  ao.signup_rate_per_ip = o.signup_rate_per_ip;
  ao.signup_burst_per_ip = o.signup_burst_per_ip;
  ao.login_free_attempts = o.login_free_attempts;
  ao.login_backoff_base_ms = o.login_backoff_base_ms;
  ao.login_backoff_cap_ms = o.login_backoff_cap_ms;
  return ao;
}

live::WsOptions WsOptionsFrom(const ServeOptions& o) {
  live::WsOptions wo;
  wo.max_queued_bytes = o.ws_queue_bytes;
  wo.send_buffer_bytes = o.ws_send_buffer;
  wo.idle_timeout = std::chrono::milliseconds(o.ws_idle_timeout_ms);
  wo.write_timeout = std::chrono::milliseconds(o.ws_write_timeout_ms);
  return wo;
}

}  // namespace cm::app
