// What an operator runs the server with: /metrics as Prometheus's own lint reads it, and the
// numbers the alerts in deploy/prometheus/rules.yml watch.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "tests/server/api_fixture.h"
#include "tests/support/fakepg_process.h"
#include "tests/support/metrics_named.h"
#include "tests/support/shell.h"
#include "tests/support/ws_client.h"

using namespace cm::test;

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The one snapshot file a backup holds.
std::string SnapshotName(const std::string& backup) {
  for (const auto& e : std::filesystem::directory_iterator(backup + "/snapshots"))
    return e.path().filename().string();
  return "none";
}

}  // namespace

TEST_CASE("/metrics passes promtool's lint, with every part of the server reporting") {
  TempDir pg_dir;
  FakePgProcess pg(pg_dir.path() + "/fakepg.port");
  ApiFixture f({"--payment-provider-url", pg.url()});
  // A waiting room with one place: one user shops, the other waits in line.
  ConcertOptions o;
  o.waiting_room = json::object{{"maxActive", 1}, {"admitPerSecond", 1}};
  const uint64_t concert = f.CreateConcert(o);
  const auto users = MakeUsers(f, 2, "ops");
  const std::string queue = "/api/v1/concerts/" + std::to_string(concert) + "/queue";
  for (const std::string& token : users) REQUIRE(f.http.Post(queue, "", token).status == 201);
  const uint64_t open_sale = f.CreateConcert();
  auto hold = f.http.Post("/api/v1/concerts/" + std::to_string(open_sale) + "/reservations",
                          R"({"count":1})", users[0]);
  REQUIRE(hold.status == 201);

  // The opening draw and the first admission happen on the engine's clock ticks.
  const std::string in_line = "cm_queue_in_line{concert=\"" + std::to_string(concert) + "\"} 1";
  std::string metrics;
  for (int i = 0; i < 100; ++i) {
    metrics = f.http.Get("/metrics").body;
    if (metrics.find(in_line) != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(metrics.find(in_line) != std::string::npos);
  CHECK(MetricSample(metrics, "cm_journal_bytes") > 0);
  CHECK(MetricSample(metrics, "cm_snapshot_bytes") >= 0);
  CHECK(MetricSample(metrics, "cm_journal_archive_bytes") == 0);
  const double free_bytes = MetricSample(metrics, "cm_data_disk_free_bytes");
  CHECK(free_bytes > 0);
  CHECK(free_bytes <= MetricSample(metrics, "cm_data_disk_size_bytes"));
  CHECK(metrics.find("cm_payment_charges_total") != std::string::npos);

  std::ifstream dashboard_file(CM_SOURCE_DIR "/deploy/grafana/concertmania.json");
  const json::value dashboard = json::parse(std::string(
      (std::istreambuf_iterator<char>(dashboard_file)), std::istreambuf_iterator<char>()));
  CHECK(dashboard.at("panels").as_array().size() > 20);
  // Every metric the alerts and the dashboard use is one the server exports (the outbox's and
  // replication's only when Kafka is configured, which this server is not; a follower's only on
  // a follower).
  for (const std::string& missing :
       MissingFamilies(metrics, "cm_", {"cm_outbox_", "cm_replication_", "cm_follower_"}))
    FAIL_CHECK(missing);

  const std::string file = f.dir.path() + "/metrics.txt";
  std::ofstream(file) << metrics;
  const ShellResult lint = RunShell("promtool check metrics < " + file + " 2>&1");
  INFO("promtool check metrics: " << lint.output);
  CHECK(lint.exit_code == 0);
}

TEST_CASE("the sales report follows a sale, reads the same as CSV, and survives a restart") {
  ApiFixture f;
  ConcertOptions o;
  o.extra = json::object{{"title", "Rock, \"Live\""}};  // CSV must quote it
  const uint64_t concert = f.CreateConcert(o);  // VIP 150,000 and R 100,000; 20 seats each
  const std::string c = std::to_string(concert);
  const auto users = MakeUsers(f, 3, "report");
  auto hold = [&](const std::string& token, const char* body) {
    auto r = f.http.Post("/api/v1/concerts/" + c + "/reservations", body, token);
    REQUIRE(r.status == 201);
    return std::to_string(Int(r.Json(), "id"));
  };
  auto admin = [&](const std::string& reservation, const char* what) {
    REQUIRE(f.http.Post("/api/admin/reservations/" + reservation + "/" + what, "", f.admin)
                .status == 200);
  };
  admin(hold(users[0], R"({"grade":"VIP","count":2})"), "confirm");
  const std::string released = hold(users[1], R"({"grade":"R","count":1})");
  REQUIRE(f.http.Delete("/api/reservations/" + released, users[1]).status == 200);
  const std::string refunded = hold(users[2], R"({"grade":"R","count":2})");
  admin(refunded, "confirm");
  admin(refunded, "refund");

  const std::string path = "/api/admin/concerts/" + c + "/report";
  auto got = f.http.Get(path, f.admin);
  REQUIRE(got.status == 200);
  const json::value report = got.Json();
  CHECK(Str(report, "title") == "Rock, \"Live\"");
  const json::array& grades = report.at("grades").as_array();
  REQUIRE(grades.size() == 2);
  CHECK(Str(grades[0], "grade") == "VIP");
  CHECK(Int(grades[0], "seats") == 20);
  CHECK(Int(grades[0], "sold") == 2);
  CHECK(Int(grades[0], "seatsSold") == 2);
  CHECK(Int(grades[0], "soldValue") == 300'000);
  CHECK(Int(grades[1], "available") == 20);
  CHECK(Int(grades[1], "seatsSold") == 2);
  CHECK(Int(grades[1], "seatsRefunded") == 2);
  CHECK(Int(grades[1], "netValue") == 0);
  const json::value& holds = report.at("holds");
  CHECK(Int(holds, "placed") == 3);
  CHECK(Int(holds, "confirmed") == 2);
  CHECK(Int(holds, "released") == 1);
  CHECK(Int(holds, "live") == 0);
  CHECK(report.at("conversion").at("holdToPaid").as_double() == doctest::Approx(2.0 / 3));
  CHECK(Int(report.at("refunds"), "byAdmin") == 1);
  CHECK(Int(report.at("totals"), "netSeats") == 2);
  CHECK(Int(report.at("totals"), "netValue") == 300'000);
  const json::array& hours = report.at("hours").as_array();
  REQUIRE(!hours.empty());
  int64_t hour_holds = 0;
  for (const json::value& h : hours) hour_holds += Int(h, "holds");
  CHECK(hour_holds == 3);

  auto csv = f.http.Get(path + "?format=csv", f.admin);
  REQUIRE(csv.status == 200);
  CHECK(csv.Header("content-type").starts_with("text/csv"));
  CHECK(csv.Header("content-disposition").find("concert-" + c + "-report.csv") !=
        std::string::npos);
  CHECK(csv.body.starts_with("section,key,metric,value\r\n"));
  for (const std::string& record :
       {"concert," + c + ",title,\"Rock, \"\"Live\"\"\"\r\n",
        std::string("grade,VIP,seats_sold,2\r\n"),
        std::string("grade,R,refunded_value,200000\r\n"), std::string("holds,,placed,3\r\n"),
        std::string("conversion,,hold_to_paid,0.6667\r\n")}) {
    INFO("record: " << record);
    CHECK(csv.body.find(record) != std::string::npos);
  }

  // Only an admin reads it; unknown concerts and formats get their own answers.
  CHECK(f.http.Get(path, users[0]).status == 403);
  CHECK(f.http.Get("/api/admin/concerts/999999/report", f.admin).status == 404);
  auto bad_format = f.http.Get(path + "?format=xml", f.admin);
  CHECK(bad_format.status == 422);
  CHECK(Str(bad_format.Json(), "code") == "VALIDATION_FAILED");

  // The ledger is state: a restart (snapshot or replay) gives the same report.
  f.Restart(false);
  auto again = f.http.Get(path, f.admin);
  REQUIRE(again.status == 200);
  for (const char* part : {"grades", "hours", "holds", "conversion", "refunds", "totals"})
    CHECK_MESSAGE(again.Json().at(part) == report.at(part), part);
}

TEST_CASE("an online backup during a flash sale restores to a server with the reported state") {
  ApiFixture f;
  ConcertOptions o;
  o.rows = 10;
  o.seats_per_row = 30;
  o.rows_per_grade = 5;
  const uint64_t concert = f.CreateConcert(o);
  const std::string holds = "/api/v1/concerts/" + std::to_string(concert) + "/reservations";
  constexpr int kThreads = 4, kUsersPerThread = 10;
  const auto users = MakeUsers(f, kThreads * kUsersPerThread, "sale");

  // The sale: each thread's users hold a seat and let it go, over and over (bounded).
  std::atomic<bool> stop{false};
  std::atomic<int> decided{0}, running{kThreads};
  std::vector<std::thread> load;
  for (int t = 0; t < kThreads; ++t)
    load.emplace_back([&, t] {
      HttpClient c(f.port());
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      struct Done {
        std::atomic<int>& running;
        ~Done() { --running; }
      } done{running};
      for (int i = 0; i < 5000 && !stop && std::chrono::steady_clock::now() < deadline; ++i) {
        const std::string& token = users[t * kUsersPerThread + i % kUsersPerThread];
        auto held = c.Post(holds, R"({"count":1})", token);
        if (held.status != 201) continue;
        ++decided;
        c.Delete("/api/reservations/" + std::to_string(Int(held.Json(), "id")), token);
      }
    });
  // The waits end with the load too (on a loaded machine its bounds may come first).
  while (decided < 100 && running > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));

  const std::string copy = f.dir.path() + "/backup-copy";
  const ShellResult backup = RunShell(ServerBinary() + " backup --url http://127.0.0.1:" +
                                      std::to_string(f.port()) + " --to " + copy +
                                      " --token " + f.admin + " 2>&1");
  const int decided_at_backup = decided;
  while (decided < decided_at_backup + 100 && running > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop = true;
  for (auto& t : load) t.join();
  INFO("backup: " << backup.output);
  REQUIRE(backup.exit_code == 0);

  // What the server reported, and what it keeps.
  auto list = f.http.Get("/api/admin/backups", f.admin);
  REQUIRE(list.status == 200);
  const json::value listed = list.Json();
  const json::array& items = listed.at("items").as_array();
  REQUIRE(items.size() == 1);
  const int64_t seq = Int(items[0], "seq");
  const std::string hash = Str(items[0], "stateHash");
  CHECK(backup.output.find("backup of seq " + std::to_string(seq) + " (state hash " + hash) !=
        std::string::npos);
  CHECK(std::filesystem::exists(f.data_dir() + "/backups/" + std::to_string(seq) + "/MANIFEST"));
  CHECK((std::filesystem::status(copy + "/MANIFEST").permissions() &
         std::filesystem::perms::group_read) == std::filesystem::perms::none);
  // The keys never leave through the API: not in the copy, not in the server's backup.
  for (const char* key : {"jwt-secret", "ticket-signing-key"}) {
    CAPTURE(key);
    CHECK_FALSE(std::filesystem::exists(copy + "/" + key));
    CHECK_FALSE(std::filesystem::exists(f.data_dir() + "/backups/" + std::to_string(seq) + "/" +
                                        key));
  }

  // Restored into a new directory: the journal checks, and replaying it alone to the backup's
  // seq gives the hash the server reported. Without keys the restore is refused unless told.
  const std::string restored = f.dir.path() + "/restored";
  const ShellResult keyless =
      RunShell(ServerBinary() + " restore --from " + copy + " --data " + restored + " 2>&1");
  CHECK(keyless.exit_code == 2);
  CHECK(keyless.output.find("--keys-from") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(restored));
  const ShellResult restore = RunShell(ServerBinary() + " restore --from " + copy + " --data " +
                                       restored + " --keys-from " + f.data_dir() + " 2>&1");
  INFO("restore: " << restore.output);
  REQUIRE(restore.exit_code == 0);
  CHECK(ReadAll(restored + "/ticket-signing-key") == ReadAll(f.data_dir() + "/ticket-signing-key"));
  CHECK((std::filesystem::status(restored + "/ticket-signing-key").permissions() &
         std::filesystem::perms::group_read) == std::filesystem::perms::none);
  const ShellResult verify = RunShell(ReplayBinary() + " --data " + restored + " --verify 2>&1");
  INFO("replay --verify: " << verify.output);
  CHECK(verify.exit_code == 0);
  const ShellResult at_seq = RunShell(ReplayBinary() + " --data " + restored + " --full --until " +
                                      std::to_string(seq) + " 2>&1");
  CHECK(at_seq.output.find("state hash: " + hash) != std::string::npos);

  // A server on the restored data serves: the concert, its seats, the same admin.
  ServerProcess again(restored);
  HttpClient http(again.port());
  CHECK(http.Get("/readyz").status == 200);
  CHECK(http.Get("/api/concerts/" + std::to_string(concert) + "/seats").status == 200);
  CHECK(http.Get("/api/admin/concerts/" + std::to_string(concert) + "/report", f.admin).status ==
        200);
  const std::string metrics = http.Get("/metrics").body;
  CHECK(MetricSample(metrics, "cm_durable_seq") >= static_cast<double>(seq));

  // Refusals: a second restore into the same directory, a copy that was tampered with, a file
  // the backup does not list, and anyone but an admin.
  CHECK(RunShell(ServerBinary() + " restore --from " + copy + " --data " + restored +
                 " --without-keys 2>&1")
            .exit_code == 1);
  {
    std::ofstream(copy + "/snapshots/" + SnapshotName(copy), std::ios::app) << "x";
  }
  const ShellResult tampered = RunShell(ServerBinary() + " restore --from " + copy + " --data " +
                                        f.dir.path() + "/restored-2 --without-keys 2>&1");
  CHECK(tampered.exit_code == 2);
  CHECK(tampered.output.find("does not match its checksum") != std::string::npos);
  const std::string files = "/api/admin/backups/" + std::to_string(seq) + "/file?path=";
  CHECK(f.http.Get(files + "MANIFEST", f.admin).status == 200);
  CHECK(f.http.Get(files + "jwt-secret", f.admin).status == 404);
  {
    // A backup from an older server lists the keys and holds them: still never served.
    const std::string old_dir = f.data_dir() + "/backups/" + std::to_string(seq);
    std::filesystem::copy_file(f.data_dir() + "/ticket-signing-key",
                               old_dir + "/ticket-signing-key");
    std::ofstream(old_dir + "/MANIFEST", std::ios::app)
        << "file 00000000 " << std::filesystem::file_size(old_dir + "/ticket-signing-key")
        << " ticket-signing-key\n";
  }
  const auto key = f.http.Get(files + "ticket-signing-key", f.admin);
  CHECK(key.status == 404);
  CHECK(key.body.find("keys are never served") != std::string::npos);
  CHECK(f.http.Get(files + "../../jwt-secret", f.admin).status == 404);
  CHECK(f.http.Get(files + "journal%2F..%2F..%2Fjwt-secret", f.admin).status == 404);
  CHECK(f.http.Post("/api/admin/backups", "", users[0]).status == 403);
  CHECK(f.http.Get("/api/admin/backups/999999", f.admin).status == 404);
}

TEST_CASE("journal retention archives what snapshots cover; replays and backups still see it all") {
  ApiFixture f({"--snapshot-every", "1000", "--journal-retention", "archive", "--hold-rate", "0"});
  const uint64_t concert = f.CreateConcert();
  const std::string holds = "/api/v1/concerts/" + std::to_string(concert) + "/reservations";
  const auto users = MakeUsers(f, 8, "keep");
  // About 3,000 events: holds and their releases.
  std::vector<std::thread> load;
  for (int t = 0; t < 2; ++t)
    load.emplace_back([&, t] {
      HttpClient c(f.port());
      for (int i = 0; i < 800; ++i) {
        const std::string& token = users[t * 4 + i % 4];
        auto held = c.Post(holds, R"({"count":1})", token);
        if (held.status == 201)
          c.Delete("/api/reservations/" + std::to_string(Int(held.Json(), "id")), token);
      }
    });
  for (auto& t : load) t.join();

  std::string metrics;
  for (int i = 0; i < 200 && MetricSample(metrics, "cm_journal_archive_bytes") <= 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    metrics = f.http.Get("/metrics").body;
  }
  REQUIRE(MetricSample(metrics, "cm_journal_archive_bytes") > 0);
  const auto segments = std::filesystem::directory_iterator(f.data_dir() + "/journal-archive");
  CHECK(std::distance(std::filesystem::begin(segments), std::filesystem::end(segments)) >= 1);

  // A backup carries the archive too.
  auto backup = f.http.Post("/api/admin/backups", "", f.admin);
  REQUIRE(backup.status == 201);
  CHECK(backup.body.find("\"journal-archive/segment-") != std::string::npos);

  // Stopped: the whole history replays from the archive and the live journal together.
  const double durable = MetricSample(f.http.Get("/metrics").body, "cm_durable_seq");
  REQUIRE(f.server->Terminate() == 0);
  const ShellResult full = RunShell(ReplayBinary() + " --data " + f.data_dir() + " --full 2>&1");
  INFO("replay --full: " << full.output);
  CHECK(full.exit_code == 0);
  // At least what was durable before the stop: stopping records the digest of the last
  // snapshot marked (runtime/pipeline.h), so a StateHashed may follow.
  const auto last_at = full.output.find("last seq:   ");
  REQUIRE(last_at != std::string::npos);
  const uint64_t last = std::stoull(full.output.substr(last_at + 12));
  CHECK(last >= static_cast<uint64_t>(durable));
  CHECK(last <= static_cast<uint64_t>(durable) + 3);
  CHECK(RunShell(ReplayBinary() + " --data " + f.data_dir() + " --check-snapshot > /dev/null 2>&1")
            .exit_code == 0);
  f.server = std::make_unique<ServerProcess>(f.data_dir(), f.flags);
  HttpClient again(f.server->port());
  CHECK(again.Get("/api/concerts/" + std::to_string(concert) + "/seats").status == 200);
}

TEST_CASE("the live sale on the WebSocket is an admin's: numbers at once, then every second") {
  ApiFixture f;
  const uint64_t concert = f.CreateConcert();
  const auto users = MakeUsers(f, 1, "watcher");
  const std::string sale = R"({"type":"sale","concertId":)" + std::to_string(concert) + "}";

  WsClient anonymous(f.port());
  anonymous.Send(sale);
  CHECK(Str(anonymous.NextOf("error"), "code") == "NOT_AUTHENTICATED");
  WsClient user(f.port());
  user.Send(R"({"type":"notifications","token":")" + users[0] + "\"}");
  user.Send(sale);
  CHECK(Str(user.NextOf("error"), "code") == "FORBIDDEN");

  WsClient admin(f.port());
  admin.Send(R"({"type":"notifications","token":")" + f.admin + "\"}");
  admin.Send(sale);
  const json::value first = admin.NextOf("sale");
  CHECK(Int(first, "concertId") == static_cast<int64_t>(concert));
  CHECK(Int(first.at("holds"), "live") == 0);
  CHECK(first.at("queue").is_null());
  CHECK(!first.at("series").as_array().empty());
  REQUIRE(f.http.Post("/api/v1/concerts/" + std::to_string(concert) + "/reservations",
                      R"({"count":2})", users[0])
              .status == 201);
  // Within a few rounds the held seats and the hold show, one new sample per message.
  json::value later;
  for (int i = 0; i < 5; ++i) {
    later = admin.NextOf("sale");
    if (Int(later.at("holds"), "live") == 1) break;
  }
  CHECK(Int(later.at("holds"), "live") == 1);
  CHECK(later.at("series").as_array().size() == 1);
  int64_t held = 0;
  for (const json::value& g : later.at("grades").as_array()) held += Int(g, "held");
  CHECK(held == 2);
  admin.Send(R"({"type":"sale","concertId":999999})");
  CHECK(Str(admin.NextOf("error"), "code") == "UNKNOWN_CONCERT");
}

TEST_CASE("the data directory is its owner's alone, whatever the umask or an older version left") {
  namespace fs = std::filesystem;
  TempDir dir;
  const std::string data = dir.path() + "/data";
  // What an older version under umask 022 left: a readable directory and file.
  fs::create_directories(data);
  fs::permissions(data, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
  std::ofstream(data + "/left-over") << "x";
  fs::permissions(data + "/left-over", fs::perms::owner_read | fs::perms::owner_write |
                                           fs::perms::group_read | fs::perms::others_read);
  {
    ServerProcess server(data);
    HttpClient http(server.port());
    int signed_up = 0;
    for (int i = 0; i < 8; ++i)
      signed_up += http.Post("/api/users/signup",
                             R"({"email":"p)" + std::to_string(i) +
                                 R"(@x.io","password":"password-123","name":"P"})")
                       .status == 201;
    REQUIRE(signed_up >= 1);
    REQUIRE(server.Terminate() == 0);
  }
  int files = 0;
  CHECK((fs::status(data).permissions() & (fs::perms::group_all | fs::perms::others_all)) ==
        fs::perms::none);
  for (const auto& entry : fs::recursive_directory_iterator(data)) {
    if (entry.is_symlink()) continue;
    INFO(entry.path().string());
    CHECK((entry.status().permissions() & (fs::perms::group_all | fs::perms::others_all)) ==
          fs::perms::none);
    ++files;
  }
  CHECK(files > 5);  // RocksDB's files, the ticket key, the left-over
}
