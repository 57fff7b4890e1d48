// What permessage-deflate would buy the live seat map: for deltas of a few sizes, rendered by
// the feed's own RenderDelta, the cost of compressing one once (raw deflate, no context
// takeover, so every subscriber could share the one compressed frame) and the kernel's cost to
// send it, raw or compressed, over a loopback TCP connection as the hub does (blocking send of
// the whole message; a reader thread drains the other end). A round of the fan-out costs about
// subscribers x send; compression pays only if it cuts the send by more than its own cost
// divided by the subscriber count.
#include <CLI/CLI.hpp>

#include <boost/beast/zlib/deflate_stream.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bench/bench_report.h"
#include "live/delta_json.h"

namespace zlib = boost::beast::zlib;

namespace {

double ThreadCpuUs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

std::string Delta(int changes, int seats, std::mt19937& rng) {
  std::vector<cm::live::SeatChange> list;
  std::uniform_int_distribution<int> seat(0, seats - 1);
  for (int i = 0; i < changes; ++i)
    list.push_back({static_cast<cm::engine::SeatIndex>(seat(rng)), i % 3 == 2 ? 'A' : 'H'});
  return cm::live::RenderDelta({.concert = 7, .prev_seq = 1'203'311, .seq = 1'203'311u + static_cast<cm::engine::Seq>(changes),
                                .durable_at_us = 1'796'000'000'000'000},
                               list);
}

// Compressed as one permessage-deflate message: raw deflate, flushed, the 00 00 ff ff tail cut.
std::string Deflate(zlib::deflate_stream& ds, const std::string& in) {
  ds.reset();  // no context takeover: the frame stands alone, so it can be shared
  std::string out(ds.upper_bound(in.size()) + 16, '\0');
  zlib::z_params zs{};
  zs.next_in = in.data();
  zs.avail_in = in.size();
  zs.next_out = out.data();
  zs.avail_out = out.size();
  boost::system::error_code ec;
  ds.write(zs, zlib::Flush::sync, ec);
  if (ec || zs.avail_in != 0) throw std::runtime_error("deflate failed: " + ec.message());
  out.resize(zs.total_out >= 4 ? zs.total_out - 4 : zs.total_out);
  return out;
}

struct Loopback {
  int sender = -1, receiver = -1;
  Loopback(int send_buffer) {
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listener, 1) != 0 ||
        getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("loopback listener");
    sender = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(sender, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("loopback connect");
    receiver = accept(listener, nullptr, nullptr);
    close(listener);
    const int one = 1;
    setsockopt(sender, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // as Beast's server does
    setsockopt(sender, SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof send_buffer);
  }
  ~Loopback() {
    close(sender);
    close(receiver);
  }
};

// Sender CPU per message (user + kernel, which on loopback includes the receive path's
// softirq) and the reader's CPU per message.
std::pair<double, double> SendCost(const std::string& message, int sends, int send_buffer) {
  Loopback link(send_buffer);
  const std::size_t total = message.size() * static_cast<std::size_t>(sends);
  double reader_us = 0;
  std::thread reader([&] {
    std::vector<char> buf(256 << 10);
    const double start = ThreadCpuUs();
    for (std::size_t got = 0; got < total;) {
      const ssize_t n = recv(link.receiver, buf.data(), buf.size(), 0);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    reader_us = ThreadCpuUs() - start;
  });
  const double start = ThreadCpuUs();
  for (int i = 0; i < sends; ++i) {
    for (std::size_t sent = 0; sent < message.size();) {
      const ssize_t n = send(link.sender, message.data() + sent, message.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("loopback send");
      sent += static_cast<std::size_t>(n);
    }
  }
  const double sender_us = ThreadCpuUs() - start;
  reader.join();
  return {sender_us / sends, reader_us / sends};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The live map's frames: what deflating a delta once would cost and save"};
  int seats = 10'000, reps = 2'000, sends = 20'000, subscribers = 10'000;
  int send_buffer = 64 << 10;  // the hub's default SO_SNDBUF (live/ws_session.h)
  std::vector<int> sizes{10, 100, 1000};
  app.add_option("--seats", seats, "Seats in the hall (seat ids drawn from them)")->capture_default_str();
  app.add_option("--reps", reps, "Compressions timed per size and level")->capture_default_str();
  app.add_option("--sends", sends, "Loopback sends timed per message")->capture_default_str();
  app.add_option("--subscribers", subscribers, "Subscribers a round goes to, for the totals")
      ->capture_default_str();
  app.add_option("--changes", sizes, "Seat changes per delta")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  cm::bench::Report report("ws_frame_cost");
  std::mt19937 rng(42);
  std::printf("%8s %8s %8s %8s %10s %10s %10s %10s %12s %12s\n", "changes", "bytes", "deflate1",
              "deflate6", "cost1 us", "cost6 us", "send raw", "send def1", "round raw ms",
              "round def1 ms");
  for (int k : sizes) {
    const std::string raw = Delta(k, seats, rng);
    double cost[2] = {0, 0};
    std::string packed[2];
    const int levels[2] = {1, 6};
    for (int l = 0; l < 2; ++l) {
      zlib::deflate_stream ds;
      ds.reset(levels[l], 15, 8, zlib::Strategy::normal);
      packed[l] = Deflate(ds, raw);  // warm: its buffers are allocated once
      const double start = ThreadCpuUs();
      for (int i = 0; i < reps; ++i) packed[l] = Deflate(ds, raw);
      cost[l] = (ThreadCpuUs() - start) / reps;
    }
    const auto [send_raw, read_raw] = SendCost(raw, sends, send_buffer);
    const auto [send_packed, read_packed] = SendCost(packed[0], sends, send_buffer);
    const double round_raw_ms = subscribers * send_raw / 1e3;
    const double round_packed_ms = (cost[0] + subscribers * send_packed) / 1e3;
    std::printf("%8d %8zu %8zu %8zu %10.1f %10.1f %10.2f %10.2f %12.1f %12.1f\n", k, raw.size(),
                packed[0].size(), packed[1].size(), cost[0], cost[1], send_raw, send_packed,
                round_raw_ms, round_packed_ms);
    const std::string at = std::to_string(k) + "_changes_";
    report.Add(at + "bytes", static_cast<double>(raw.size()), "B");
    report.Add(at + "deflate1_bytes", static_cast<double>(packed[0].size()), "B");
    report.Add(at + "deflate6_bytes", static_cast<double>(packed[1].size()), "B");
    report.Add(at + "deflate1_cpu", cost[0], "us");
    report.Add(at + "deflate6_cpu", cost[1], "us");
    report.Add(at + "send_raw_cpu", send_raw, "us");
    report.Add(at + "send_deflate1_cpu", send_packed, "us");
    report.Add(at + "read_raw_cpu", read_raw, "us");
    report.Add(at + "read_deflate1_cpu", read_packed, "us");
  }
  report.Note("note", "send = sender thread CPU per message over loopback (the receive path's "
                      "softirq included); round = subscribers x send (+ one deflate)");
  report.Print();
}
