#include "bench/http_setup.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace cm::bench {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace json = boost::json;
using tcp = net::ip::tcp;

beast::tcp_stream ConnectLoopback(net::io_context& io, uint16_t port) {
  beast::tcp_stream s(io);
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  s.socket().set_option(tcp::no_delay(true));
  return s;
}

HttpResponse Call(beast::tcp_stream& s, http::verb method, const std::string& target,
                  const std::string& body, const std::string& token) {
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  req.body() = body;
  req.prepare_payload();
  http::write(s, req);
  beast::flat_buffer buf;
  HttpResponse res;
  http::read(s, buf, res);
  return res;
}

std::string Login(beast::tcp_stream& s, const std::string& email, const std::string& password) {
  auto res = Call(s, http::verb::post, "/api/users/login",
                  json::serialize(json::object{{"email", email}, {"password", password}}));
  if (res.result_int() != 200) throw std::runtime_error("login failed: " + res.body());
  return std::string(json::parse(res.body()).at("accessToken").as_string());
}

void AddConcertShapeOptions(CLI::App& app, ConcertShape& shape) {
  app.add_option("--sections", shape.sections, "Venue sections")->capture_default_str();
  app.add_option("--rows", shape.rows, "Rows per section")->capture_default_str();
  app.add_option("--seats-per-row", shape.seats_per_row, "Seats per row")->capture_default_str();
}

int64_t CreateConcertOnSale(uint16_t port, const std::string& admin_email,
                            const std::string& admin_password, const ConcertShape& shape) {
  net::io_context io;
  auto admin_stream = ConnectLoopback(io, port);
  const std::string admin = Login(admin_stream, admin_email, admin_password);
  auto venue = Call(admin_stream, http::verb::post, "/api/admin/venues",
                    json::serialize(json::object{
                        {"name", shape.title + " Stadium"},
                        {"grades", json::array{"VIP", "R", "S", "A"}},
                        {"grid", json::object{{"sections", shape.sections},
                                              {"rows", shape.rows},
                                              {"seatsPerRow", shape.seats_per_row},
                                              {"rowsPerGrade", 10}}}}),
                    admin);
  if (venue.result_int() != 201) throw std::runtime_error("venue: " + venue.body());
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  json::object body{
                          {"venueId", json::parse(venue.body()).at("id")},
                          {"title", shape.title},
                          {"startsAt", now + 86'400'000},
                          {"salesOpenAt", now - 1000},
                          {"salesCloseAt", now + 3'600'000},
                          {"prices", json::object{{"VIP", 150000}, {"R", 120000}, {"S", 90000}, {"A", 60000}}},
                          {"maxSeatsPerUser", shape.max_seats_per_user}};
  if (!shape.waiting_room_json.empty()) body["waitingRoom"] = json::parse(shape.waiting_room_json);
  if (shape.rehold_cooldown_s >= 0) body["reholdCooldownSeconds"] = shape.rehold_cooldown_s;
  if (shape.doors_open) body["doorsOpenAt"] = now - 60'000;
  auto concert = Call(admin_stream, http::verb::post, "/api/admin/concerts", json::serialize(body),
                      admin);
  if (concert.result_int() != 201) throw std::runtime_error("concert: " + concert.body());
  const int64_t id = json::parse(concert.body()).at("id").as_int64();
  auto open = Call(admin_stream, http::verb::post, "/api/admin/concerts/" + std::to_string(id) + "/open", "", admin);
  if (open.result_int() != 200) throw std::runtime_error("open: " + open.body());
  return id;
}

std::vector<std::string> SignUpUsers(uint16_t port, int count, const std::string& tag) {
  std::vector<std::string> tokens(static_cast<std::size_t>(count));
  std::vector<std::thread> workers;
  for (int w = 0; w < 8; ++w)
    workers.emplace_back([&, w] {
      net::io_context io;
      auto s = ConnectLoopback(io, port);
      for (int i = w; i < count; i += 8) {
        const std::string email = "fan" + std::to_string(i) + "-" + tag + "@bench.io";
        Call(s, http::verb::post, "/api/users/signup",
             json::serialize(json::object{{"email", email}, {"password", "bench-password"}, {"name", "Fan"}}));
        tokens[static_cast<std::size_t>(i)] = Login(s, email, "bench-password");
      }
    });
  for (auto& t : workers) t.join();
  return tokens;
}

}  // namespace cm::bench
