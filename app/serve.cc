// `concertmania serve`: recover the engine, start the gateway, run until SIGTERM or SIGINT,
// then shut down gracefully (stop accepting, finish requests in flight, flush the journal).
#include <signal.h>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <optional>
#include <random>
#include <thread>

#include "api/api.h"
#include "app/demo_data.h"
#include "app/engine_bridge.h"
#include "app/serve_options.h"
#include "app/wall_clock.h"
#include "auth/credentials.h"
#include "http/http_server.h"
#include "live/live_feed.h"
#include "live/ws_hub.h"
#include "live/ws_session.h"
#include "outbox/kafka_producer.h"
#include "outbox/outbox_publisher.h"
#include "payments/http_provider.h"
#include "payments/payment_worker.h"

namespace cm::app {
namespace {

// Time enters the engine as data: this thread publishes Tick(now) so holds expire and waiting
// rooms admit on time even when no request arrives. Each tick carries fresh entropy (a room
// that opens on it shuffles its pre-queue with it). Once a second it also reports waiting
// users who went silent (see QueuePresence) as AbandonQueueTickets commands.
class ClockThread {
 public:
  ClockThread(EngineBridge& bridge, const readmodel::ReadModel& reads,
              readmodel::QueuePresence& presence, std::chrono::milliseconds period)
      : thread_([this, &bridge, &reads, &presence, period] {
          std::mt19937_64 entropy(std::random_device{}());
          auto next_sweep = std::chrono::steady_clock::now();
          std::unique_lock lock(mu_);
          while (!stop_) {
            cv_.wait_for(lock, period, [this] { return stop_; });
            if (stop_) break;
            engine::Command tick;
            tick.now = NowMs();
            tick.actor_role = engine::Role::kSystem;
            tick.body = engine::TickCmd{entropy()};
            bridge.TryPublish(std::move(tick));  // a full ring skips one tick; the next catches up
            if (std::chrono::steady_clock::now() >= next_sweep) {
              next_sweep += std::chrono::seconds(1);
              SweepSilent(bridge, reads, presence);
            }
          }
        }) {}
  ~ClockThread() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  static void SweepSilent(EngineBridge& bridge, const readmodel::ReadModel& reads,
                          readmodel::QueuePresence& presence) {
    const int64_t now = NowMs();
    auto policy = [&reads](engine::ConcertId concert,
                           engine::UserId user) -> std::optional<int64_t> {
      return reads.Read([&](const engine::EngineState& s) -> std::optional<int64_t> {
        const engine::Concert* c = s.FindConcert(concert);
        const engine::QueueTicket* t = c && c->room ? c->room->Find(user) : nullptr;
        if (t == nullptr || t->status != engine::TicketStatus::kWaiting) return std::nullopt;
        return c->room->settings().abandon_after_ms;
      });
    };
    for (auto& silent : presence.Sweep(now, policy)) {
      engine::Command cmd;
      cmd.now = now;
      cmd.actor_role = engine::Role::kSystem;
      cmd.body = engine::AbandonQueueTicketsCmd{silent.concert, silent.users};
      if (bridge.TryPublish(std::move(cmd)) != EngineBridge::Publish::kOk) {
        // Not taken (a full ring): they get another period rather than being lost.
        for (engine::UserId u : silent.users) presence.Seen(silent.concert, u, now);
      }
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// The payment worker's reports go into the engine's ring like any other command.
class BridgeCommandPort final : public payments::CommandPort {
 public:
  explicit BridgeCommandPort(EngineBridge& bridge) : bridge_(bridge) {}
  bool Publish(engine::Command cmd) override {
    return bridge_.TryPublish(std::move(cmd)) == EngineBridge::Publish::kOk;
  }

 private:
  EngineBridge& bridge_;
};

// The outbox reads the durable journal through the running pipeline.
class PipelineTail final : public outbox::JournalTail {
 public:
  explicit PipelineTail(runtime::Pipeline& p) : p_(p) {}
  engine::Seq durable_seq() const override { return p_.durable_seq(); }
  Status Scan(engine::Seq from,
              const std::function<bool(engine::Seq, std::string_view)>& visit) override {
    return p_.ScanJournal(from, visit);
  }

 private:
  runtime::Pipeline& p_;
};

void SetUpLogging(const ServeOptions& o) {
  // Diagnostics go to stderr; stdout carries only the access log.
  spdlog::set_default_logger(spdlog::stderr_color_mt("concertmania"));
  spdlog::set_level(spdlog::level::from_str(o.log_level));
}

}  // namespace

int RunServer(const ServeOptions& o) {
  // Block the shutdown signals in every thread; the main thread waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  SetUpLogging(o);
  auth::InitCrypto(o.fast_password_hash);
  if (o.fast_password_hash) spdlog::warn("--fast-password-hash: argon2id at minimum cost (tests only)");
  auto secret = auth::LoadOrCreateSigningSecret(o.data_dir, o.jwt_secret);
  if (!secret.ok()) {
    spdlog::critical("{}", secret.status().ToString());
    return 2;
  }
  const auth::JwtCodec jwt(std::move(secret).value());

  runtime::PipelineOptions po;
  po.data_dir = o.data_dir;
  po.input_ring_size = std::size_t{1} << o.ring_size_log2;
  po.engine.payment_grace_ms = o.payment_grace_ms;
  po.engine.payment_max_attempts = static_cast<uint32_t>(o.payment_attempts);
  po.engine.payment_retry_base_ms = o.payment_retry_base_ms;
  readmodel::ReadModel reads(po.engine);

  http::HttpServerOptions so;
  so.address = o.address;
  so.port = static_cast<uint16_t>(o.port);
  so.threads = o.io_threads > 0 ? o.io_threads
                                : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  so.header_limit = o.max_header_bytes;
  so.body_limit = o.max_body_bytes;
  so.idle_timeout = std::chrono::milliseconds(o.idle_timeout_ms);
  so.read_timeout = std::chrono::milliseconds(o.read_timeout_ms);
  so.max_connections = static_cast<std::size_t>(o.max_connections);
  so.max_connections_per_address = static_cast<std::size_t>(o.max_connections_per_ip);
  api::Api* api_ptr = nullptr;
  http::HttpServer server(
      so, [&api_ptr](std::shared_ptr<http::Exchange> ex) { api_ptr->Handle(ex); },
      [&api_ptr](const http::Exchange& ex, const http::Response& res) {
        api_ptr->Observe(ex, res);
      });
  api::ReplyRouter replies;
  live::WsHub ws_hub(o.ws_threads);
  live::LiveFeed live(ws_hub.FeedExecutor(), reads, o.ws_history,
                         std::chrono::microseconds(o.ws_round_gap_us));
  live::Notifier notifier(server.io(), reads);
  readmodel::QueueStats queue_stats;
  readmodel::QueuePresence presence;
  live::QueueWatch queue_watch(server.io(), reads, presence, queue_stats);
  live::WsOptions ws_options;
  ws_options.max_queued_bytes = o.ws_queue_bytes;
  ws_options.send_buffer_bytes = o.ws_send_buffer;
  ws_options.idle_timeout = std::chrono::milliseconds(o.ws_idle_timeout_ms);
  ws_options.write_timeout = std::chrono::milliseconds(o.ws_write_timeout_ms);
  live::WsContext ws_context{live, notifier, jwt, ws_options, ws_hub.single_thread(),
                                &queue_watch};
  server.SetUpgradeHandler("/ws", [&ws_context, &ws_hub](boost::beast::tcp_stream stream,
                                                         http::Request req,
                                                         std::shared_ptr<void> slot) {
    live::WsSession::Start(ws_hub.Adopt(std::move(stream)), std::move(req), ws_context,
                              std::move(slot));
  });
  EngineBridge bridge(reads, replies, live, notifier, queue_stats, presence, queue_watch);

  // Declared so that the provider (whose thread calls back into the worker) goes first.
  BridgeCommandPort payment_port(bridge);
  std::unique_ptr<payments::PaymentWorker> payment_worker;
  std::unique_ptr<payments::HttpPaymentProvider> provider;
  if (!o.payment_provider_url.empty()) {
    payments::HttpProviderOptions hpo;
    hpo.url = o.payment_provider_url;
    hpo.timeout = std::chrono::milliseconds(o.payment_timeout_ms);
    auto opened_provider = payments::HttpPaymentProvider::Open(hpo);
    if (!opened_provider.ok()) {
      spdlog::critical("{}", opened_provider.status().ToString());
      return 2;
    }
    provider = std::move(opened_provider).value();
    payments::PaymentWorkerOptions pwo;
    pwo.max_in_flight = static_cast<std::size_t>(o.payment_max_in_flight);
    payment_worker = std::make_unique<payments::PaymentWorker>(pwo, *provider, payment_port, NowMs);
    bridge.SetPaymentWorker(payment_worker.get());
  } else {
    spdlog::warn("no --payment-provider-url: payments are off (POST /api/payments answers 503)");
  }

  auto opened = runtime::Pipeline::Open(po, &bridge);
  if (!opened.ok()) {
    spdlog::critical("cannot open the engine on {}: {}", o.data_dir, opened.status().ToString());
    return 2;
  }
  std::unique_ptr<runtime::Pipeline> pipeline = std::move(opened).value();
  bridge.Attach(pipeline.get());

  PipelineTail journal_tail(*pipeline);
  std::unique_ptr<outbox::KafkaProducer> kafka;
  std::unique_ptr<outbox::OutboxPublisher> kafka_outbox;
  if (!o.kafka_brokers.empty()) {
    auto producer = outbox::KafkaProducer::Open(o.kafka_brokers);
    if (!producer.ok()) {
      spdlog::critical("{}", producer.status().ToString());
      return 2;
    }
    kafka = std::move(producer).value();
    outbox::OutboxOptions oo;
    oo.offset_file = o.data_dir + "/kafka-outbox-offset";
    oo.topic_prefix = o.kafka_topic_prefix;
    kafka_outbox = std::make_unique<outbox::OutboxPublisher>(oo, *kafka, journal_tail);
    if (Status s = kafka_outbox->Start(); !s.ok()) {
      spdlog::critical("{}", s.ToString());
      return 2;
    }
    bridge.SetOutbox(kafka_outbox.get());
    spdlog::info("publishing domain events to Kafka at {} from seq {}", o.kafka_brokers,
                 kafka_outbox->acked_seq() + 1);
  }

  if (!o.admin_email.empty() && !EnsureAdmin(bridge, reads, o.admin_email, o.admin_password, "Admin"))
    return 2;
  if (o.demo) {
    if (o.admin_email.empty() &&
        !EnsureAdmin(bridge, reads, DemoAccounts::kAdminEmail, DemoAccounts::kAdminPassword,
                     "Demo Admin"))
      return 2;
    if (!LoadDemo(bridge, reads, NowMs())) return 2;
  }

  api::ApiOptions ao;
  ao.access_ttl_s = o.access_ttl_s;
  ao.refresh_ttl_s = o.refresh_ttl_s;
  ao.hold_rate_per_s = o.hold_rate;
  ao.hold_burst = o.hold_burst;
  ao.swagger_dir = o.swagger_dir;
  ao.payments_enabled = payment_worker != nullptr;
  ao.password_threads = o.password_threads > 0
                            ? o.password_threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency() / 2));
  ao.password_queue = static_cast<std::size_t>(o.password_queue);
  ao.login_rate_per_ip = o.login_rate_per_ip;
  ao.login_burst_per_ip = o.login_burst_per_ip;
  ao.signup_rate_per_ip = o.signup_rate_per_ip;
  ao.signup_burst_per_ip = o.signup_burst_per_ip;
  ao.login_free_attempts = o.login_free_attempts;
  ao.login_backoff_base_ms = o.login_backoff_base_ms;
  ao.login_backoff_cap_ms = o.login_backoff_cap_ms;
  api::Api api(ao, bridge, reads, jwt, replies, &presence, &queue_stats);
  // stdout carries only the access log, written in batches (gateway/access_log.h); under
  // overload lines past 16 MiB of backlog are dropped rather than slowing requests.
  std::optional<http::AccessLog> access_log;
  if (o.access_log) {
    access_log.emplace(stdout, std::chrono::milliseconds(100), std::size_t{16} << 20);
    access_log->Start();
    api.SetAccessLog(&*access_log);
  }
  api.AddMetricsSource([&server](metrics::PrometheusText* out) {
    out->Single("cm_connections_open", "gauge", "Open HTTP and WebSocket connections",
                static_cast<double>(server.connections()));
    out->Single("cm_connections_max", "gauge", "The cap on open connections",
                static_cast<double>(server.limits().max_total()));
    out->Single("cm_connections_refused_total", "counter",
                "Connections answered 429 or 503 at once, over a cap",
                static_cast<double>(server.refused_connections()));
  });
  api_ptr = &api;

  notifier.Start();
  queue_watch.Start();
  if (payment_worker) payment_worker->Start();
  ws_hub.Start();
  if (const std::string error = server.Start(); !error.empty()) {
    spdlog::critical("{}", error);
    return 2;
  }
  if (!o.port_file.empty()) {
    std::ofstream(o.port_file + ".tmp") << server.port() << "\n";
    std::rename((o.port_file + ".tmp").c_str(), o.port_file.c_str());
  }
  spdlog::info("concertmania listening on http://{}:{} ({} I/O threads, data in {})", o.address,
               server.port(), so.threads, o.data_dir);

  int exit_code = 0;
  {
    ClockThread clock(bridge, reads, presence, std::chrono::milliseconds(o.tick_ms));
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("signal {}: shutting down", sig);
    server.StopAccepting();
    bridge.SetDraining();
    if (!server.WaitIdle(std::chrono::milliseconds(o.shutdown_grace_ms))) {
      spdlog::warn("{} requests still in flight after the grace period", server.in_flight());
      exit_code = 1;
    }
  }
  notifier.Stop();
  queue_watch.Stop();
  if (payment_worker) payment_worker->Stop();  // calls in flight resume from the journal
  pipeline->Stop();  // finishes and journals everything already published
  if (kafka_outbox) kafka_outbox->Stop();  // what it did not publish goes out after a restart
  if (pipeline->halted()) exit_code = 3;
  server.Stop();
  ws_hub.Stop();
  if (access_log) access_log->Stop();
  spdlog::info("stopped at durable seq {}", pipeline->durable_seq());
  spdlog::shutdown();
  return exit_code;
}

}  // namespace cm::app
