// `concertmania serve`: recover the engine, start the gateway, run until SIGTERM or SIGINT,
// then shut down gracefully (stop accepting, finish requests in flight, flush the journal).
// This file only connects parts; docs/architecture.md draws what it builds.
#include <signal.h>
#include <sys/stat.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <fstream>
#include <limits>
#include <optional>

#include "api/api.h"
#include "api/seq_gate.h"
#include "app/alerts_poller.h"
#include "app/backup_service.h"
#include "app/demo_data.h"
#include "app/durable_stages.h"
#include "app/engine_bridge.h"
#include "app/leader_election.h"
#include "app/leader_parts.h"
#include "app/part_options.h"
#include "app/replication_parts.h"
#include "app/serve_options.h"
#include "auth/credentials.h"
#include "http/http_server.h"
#include "journal/durable_files.h"
#include "live/live_feed.h"
#include "live/ws_hub.h"
#include "live/ws_session.h"
#include "history/seat_history_tail.h"
#include "outbox/outbox_publisher.h"
#include "payments/http_provider.h"
#include "payments/payment_worker.h"
#include "runtime/durable_fanout.h"
#include "runtime/wall_clock.h"
#include "tickets/signing_key.h"

namespace cm::app {
namespace {

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

void SetUpLogging(const ServeOptions& o) {
  // Diagnostics go to stderr; stdout carries only the access log.
  spdlog::set_default_logger(spdlog::stderr_color_mt("concertmania"));
  spdlog::set_level(spdlog::level::from_str(o.log_level));
}

// The payment provider and the saga's worker, when a provider is configured.
struct PaymentParts {
  std::unique_ptr<payments::HttpPaymentProvider> provider;  // first: its thread calls the worker
  std::unique_ptr<payments::PaymentWorker> worker;
};

Status OpenPayments(const ServeOptions& o, payments::CommandPort& port, PaymentParts* out) {
  if (o.payment_provider_url.empty()) {
    spdlog::warn("no --payment-provider-url: payments are off (POST /api/payments answers 503)");
    return Status::OK();
  }
  payments::HttpProviderOptions hpo;
  hpo.url = o.payment_provider_url;
  hpo.timeout = std::chrono::milliseconds(o.payment_timeout_ms);
  auto provider = payments::HttpPaymentProvider::Open(hpo);
  if (!provider.ok()) return provider.status();
  out->provider = std::move(provider).value();
  payments::PaymentWorkerOptions pwo;
  pwo.max_in_flight = static_cast<std::size_t>(o.payment_max_in_flight);
  out->worker = std::make_unique<payments::PaymentWorker>(pwo, *out->provider, port,
                                                        runtime::WallNowMs);
  return Status::OK();
}

// The bootstrap admin (--admin-email) and the demo concert (--demo).
bool SeedData(const ServeOptions& o, EngineBridge& bridge, const readmodel::ReadModel& reads) {
  if (!o.admin_email.empty() &&
      !EnsureAdmin(bridge, reads, o.admin_email, o.admin_password, "Admin"))
    return false;
  if (!o.demo) return true;
  if (o.admin_email.empty() && !EnsureAdmin(bridge, reads, DemoAccounts::kAdminEmail,
                                            DemoAccounts::kAdminPassword, "Demo Admin"))
    return false;
  return LoadDemo(bridge, reads, runtime::WallNowMs());
}

void AddConnectionMetrics(api::Api& api, const http::HttpServer& server) {
  api.AddMetricsSource([&server](metrics::PrometheusText* out) {
    out->Single("cm_connections_open", "gauge", "Open HTTP and WebSocket connections",
                static_cast<double>(server.connections()));
    out->Single("cm_connections_max", "gauge", "The cap on open connections",
                static_cast<double>(server.limits().max_total()));
    out->Single("cm_connections_refused_total", "counter",
                "Connections answered 429 or 503 at once, over a cap",
                static_cast<double>(server.refused_connections()));
  });
}

// A standby takes over: it applies the replicated journal to its end, opens the pipeline on
// its own journal (`lead`), and starts a term above every term it has seen, naming itself as
// the leader followers send writers to.
template <class Lead>
Status Promote(const ServeOptions& o, const std::string& advertise_url,
               const readmodel::ReadModel& reads,
               EngineBridge& bridge, FollowerParts& follower, Lead& lead) {
  const auto started = std::chrono::steady_clock::now();
  // The replicator first: with Kafka transactions, opening it fences the previous leader and
  // aborts its open transaction, so the end read next is the end for good (and is not held
  // back by that transaction until it times out).
  auto replicator = OpenReplicator(o);
  if (!replicator.ok()) return replicator.status();
  spdlog::info("promotion: reading the replicated journal to its end");
  if (Status s = follower.follower->CatchUpAndStop(std::chrono::milliseconds(10'000)); !s.ok())
    return s;
  const auto caught_up = std::chrono::steady_clock::now();
  if (Status s = lead(follower.follower->ReleaseJournal(), std::move(replicator).value());
      !s.ok())
    return s;
  const engine::Term term = reads.Read([](const engine::EngineState& s) { return s.term(); }) + 1;
  engine::Command cmd;
  cmd.now = runtime::WallNowMs();
  cmd.actor_role = engine::Role::kSystem;
  cmd.body = engine::StartTermCmd{term, advertise_url};
  auto answer = bridge.RunAndWait(std::move(cmd), std::chrono::milliseconds(10'000));
  if (!answer || engine::TypeOf(*answer) != engine::EventType::kTermStarted)
    return Status::Halted("term " + std::to_string(term) + " could not be started");
  const auto ms = [](auto d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  spdlog::info("promotion: leader of term {} at seq {} ({} ms to read the journal, {} ms in all)",
               term, answer->seq, ms(caught_up - started),
               ms(std::chrono::steady_clock::now() - started));
  return Status::OK();
}

// Where clients reach this server: --advertise-url, else the address it listens on when that
// is one address (not every interface), else unknown (followers then answer 503, not 307).
std::string AdvertiseUrl(const ServeOptions& o, uint16_t port) {
  if (!o.advertise_url.empty()) return o.advertise_url;
  if (o.address == "0.0.0.0" || o.address.find(':') != std::string::npos) return {};
  return "http://" + o.address + ":" + std::to_string(port);
}

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    if (comma > start) out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// The alerts Prometheus finds firing, for the console (none without --prometheus-url).
std::unique_ptr<AlertsPoller> StartAlerts(const ServeOptions& o, api::ApiOptions* api_options) {
  if (o.prometheus_url.empty()) return nullptr;
  auto alerts = std::make_unique<AlertsPoller>(o.prometheus_url,
                                               std::chrono::milliseconds(o.prometheus_poll_ms));
  alerts->Start();
  api_options->alerts = [poller = alerts.get()] { return poller->Json(); };
  return alerts;
}

void WritePortFile(const std::string& path, uint16_t port) {
  if (path.empty()) return;
  std::ofstream(path + ".tmp") << port << "\n";
  std::rename((path + ".tmp").c_str(), path.c_str());
}

// The main thread once the server listens, until it stops: a signal; a leader's lease running
// out (exit status 5); a standby's promotion, asked for or with the key vacant (status 4 if it
// fails). Returns the exit status so far.
template <class Lead>
int WatchUntilStop(const ServeOptions& o, const sigset_t& signals, LeaderElection* election,
                   const std::unique_ptr<runtime::Pipeline>& pipeline,
                   const std::string& advertise_url, const readmodel::ReadModel& reads,
                   EngineBridge& bridge, FollowerParts& follower, Lead& lead) {
  int exit_code = 0;
  // Until a signal; a standby also looks for a promotion request every 100 ms.
  const timespec poll_period{0, 100'000'000};
  for (;;) {
    const int sig = sigtimedwait(&signals, nullptr, &poll_period);
    if (sig > 0) {
      spdlog::info("signal {}: shutting down", sig);
      break;
    }
    // Leading: nothing to watch, unless the lease ran out.
    if (pipeline && (!election || election->Holding())) continue;
    if (pipeline) {
      // Deposed (paused, cut off from etcd): another server may lead by now. This one
      // acknowledges nothing without the lease, and its state no longer moves, so it stops
      // rather than serve a frozen seat map. Its supervisor starts it again, and it then
      // follows the new leader as a standby, cutting any tail the log never got.
      spdlog::critical("election: the lease ran out while this server led; stopping (exit "
                       "status 5) to come back as a standby");
      exit_code = 5;
      break;
    }
    const bool asked = o.role == "standby" && TakePromoteRequest(o.data_dir);
    bool vacant = false;
    if (election) {
      // Where the leader is, for 307s; and whether anyone leads.
      auto leader = election->CurrentLeader();
      if (leader.ok() && !leader.value().empty()) bridge.SetLeaderUrl(leader.value());
      vacant = leader.ok() && leader.value().empty();
    }
    if (pipeline || o.role != "standby" || (!asked && !vacant)) continue;
    if (election) {
      auto won = election->TryAcquire(advertise_url);
      if (!won.ok() || !won.value()) {
        if (asked) spdlog::error("promotion refused: another server holds the leadership");
        continue;
      }
    }
    if (Status s = Promote(o, advertise_url, reads, bridge, follower, lead); !s.ok()) {
      spdlog::critical("promotion failed, shutting down: {}", s.ToString());
      exit_code = 4;
      break;
    }
  }
  return exit_code;
}

// The process before any part starts: shutdown signals blocked in every thread (the main
// thread waits for them), logging, the password hash's cost, and a data directory only its
// owner may read.
sigset_t PrepareProcess(const ServeOptions& o) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  SetUpLogging(o);
  auth::InitCrypto(o.fast_password_hash);
  if (o.fast_password_hash)
    spdlog::warn("--fast-password-hash: argon2id at minimum cost (tests only)");
  // The data directory holds e-mails, password hashes and keys: the owner's alone, whatever
  // the umask or an older version left (files made from here on are 0600 by the umask).
  ::umask(077);
  // A file this user cannot chmod (another owner's) is reported, not fatal: the server
  // still writes nothing readable by others.
  if (Status s = journal::MakePrivate(o.data_dir); !s.ok()) spdlog::warn("{}", s.ToString());
  return signals;
}

// A server started to lead, with etcd deciding: it leads if it wins the election, else it
// follows whoever does, as a standby (turning `o` into a standby's options). False when it
// can do neither.
bool LeadOrFollowTheWinner(ServeOptions& o, LeaderElection& election, bool* following) {
  auto won = election.TryAcquire("");  // announced once it listens
  if (!won.ok()) {
    spdlog::critical("election: etcd does not answer: {}", won.status().ToString());
    return false;
  }
  if (won.value()) return true;
  // Another leads (this one may be a deposed leader its supervisor restarted): follow it, as a
  // standby, from the brokers this one would have replicated to.
  auto holder = election.CurrentLeader();
  const std::string who = holder.ok() ? holder.value() : std::string("?");
  if (o.replicate_to_kafka.empty()) {
    spdlog::critical("election: another server leads ({}), and without "
                     "--replicate-to-kafka this one cannot follow it",
                     who);
    return false;
  }
  spdlog::warn("election: another server leads ({}); this one follows it as a standby", who);
  o.role = "standby";
  if (o.replicate_from_kafka.empty()) o.replicate_from_kafka = o.replicate_to_kafka;
  *following = true;
  return true;
}

// What RunServer started, for ShutDown to stop in order.
struct Running {
  http::HttpServer& server;
  EngineBridge& bridge;
  live::Notifier& notifier;
  live::QueueWatch& queue_watch;
  live::SaleWatch& sale_watch;
  payments::PaymentWorker* payment_worker;
  FollowerParts& follower;
  LeaderParts& leader;
  live::WsHub& ws_hub;
  std::unique_ptr<LeaderElection>& election;
  std::optional<http::AccessLog>& access_log;
};

// Stops taking requests, lets those in flight finish (for --shutdown-grace-ms), then stops the
// parts in the order that loses nothing: what publishes commands first, the journal's writers
// next, the listeners and the leadership last. Returns the exit status.
int ShutDown(const ServeOptions& o, Running r, int exit_code) {
  r.server.StopAccepting();
  r.bridge.SetDraining();
  if (!r.server.WaitIdle(std::chrono::milliseconds(o.shutdown_grace_ms))) {
    spdlog::warn("{} requests still in flight after the grace period", r.server.in_flight());
    exit_code = std::max(exit_code, 1);
  }
  r.leader.ticker.reset();
  r.notifier.Stop();
  r.queue_watch.Stop();
  r.sale_watch.Stop();
  if (r.payment_worker) r.payment_worker->Stop();  // calls in flight resume from the journal
  if (r.follower.follower) r.follower.follower->Stop();
  // Unreplicated batches are never answered; a restart sends them to Kafka first.
  if (r.leader.replicator) r.leader.replicator->GiveUpAfter(o.shutdown_grace_ms);
  // Finishes and journals everything already published.
  if (r.leader.pipeline) r.leader.pipeline->Stop();
  // The rest goes out after a restart.
  if (r.leader.outbox.publisher) r.leader.outbox.publisher->Stop();
  if (r.leader.seat_history_tail) r.leader.seat_history_tail->Stop();
  if (r.bridge.Halted()) exit_code = std::max(exit_code, 3);
  r.server.Stop();
  r.ws_hub.Stop();
  // Gives the leadership up (if held) once nothing more is written, and nothing asks.
  r.election.reset();
  if (r.access_log) r.access_log->Stop();
  spdlog::info("stopped at durable seq {}",
               r.leader.pipeline ? r.leader.pipeline->durable_seq()
                                 : r.follower.follower->applied_seq());
  // No spdlog::shutdown() here: it drops the logger, and the parts destroyed on return (the
  // Kafka replicator's threads) may still log; the stderr sink writes through anyway.
  return exit_code;
}

}  // namespace

int RunServer(const ServeOptions& given) {
  // A copy: with etcd, a server started to lead that finds another leading follows it instead.
  ServeOptions o = given;
  const sigset_t signals = PrepareProcess(o);
  bool following = o.role != "leader";
  if (following && o.replicate_from_kafka.empty()) {
    spdlog::critical("--role {} needs --replicate-from-kafka", o.role);
    return 2;
  }
  auto secret = auth::LoadOrCreateSigningSecret(o.data_dir, o.jwt_secret);
  if (!secret.ok()) {
    spdlog::critical("{}", secret.status().ToString());
    return 2;
  }
  const auth::JwtCodec jwt(std::move(secret).value());
  auto ticket_key = tickets::SigningKey::ForServer(o.data_dir, o.ticket_key_file);
  if (!ticket_key.ok()) {
    spdlog::critical("ticket-signing key: {}", ticket_key.status().ToString());
    return 2;
  }

  // The parts, in the order the durable fan-out feeds them.
  runtime::PipelineOptions po = PipelineOptionsFrom(o);
  // The seat history: kept beside the journal, read by support (history/seat_history.h).
  auto opened_history = history::SeatHistoryIndex::Open(o.data_dir + "/seat-history");
  if (!opened_history.ok()) {
    spdlog::critical("{}", opened_history.status().ToString());
    return 2;
  }
  const std::unique_ptr<history::SeatHistoryIndex> seat_history = std::move(opened_history).value();
  // Retention never moves what the Kafka outbox has yet to publish, nor what the seat history
  // has yet to read (both read the live journal).
  std::atomic<const outbox::OutboxPublisher*> outbox_floor{nullptr};
  po.retention_floor = [&outbox_floor, &seat_history]() -> engine::Seq {
    const outbox::OutboxPublisher* p = outbox_floor.load();
    const engine::Seq outbox = p == nullptr ? std::numeric_limits<engine::Seq>::max() : p->acked_seq();
    return std::min(outbox, seat_history->indexed_seq());
  };
  const http::HttpServerOptions so = HttpServerOptionsFrom(o);
  readmodel::ReadModel reads(po.engine);
  api::Api* api_ptr = nullptr;
  http::HttpServer server(
      so, [&api_ptr](std::shared_ptr<http::Exchange> ex) { api_ptr->Handle(ex); },
      [&api_ptr](const http::Exchange& ex, http::Response& res) {
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
  live::SaleWatch sale_watch(server.io(), reads, queue_stats);
  live::WsContext ws_context{live,         notifier,    jwt,   WsOptionsFrom(o),
                             ws_hub.single_thread(), &queue_watch, &sale_watch, &reads};
  server.SetUpgradeHandler(
      "/ws", [&ws_context, &ws_hub](boost::asio::ip::tcp::socket stream, http::Request req,
                                    std::shared_ptr<void> slot) {
        live::WsSession::Start(ws_hub.Adopt(std::move(stream)), std::move(req), ws_context,
                               std::move(slot));
      });
  api::SeqGate seq_gate(server.io(), [&reads] { return reads.applied_seq(); });
  EngineBridge bridge(reads, replies, live, queue_stats, presence);
  BridgeCommandPort payment_port(bridge);
  PaymentParts payment;
  if (Status s = OpenPayments(o, payment_port, &payment); !s.ok()) {
    spdlog::critical("{}", s.ToString());
    return 2;
  }
  bridge.SetPaymentWorker(payment.worker.get());

  // A leader's durable fan-out feeds the payment saga too; a follower's does not (the saga
  // runs where the writes are, and starts from the recovered state on a promotion).
  const DurableParts parts{reads,  live, notifier, queue_stats, presence, queue_watch,
                           payment.worker.get(), bridge, &seq_gate};
  runtime::DurableFanOut fanout;
  AddDurableStages(fanout, parts);
  runtime::DurableFanOut follower_fanout;
  DurableParts follower_parts = parts;
  follower_parts.payments = nullptr;
  AddDurableStages(follower_fanout, follower_parts);

  // The election, when etcd decides who leads: nothing is acknowledged without the lease.
  std::unique_ptr<LeaderElection> election;
  if (!o.elect_with_etcd.empty()) {
    ElectionOptions eo;
    eo.endpoints = SplitList(o.elect_with_etcd);
    eo.cluster = o.cluster;
    eo.ttl_s = o.etcd_lease_ttl_s;
    election = std::make_unique<LeaderElection>(eo);
    po.holds_leadership = [&election] { return election->Holding(); };
    bridge.SetLeadership([&election] { return election->Holding(); });
  }

  BackupService backups(o.data_dir);  // taken from the pipeline, once there is one
  // What only the leader runs. It starts at startup, or when a standby is promoted.
  LeaderParts lead({o, po, fanout, bridge, backups, reads, presence, payment.worker.get(),
                    outbox_floor, seat_history.get()});
  FollowerParts follower;
  if (!following && election && !LeadOrFollowTheWinner(o, *election, &following)) return 2;
  if (following) {
    if (Status s = StartFollowing(o, po, follower_fanout, bridge, &follower); !s.ok()) {
      spdlog::critical("{}", s.ToString());
      return 2;
    }
  } else {
    if (Status s = lead(nullptr, nullptr); !s.ok()) {
      spdlog::critical("{}", s.ToString());
      return 2;
    }
    if (!SeedData(o, bridge, reads)) return 2;
  }

  api::ApiOptions api_options = ApiOptionsFrom(o, payment.worker != nullptr);
  api_options.backups = &backups;
  api_options.seq_gate = &seq_gate;
  api_options.seat_history = seat_history.get();
  const std::unique_ptr<AlertsPoller> alerts = StartAlerts(o, &api_options);
  api_options.ticket_key =
      std::make_shared<const tickets::SigningKey>(std::move(ticket_key).value());
  api::Api api(std::move(api_options), bridge, reads, jwt, replies, &presence,
               &queue_stats);
  // stdout carries only the access log, written in batches (http/access_log.h); under
  // overload lines past 16 MiB of backlog are dropped rather than slowing requests.
  std::optional<http::AccessLog> access_log;
  if (o.access_log) {
    access_log.emplace(stdout, std::chrono::milliseconds(100), std::size_t{16} << 20);
    access_log->Start();
    api.SetAccessLog(&*access_log);
  }
  AddConnectionMetrics(api, server);
  api.AddMetricsSource([&seat_history, &reads](metrics::PrometheusText* out) {
    history::WriteSeatHistoryMetrics(*seat_history, reads.applied_seq(), out);
  });
  api_ptr = &api;

  notifier.Start();
  queue_watch.Start();
  sale_watch.Start();
  ws_hub.Start();
  if (const std::string error = server.Start(); !error.empty()) {
    spdlog::critical("{}", error);
    return 2;
  }
  const std::string advertise_url = AdvertiseUrl(o, server.port());
  bridge.SetOwnUrl(advertise_url);
  // Once leading and listening: the key names where writers go. (A standby that takes over
  // later writes its URL into the key as it takes it.)
  if (election && lead.pipeline) {
    if (Status s = election->Announce(advertise_url); !s.ok())
      spdlog::warn("election: could not announce {}: {}", advertise_url, s.ToString());
  }
  WritePortFile(o.port_file, server.port());
  spdlog::info("concertmania {} listening on http://{}:{} ({} I/O threads, data in {})", o.role,
               o.address, server.port(), so.threads, o.data_dir);

  int exit_code =
      WatchUntilStop(o, signals, election.get(), lead.pipeline, advertise_url, reads, bridge,
                     follower, lead);
  return ShutDown(o, Running{server, bridge, notifier, queue_watch, sale_watch,
                             payment.worker.get(), follower, lead, ws_hub, election, access_log},
                  exit_code);
}

}  // namespace cm::app
