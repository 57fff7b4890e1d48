#pragma once
// A running server with an admin logged in, and helpers to set up venues and concerts.

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace cm::test {

namespace json = boost::json;

struct ConcertOptions {
  int sections = 1, rows = 4, seats_per_row = 10, rows_per_grade = 2;
  int hold_ttl_s = 600;
  int max_seats_per_user = 4;
  bool open = true;
  int64_t sales_open_in_ms = -60'000;  // from now
  json::object waiting_room;           // empty: no waiting room
  json::array accessibility;           // the venue's "accessibility" marks (empty: none)
  json::object extra;                  // more concert fields (doorsOpenAt, refundPolicy, ...)
};

class ApiFixture {
 public:
  explicit ApiFixture(std::vector<std::string> flags = {});
  uint16_t port() const { return server->port(); }
  std::string data_dir() const { return dir.path() + "/data"; }

  // Creates a grid venue (grades VIP and R) and a concert on sale now; returns the concert id.
  uint64_t CreateConcert(const ConcertOptions& o = {});
  // Restarts the server on the same data directory (SIGKILL first when `crash`).
  void Restart(bool crash);

  TempDir dir;
  std::unique_ptr<ServerProcess> server;
  std::vector<std::string> flags;
  std::string admin;  // access token
  HttpClient http{0};
};

// Signs `n` users up through the API (4 connections, emails <prefix><i>@x.io); their access
// tokens are signed with the server's test secret instead of n logins.
std::vector<std::string> MakeUsers(ApiFixture& f, int n, const std::string& prefix);

std::string Str(const json::value& v, const char* key);
int64_t Int(const json::value& v, const char* key);
int64_t NowMs();

}  // namespace cm::test
