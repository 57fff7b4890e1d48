#pragma once
// Setup over HTTP for the benchmarks that drive a running server: blocking Beast calls to log
// in, create a venue and a concert on sale, and sign up users. Only the setup phase uses these.

#include <CLI/CLI.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <string>
#include <vector>

namespace cm::bench {

using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

boost::beast::tcp_stream ConnectLoopback(boost::asio::io_context& io, uint16_t port);

HttpResponse Call(boost::beast::tcp_stream& s, boost::beast::http::verb method,
                  const std::string& target, const std::string& body, const std::string& token = "");

// Logs in; throws with the server's answer when that fails.
std::string Login(boost::beast::tcp_stream& s, const std::string& email, const std::string& password);

struct ConcertShape {
  int sections = 10, rows = 50, seats_per_row = 100;
  int max_seats_per_user = 4;
  std::string title = "Bench Concert";
  std::string waiting_room_json;  // a "waitingRoom" object for the concert; empty: none
  int rehold_cooldown_s = -1;     // reholdCooldownSeconds; -1: the server's default
  bool doors_open = false;        // doorsOpenAt now (check-ins are admitted at once)
  int64_t seats() const { return static_cast<int64_t>(sections) * rows * seats_per_row; }
};

// --sections, --rows and --seats-per-row.
void AddConcertShapeOptions(CLI::App& app, ConcertShape& shape);

// Logs in as the admin, creates a grid venue (grades VIP/R/S/A, 10 rows each) and a concert on
// sale now; returns its id.
int64_t CreateConcertOnSale(uint16_t port, const std::string& admin_email,
                            const std::string& admin_password, const ConcertShape& shape);

// Signs up and logs in `count` fresh users over a few parallel connections; returns their
// access tokens. `tag` keeps the emails of separate runs apart.
std::vector<std::string> SignUpUsers(uint16_t port, int count, const std::string& tag);

}  // namespace cm::bench
