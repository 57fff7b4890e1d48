// Live seat map fan-out: N WebSocket subscribers on one concert of a running `concertmania
// serve` (127.0.0.1), while a few HTTP connections hold and release seats at a fixed rate.
// Every delta carries `durableAtUs` (wall clock when its journal batch became durable), so each
// subscriber measures lag = receive time - durable time. Reports lag percentiles, deltas lost or
// out of order, subscribers the server dropped, and the server's and this client's CPU.
//
// With --subscribe-ports, the changes still go to --port (the leader) and the subscribers are
// spread over those ports (read replicas). A replica's deltas also carry `leaderSentAtUs`, when
// the leader sent the batch to the replicated log, and the lag is counted from there: it holds
// the whole way from the leader (Kafka's round trip, the replica's apply and sync, its fan-out),
// and a little more than that, because the leader sends a batch before its own sync ends.
//
// Start the server with --hold-rate 0 (no per-user hold rate limit); see bench/ws_fanout.sh.
#include <CLI/CLI.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <fstream>
#include <iostream>
#include <thread>

#include "bench/bench_report.h"
#include "bench/http_setup.h"

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using cm::bench::NowNs;

namespace {

struct Options {
  uint16_t port = 8080;
  std::string admin_email, admin_password;
  int subscribers = 10'000;
  double changes_per_s = 1000;
  int drivers = 8;
  double warmup_s = 2, seconds = 10, drain_s = 3;
  int threads = 1;
  int connect_window = 256;
  std::vector<uint16_t> subscribe_ports;  // empty: the subscribers go to `port`
  std::vector<int> server_pids;
  cm::bench::ConcertShape shape{.sections = 2, .rows = 10, .seats_per_row = 50, .max_seats_per_user = 4,
                                .title = "Bench Concert", .waiting_room_json = ""};  // 1,000 seats
};

int64_t WallUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Lags in 100 us buckets up to 120 s; the exact maximum is kept aside.
class LagHistogram {
 public:
  static constexpr int64_t kBucketUs = 100;
  LagHistogram() : counts_(1'200'001, 0) {}
  void Add(int64_t us) {
    us = std::max<int64_t>(us, 0);
    ++counts_[std::min<std::size_t>(static_cast<std::size_t>(us / kBucketUs), counts_.size() - 1)];
    max_ = std::max(max_, us);
    ++total_;
  }
  void Merge(const LagHistogram& o) {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += o.counts_[i];
    max_ = std::max(max_, o.max_);
    total_ += o.total_;
  }
  uint64_t total() const { return total_; }
  int64_t max_us() const { return max_; }
  // The upper edge of the bucket holding the p-th percentile.
  double PercentileUs(double p) const {
    if (total_ == 0) return 0;
    const auto rank = static_cast<uint64_t>(p / 100.0 * static_cast<double>(total_ - 1)) + 1;
    uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return static_cast<double>(std::min<int64_t>((i + 1) * kBucketUs, max_));
    }
    return static_cast<double>(max_);
  }

 private:
  std::vector<uint64_t> counts_;
  int64_t max_ = 0;
  uint64_t total_ = 0;
};

// The window whose deltas count: durable between these wall-clock instants.
struct Window {
  std::atomic<int64_t> from_us{INT64_MAX}, to_us{INT64_MAX};
};

// Reads the integer after `key` at or after `pos`; advances pos past it.
bool ReadInt(std::string_view text, std::string_view key, std::size_t& pos, int64_t& out) {
  const std::size_t at = text.find(key, pos);
  if (at == std::string_view::npos) return false;
  const char* begin = text.data() + at + key.size();
  auto [end, ec] = std::from_chars(begin, text.data() + text.size(), out);
  if (ec != std::errc()) return false;
  pos = static_cast<std::size_t>(end - text.data());
  return true;
}

struct Shard;

// One live seat map viewer.
class Subscriber : public std::enable_shared_from_this<Subscriber> {
 public:
  Subscriber(net::io_context& io, Shard& shard, uint16_t port)
      : ws_(io), shard_(shard), port_(port) {}
  void Start(int64_t concert);

  bool subscribed = false;   // has its snapshot
  bool dropped = false;      // the connection ended during the run
  int close_code = 0;
  int64_t last_seq = 0;
  uint64_t deltas = 0, gaps = 0;

 private:
  void Read();
  void OnFrame(std::string_view text);
  void Fail();

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buf_;
  std::string subscribe_;
  Shard& shard_;
  const uint16_t port_;
};

// Subscribers served by one client thread, with that thread's own histogram.
struct Shard {
  net::io_context io{1};
  std::vector<std::shared_ptr<Subscriber>> subscribers;
  std::size_t next_to_start = 0;
  std::atomic<int> settled{0};  // subscribed or failed during setup
  LagHistogram lags;
  const Window* window = nullptr;
  int64_t concert = 0;
  uint64_t from_leader = 0;  // deltas whose lag counts from the leader's send

  void StartNext() {
    if (next_to_start < subscribers.size()) subscribers[next_to_start++]->Start(concert);
  }
};

void Subscriber::Start(int64_t concert) {
  subscribe_ = R"({"type":"subscribe","concertId":)" + std::to_string(concert) + "}";
  beast::get_lowest_layer(ws_).async_connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), port_),
      [self = shared_from_this()](beast::error_code ec) {
        if (ec) return self->Fail();
        beast::get_lowest_layer(self->ws_).socket().set_option(tcp::no_delay(true));
        self->ws_.async_handshake("127.0.0.1", "/ws", [self](beast::error_code ec2) {
          if (ec2) return self->Fail();
          self->ws_.text(true);
          self->ws_.async_write(net::buffer(self->subscribe_), [self](beast::error_code ec3, std::size_t) {
            if (ec3) return self->Fail();
            self->Read();
          });
        });
      });
}

void Subscriber::Read() {
  ws_.async_read(buf_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) {
      self->close_code = self->ws_.reason().code;
      return self->Fail();
    }
    const auto data = self->buf_.cdata();
    self->OnFrame(std::string_view(static_cast<const char*>(data.data()), data.size()));
    self->buf_.consume(self->buf_.size());
    self->Read();
  });
}

void Subscriber::Fail() {
  if (!subscribed) {
    shard_.settled.fetch_add(1);
    shard_.StartNext();
  }
  dropped = true;
}

void Subscriber::OnFrame(std::string_view text) {
  if (!subscribed) {
    std::size_t pos = 0;
    int64_t seq = 0;
    if (text.find(R"("type":"snapshot")") == std::string_view::npos || !ReadInt(text, R"("seq":)", pos, seq))
      return;
    last_seq = seq;
    subscribed = true;
    shard_.settled.fetch_add(1);
    shard_.StartNext();
    return;
  }
  // One delta per journal batch; a frame may carry several (a JSON array) when the server
  // coalesced a backlog. Walk them in order.
  const int64_t now_us = WallUs();
  const int64_t from = shard_.window->from_us.load(std::memory_order_relaxed);
  const int64_t to = shard_.window->to_us.load(std::memory_order_relaxed);
  std::size_t pos = 0;
  int64_t prev = 0, seq = 0, origin_us = 0;
  while (ReadInt(text, R"("prevSeq":)", pos, prev) && ReadInt(text, R"("seq":)", pos, seq) &&
         ReadInt(text, R"("durableAtUs":)", pos, origin_us)) {
    // A replica's delta says next when the leader sent it: the lag counts from there.
    constexpr std::string_view kLeaderSent = R"(,"leaderSentAtUs":)";
    const bool from_leader = text.substr(pos).starts_with(kLeaderSent) &&
                             ReadInt(text, kLeaderSent, pos, origin_us);
    if (seq <= last_seq) continue;  // already covered by the snapshot
    if (prev > last_seq) ++gaps;
    last_seq = seq;
    ++deltas;
    if (origin_us >= from && origin_us < to) {
      shard_.lags.Add(now_us - origin_us);
      shard_.from_leader += from_leader;
    }
  }
}

// Holds a seat, releases it, holds the next, ... on one keep-alive connection, paced so that
// all drivers together make `rate` seat changes per second.
class Driver : public std::enable_shared_from_this<Driver> {
 public:
  Driver(net::io_context& io, uint16_t port, std::string token, std::string concert_path,
         int64_t first_seat, int64_t seat_stride, int64_t seats, double interval_ns, int64_t start_ns,
         const std::atomic<bool>& stop, const std::atomic<bool>& measuring)
      : stream_(cm::bench::ConnectLoopback(io, port)),
        timer_(io),
        token_(std::move(token)),
        concert_path_(std::move(concert_path)),
        seat_(first_seat),
        stride_(seat_stride),
        seats_(seats),
        interval_ns_(interval_ns),
        next_ns_(start_ns),
        stop_(stop),
        measuring_(measuring) {}

  void Start() { Schedule(); }
  uint64_t changes = 0, failures = 0;
  cm::bench::Latencies latencies;  // of the hold and release requests, while measuring

 private:
  void Schedule() {
    if (stop_.load()) return;
    next_ns_ += static_cast<int64_t>(interval_ns_);
    const int64_t wait = next_ns_ - NowNs();
    timer_.expires_after(std::chrono::nanoseconds(std::max<int64_t>(wait, 0)));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->Send();
    });
  }

  void Send() {
    req_ = {};
    req_.version(11);
    req_.set(http::field::host, "127.0.0.1");
    req_.set(http::field::authorization, "Bearer " + token_);
    if (held_.empty()) {
      req_.method(http::verb::post);
      req_.target(concert_path_);
      req_.set(http::field::content_type, "application/json");
      req_.body() = "{\"seatIds\":[" + std::to_string(seat_) + "]}";
      seat_ = (seat_ + stride_) % seats_;
    } else {
      req_.method(http::verb::delete_);
      req_.target("/api/reservations/" + held_);
    }
    req_.prepare_payload();
    sent_ns_ = NowNs();
    http::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->res_ = {};
      http::async_read(self->stream_, self->buf_, self->res_, [self](beast::error_code ec2, std::size_t) {
        if (ec2) return;
        if (self->measuring_.load(std::memory_order_relaxed)) self->latencies.Add(NowNs() - self->sent_ns_);
        self->OnReply();
        self->Schedule();
      });
    });
  }

  void OnReply() {
    const unsigned status = res_.result_int();
    if (held_.empty() && status == 201) {
      std::size_t pos = 0;
      int64_t id = 0;
      if (ReadInt(res_.body(), R"("id":)", pos, id)) held_ = std::to_string(id);
      ++changes;
    } else if (!held_.empty() && (status == 200 || status == 204)) {
      held_.clear();
      ++changes;
    } else {
      ++failures;
      held_.clear();
    }
  }

  beast::tcp_stream stream_;
  net::steady_timer timer_;
  std::string token_, concert_path_, held_;
  int64_t seat_, stride_, seats_;
  double interval_ns_;
  int64_t next_ns_;
  const std::atomic<bool>& stop_;
  const std::atomic<bool>& measuring_;
  int64_t sent_ns_ = 0;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  beast::flat_buffer buf_;
};

void SleepSeconds(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

double ServersCpuS(const std::vector<int>& pids) {
  double s = 0;
  for (int pid : pids) s += cm::bench::ProcessUsage::Of(pid).cpu_us / 1e6;
  return s;
}

// A read replica applies the concert a moment after the leader made it: its sales must be open
// there before anyone subscribes. Bounded to 30 s.
void WaitForConcert(uint16_t port, int64_t concert) {
  net::io_context io;
  const std::string target = "/api/concerts/" + std::to_string(concert);
  for (int i = 0; i < 300; ++i) {
    try {
      auto stream = cm::bench::ConnectLoopback(io, port);
      const auto res = cm::bench::Call(stream, http::verb::get, target, "");
      if (res.result_int() == 200 && res.body().find(R"("ON_SALE")") != std::string::npos) return;
    } catch (const std::exception&) {
    }
    SleepSeconds(0.1);
  }
  throw std::runtime_error("concert " + std::to_string(concert) + " never showed up on port " +
                           std::to_string(port));
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"WebSocket live seat map fan-out against a running concertmania server (127.0.0.1 only)"};
  app.add_option("--port", o.port, "Server port on 127.0.0.1")->required();
  app.add_option("--admin-email", o.admin_email, "An admin account of the server")->required();
  app.add_option("--admin-password", o.admin_password, "Its password")->required();
  app.add_option("--subscribers", o.subscribers, "WebSocket subscribers on the concert")->capture_default_str();
  app.add_option("--changes-per-s", o.changes_per_s, "Seat changes per second (holds + releases)")->capture_default_str();
  app.add_option("--drivers", o.drivers, "HTTP connections making the changes")->capture_default_str();
  app.add_option("--warmup", o.warmup_s, "Seconds of changes before measuring")->capture_default_str();
  app.add_option("--seconds", o.seconds, "Seconds measured (bound)")->capture_default_str();
  app.add_option("--drain", o.drain_s, "Seconds to wait for late deltas after the changes stop")->capture_default_str();
  app.add_option("--threads", o.threads, "Client threads for the subscribers")->capture_default_str();
  app.add_option("--connect-window", o.connect_window, "Subscribers connecting at once")->capture_default_str();
  app.add_option("--server-pid", o.server_pids, "Server processes, to report their CPU (summed)")
      ->delimiter(',');
  app.add_option("--subscribe-ports", o.subscribe_ports,
                 "Ports the subscribers connect to, in turn (read replicas); default: --port")
      ->delimiter(',');
  cm::bench::AddConcertShapeOptions(app, o.shape);
  CLI11_PARSE(app, argc, argv);

  o.shape.title = "Bench Fan-out";
  // The drivers are a generator of seat changes that comes back to the same seats every few
  // seconds, not shoppers: the re-hold cooldown would refuse them.
  o.shape.rehold_cooldown_s = 0;
  const int64_t concert =
      cm::bench::CreateConcertOnSale(o.port, o.admin_email, o.admin_password, o.shape);
  const int64_t seats = o.shape.seats();
  const std::vector<std::string> tokens =
      cm::bench::SignUpUsers(o.port, o.drivers, std::to_string(WallUs()));

  // Subscribers, spread over the client threads, connecting a window at a time.
  Window window;
  std::vector<std::unique_ptr<Shard>> shards;
  for (int t = 0; t < o.threads; ++t) {
    auto shard = std::make_unique<Shard>();
    shard->window = &window;
    shard->concert = concert;
    shards.push_back(std::move(shard));
  }
  if (o.subscribe_ports.empty()) o.subscribe_ports.push_back(o.port);
  for (uint16_t port : o.subscribe_ports) WaitForConcert(port, concert);
  for (int i = 0; i < o.subscribers; ++i) {
    Shard& shard = *shards[static_cast<std::size_t>(i % o.threads)];
    const uint16_t port = o.subscribe_ports[static_cast<std::size_t>(i) % o.subscribe_ports.size()];
    shard.subscribers.push_back(std::make_shared<Subscriber>(shard.io, shard, port));
  }
  std::vector<std::unique_ptr<net::executor_work_guard<net::io_context::executor_type>>> guards;
  std::vector<std::thread> threads;
  const int64_t connect_start = NowNs();
  for (auto& shard : shards) {
    guards.push_back(std::make_unique<net::executor_work_guard<net::io_context::executor_type>>(
        shard->io.get_executor()));
    Shard* s = shard.get();
    const int window_share = std::max(1, o.connect_window / o.threads);
    net::post(s->io, [s, window_share] {
      for (int i = 0; i < window_share; ++i) s->StartNext();
    });
    threads.emplace_back([s] { s->io.run(); });
  }
  auto settled = [&] {
    int n = 0;
    for (auto& s : shards) n += s->settled.load();
    return n;
  };
  const int64_t connect_deadline = NowNs() + 300'000'000'000LL;
  while (settled() < o.subscribers && NowNs() < connect_deadline) SleepSeconds(0.05);
  const double connect_s = (NowNs() - connect_start) / 1e9;

  // Changes: the drivers on their own thread.
  std::atomic<bool> stop{false}, measuring{false};
  net::io_context driver_io{1};
  std::vector<std::shared_ptr<Driver>> drivers;
  const double interval_ns = 1e9 * o.drivers / o.changes_per_s;
  const int64_t drive_start = NowNs();
  for (int d = 0; d < o.drivers; ++d)
    drivers.push_back(std::make_shared<Driver>(
        driver_io, o.port, tokens[static_cast<std::size_t>(d)],
        "/api/v1/concerts/" + std::to_string(concert) + "/reservations", d, o.drivers, seats,
        interval_ns, drive_start + static_cast<int64_t>(interval_ns * d / o.drivers), stop, measuring));
  for (auto& d : drivers) d->Start();
  std::thread driver_thread([&] { driver_io.run(); });

  SleepSeconds(o.warmup_s);
  const double server_cpu0 = ServersCpuS(o.server_pids);
  const double client_cpu0 = cm::bench::ProcessUsage::Now().cpu_us / 1e6;
  uint64_t changes0 = 0;
  for (auto& d : drivers) changes0 += d->changes;  // racy read of a counter: fine for a rate
  const int64_t measure_start = NowNs();
  window.from_us = WallUs();
  measuring = true;
  SleepSeconds(o.seconds);
  measuring = false;
  window.to_us = WallUs();
  const double measured_s = (NowNs() - measure_start) / 1e9;
  const double server_cpu = ServersCpuS(o.server_pids) - server_cpu0;
  const double client_cpu = cm::bench::ProcessUsage::Now().cpu_us / 1e6 - client_cpu0;
  uint64_t changes1 = 0;
  for (auto& d : drivers) changes1 += d->changes;
  stop = true;
  driver_thread.join();
  SleepSeconds(o.drain_s);
  for (auto& shard : shards) shard->io.stop();
  for (auto& t : threads) t.join();

  // Tally.
  LagHistogram lags;
  int subscribed = 0, dropped = 0, slow_closed = 0;
  uint64_t gaps = 0, deltas = 0, driver_failures = 0;
  int64_t newest = 0;
  uint64_t from_leader = 0;
  for (auto& shard : shards) {
    lags.Merge(shard->lags);
    from_leader += shard->from_leader;
    for (auto& s : shard->subscribers) newest = std::max(newest, s->last_seq);
  }
  int behind = 0;
  for (auto& shard : shards)
    for (auto& s : shard->subscribers) {
      subscribed += s->subscribed;
      dropped += s->subscribed && s->dropped;
      slow_closed += s->close_code == 4001;
      gaps += s->gaps;
      deltas += s->deltas;
      behind += s->subscribed && !s->dropped && s->last_seq < newest;
    }
  cm::bench::Latencies requests;
  for (auto& d : drivers) {
    driver_failures += d->failures;
    for (int64_t ns : d->latencies.Samples()) requests.Add(ns);
  }

  cm::bench::Report report("ws_fanout");
  report.Note("setup", std::to_string(o.subscribers) + " subscribers on one concert of " +
                           std::to_string(seats) + " seats, " + std::to_string(o.threads) +
                           " client threads, " + std::to_string(o.drivers) + " HTTP drivers");
  report.Add("connect_and_snapshot_time", connect_s, "s");
  report.Add("subscribed", subscribed, "");
  report.Add("target_changes_per_s", o.changes_per_s, "changes/s");
  report.Add("changes_per_s", (changes1 - changes0) / measured_s, "changes/s");
  report.Add("driver_failures", static_cast<double>(driver_failures), "");
  // The booking path while the fan-out runs: it must not queue behind the WebSocket work.
  report.Add("hold_release_request_p50", requests.PercentileUs(50), "us");
  report.Add("hold_release_request_p99", requests.PercentileUs(99), "us");
  report.Add("deltas_received", static_cast<double>(deltas), "");
  report.Add("lag_samples", static_cast<double>(lags.total()), "");
  report.Add("lag_samples_from_leader", static_cast<double>(from_leader), "");
  report.Add("lag_p50", lags.PercentileUs(50), "us");
  report.Add("lag_p99", lags.PercentileUs(99), "us");
  report.Add("lag_p99_9", lags.PercentileUs(99.9), "us");
  report.Add("lag_max", static_cast<double>(lags.max_us()), "us");
  report.Add("dropped_subscribers", dropped, "");
  report.Add("closed_slow_consumer", slow_closed, "");
  report.Add("gaps", static_cast<double>(gaps), "");
  report.Add("behind_at_end", behind, "");
  if (!o.server_pids.empty())
    report.Add("server_cpu", 100 * server_cpu / measured_s, "% of a core");
  report.Add("client_cpu", 100 * client_cpu / measured_s, "% of a core");
  report.Print();
  return subscribed == o.subscribers ? 0 : 1;
}
