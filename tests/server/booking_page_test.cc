// The pages: served at / with their scripts and style, and driven in real headless Chromium
// (tests/web/*_browser.js): two users at once, tickets and the door, the admin console, and a
// new fan on a phone in Korean (tests/web/fan_phone_browser.js) with axe-core over it all.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/server/api_fixture.h"
#include "tests/support/fakepg_process.h"

using namespace cm::test;

TEST_CASE("the page, its script and its style are served with a strict content security policy") {
  ApiFixture f;
  auto page = f.http.Get("/");
  REQUIRE(page.status == 200);
  CHECK(page.Header("content-type") == "text/html; charset=utf-8");
  CHECK(page.Header("content-security-policy").find("default-src 'self'") != std::string::npos);
  CHECK(page.body.find("<script src=\"/app/app.js\">") != std::string::npos);
  auto script = f.http.Get("/app/app.js");
  REQUIRE(script.status == 200);
  CHECK(script.Header("content-type") == "text/javascript; charset=utf-8");
  CHECK(script.body.find("\"subscribe\"") != std::string::npos);
  CHECK(f.http.Get("/app/style.css").status == 200);
  CHECK(f.http.Get("/app/secrets.txt").status == 404);
  CHECK(f.http.Get("/app/..%2Fjwt-secret").status == 404);
  CHECK(f.http.Post("/", "{}").status == 405);
  auto console = f.http.Get("/admin");
  REQUIRE(console.status == 200);
  CHECK(console.Header("content-security-policy").find("default-src 'self'") != std::string::npos);
  CHECK(console.body.find("<script src=\"/app/admin.js\">") != std::string::npos);
  CHECK(f.http.Get("/app/admin.js").status == 200);
  CHECK(f.http.Get("/app/admin.html").status == 404);
}

TEST_CASE("two browsers: A holds a seat, B sees it held within 1 s, A cancels, B sees it free; A pays, B sees it sold") {
  TempDir pg_dir;
  FakePgProcess pg(pg_dir.path() + "/pg.port");
  ApiFixture f({"--payment-provider-url", pg.url()});
  ConcertOptions o;
  o.sections = 2;
  o.rows = 6;
  o.seats_per_row = 20;
  const uint64_t concert = f.CreateConcert(o);
  SignupAndLogin(f.port(), "browser-a@x.io");
  SignupAndLogin(f.port(), "browser-b@x.io");
  const std::string screenshot = CM_BINARY_DIR "/booking_page_seat_map.png";
  std::remove(screenshot.c_str());
  const std::string cmd = "NODE_PATH=" CM_SOURCE_DIR "/web/node_modules node " CM_SOURCE_DIR
                          "/tests/web/live_seat_map_browser.js " + std::to_string(f.port()) + " " +
                          std::to_string(concert) + " 27 browser-a@x.io browser-b@x.io password-123 " +
                          screenshot;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  std::array<char, 4096> buf;
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = pclose(p);
  MESSAGE("browser run: " << out);
  REQUIRE(WIFEXITED(status));
  const json::value result = json::parse(out);
  CHECK(result.at("ok").as_bool());
  CHECK(Int(result, "heldSeenByBMs") <= 1000);
  CHECK(Int(result, "releasedSeenByBMs") <= 1000);
  CHECK(Int(result, "soldSeenByAMs") <= 5000);
  CHECK(WEXITSTATUS(status) == 0);
  FILE* shot = std::fopen(screenshot.c_str(), "rb");
  CHECK(shot != nullptr);
  if (shot) std::fclose(shot);
}

namespace {

// Runs a command and returns what it printed (and its exit status in *status).
std::string Run(const std::string& cmd, int* status) {
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  std::array<char, 4096> buf;
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  *status = pclose(p);
  return out;
}

}  // namespace

TEST_CASE("after paying, My tickets shows a QR code that a real decoder reads, and the door "
          "page admits that code once") {
  TempDir pg_dir;
  FakePgProcess pg(pg_dir.path() + "/pg.port");
  ApiFixture f({"--payment-provider-url", pg.url()});
  ConcertOptions o;
  o.extra = json::object{{"doorsOpenAt", NowMs() - 60'000}};
  const uint64_t concert = f.CreateConcert(o);
  SignupAndLogin(f.port(), "buyer@x.io");
  REQUIRE(f.http.Post("/api/admin/users",
                      R"({"email":"door@x.io","password":"door-password","name":"Door"})", f.admin)
              .status == 201);
  const std::string node = "NODE_PATH=" CM_SOURCE_DIR "/web/node_modules node " CM_SOURCE_DIR
                           "/tests/web/tickets_browser.js ";
  const std::string qr = CM_BINARY_DIR "/booking_page_ticket_qr.png";
  std::remove(qr.c_str());
  int status = 0;
  const std::string bought = Run(node + "buy " + std::to_string(f.port()) + " " +
                                     std::to_string(concert) + " 5 buyer@x.io password-123 " + qr,
                                 &status);
  MESSAGE("browser (buy): " << bought);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  // A real decoder reads the screenshot.
  std::string code = Run("zbarimg --raw -q " + qr, &status);
  REQUIRE(WEXITSTATUS(status) == 0);
  while (!code.empty() && (code.back() == '\n' || code.back() == '\r')) code.pop_back();
  CHECK(code.rfind("CM1", 0) == 0);
  const std::string scanned =
      Run(node + "scan " + std::to_string(f.port()) + " " + std::to_string(concert) +
              " door@x.io door-password '" + code + "' " CM_BINARY_DIR "/checkin_page.png",
          &status);
  MESSAGE("browser (scan): " << scanned);
  REQUIRE(WEXITSTATUS(status) == 0);
  const json::value result = json::parse(scanned);
  CHECK(Str(result, "first") == "ADMITTED");
  CHECK(Str(result, "second") == "ALREADY_USED");
  CHECK(Str(result, "detail").find("Main gate") != std::string::npos);
  // The camera: Chromium's fake camera films the ticket's QR code; @zxing/browser on the door
  // page reads it, and the server judges it (used already, at the main gate: so it read the code).
  const std::string filmed =
      Run(node + "camera " + std::to_string(f.port()) + " " + std::to_string(concert) +
              " door@x.io door-password buyer@x.io password-123 " CM_BINARY_DIR "/door_camera.y4m",
          &status);
  MESSAGE("browser (camera): " << filmed);
  REQUIRE(WEXITSTATUS(status) == 0);
  const json::value by_camera = json::parse(filmed);
  CHECK(Str(by_camera, "result") == "ALREADY_USED");
  CHECK(Str(by_camera, "detail").find("Main gate") != std::string::npos);
  CHECK(Str(by_camera, "pressed") == "true");
  CHECK(by_camera.at("videoHiddenAfter").as_bool());
}

TEST_CASE("the admin console: a venue with its preview, a concert on sale watched live, a hold "
          "through the API moves its numbers, and a confirmation from the console sells it") {
  ApiFixture f;
  const auto users = MakeUsers(f, 1, "console");
  const std::string screenshot = CM_BINARY_DIR "/admin_console.png";
  std::remove(screenshot.c_str());
  int status = 0;
  const std::string out =
      Run("NODE_PATH=" CM_SOURCE_DIR "/web/node_modules node " CM_SOURCE_DIR
          "/tests/web/admin_console_browser.js " + std::to_string(f.port()) + " " +
              ServerProcess::kAdminEmail + " " + ServerProcess::kAdminPassword + " " + users[0] +
              " " + screenshot,
          &status);
  MESSAGE("browser (admin console): " << out);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  const json::value result = json::parse(out);
  CHECK(Int(result, "previewSeats") == 40);
  CHECK(Int(result, "sectionsDrawn") == 1);
  const json::value& tiles = result.at("serverTiles");
  CHECK(Str(tiles, "holdP99").find("ms") != std::string::npos);  // from the hold route's histogram
  CHECK(Str(tiles, "ring").find(" / ") != std::string::npos);
  CHECK(Str(tiles, "replication") == "no replica");
  CHECK(Str(tiles, "soldPct") == "0.0 %");
  CHECK(Str(tiles, "alerts").find("No Prometheus") != std::string::npos);  // none configured here   // the booking page's plan, drawn by its renderer
  CHECK(Int(result, "venuesListed") == 1);    // the venues on record, from GET /api/admin/venues
  const json::array& kinds = result.at("historyKinds").as_array();
  REQUIRE(kinds.size() == 2);
  CHECK(kinds[0].as_string() == "HOLD");
  CHECK(kinds[1].as_string() == "CONFIRM");
  CHECK(Str(result, "previewText").find("40 seats: VIP 20, R 20") != std::string::npos);
  CHECK(Int(result, "heldSeenMs") <= 3000);
  CHECK(Int(result, "chartLines") == 2);
  // Two wheelchair spaces and two companion seats at the back, outlined in the preview and kept.
  const json::array& marks = result.at("previewMarks").as_array();
  CHECK(marks[0].as_int64() == 2);
  CHECK(marks[1].as_int64() == 2);
  CHECK(std::string(marks[2].as_string()).find("2 wheelchair spaces") != std::string::npos);
  // The form's bot check, return window and accessible seats' rules reach the concert.
  const json::value& guarded = result.at("guarded");
  CHECK(Int(guarded.at("accessibleSeats"), "wheelchairSpaces") == 2);
  CHECK(Int(guarded.at("accessibleSeats"), "companionSeats") == 2);
  CHECK(Int(guarded.at("accessibleSeats"), "companionsPerSpace") == 2);
  CHECK(Str(guarded.at("accessibleSeats"), "releaseAt").rfind("2099-01-01", 0) == 0);
  CHECK(Int(guarded, "returnWindowSeconds") == 60);
  // The presale from the form, and the fan club's list uploaded for it.
  const json::array& phases = guarded.at("salePhases").as_array();
  REQUIRE(phases.size() == 2);
  CHECK(Str(phases[0], "name") == "팬클럽 선예매");
  CHECK(phases[0].at("membersOnly").as_bool());
  CHECK(Int(phases[0], "maxSeatsPerUser") == 2);
  CHECK_FALSE(phases[1].at("membersOnly").as_bool());
  CHECK(Int(guarded, "currentPhase") == 0);
  CHECK(Int(guarded.at("bankTransfer"), "depositDays") == 2);
  CHECK(Str(result, "membersNote").find("3") != std::string::npos);
  CHECK(Int(guarded.at("proofOfWork"), "difficulty") == 3000);
  CHECK(Int(guarded.at("proofOfWork"), "cost") == 1000);
  CHECK(Int(guarded.at("proofOfWork"), "maxDifficulty") == 8000);
  CHECK(Int(guarded.at("proofOfWork"), "risePerSecond") == 50);
  CHECK(std::filesystem::exists(screenshot));
  // What the console did is what the server holds.
  const std::string concert = std::to_string(Int(result, "concertId"));
  auto report = f.http.Get("/api/admin/concerts/" + concert + "/report", f.admin);
  REQUIRE(report.status == 200);
  const json::value r = report.Json();
  CHECK(Str(r, "title") == "Console Night");
  CHECK(Int(r.at("holds"), "placed") == 1);
  CHECK(Int(r.at("holds"), "confirmed") == 1);
}

TEST_CASE("a new fan on a phone (390x844, ko-KR, touch) signs up, opens the hall, taps a "
          "section and two seats, holds, pays with 간편결제 and sees both QR codes; the same "
          "booking works with the keyboard only; axe-core finds nothing serious anywhere") {
  TempDir pg_dir;
  FakePgProcess pg(pg_dir.path() + "/pg.port");
  ApiFixture f({"--payment-provider-url", pg.url()});
  ConcertOptions o;
  o.sections = 3;
  o.rows = 6;
  o.seats_per_row = 12;
  o.rows_per_grade = 3;
  // A week away: a cancellation is refunded until a day before, so the card shows until when.
  o.extra = json::object{{"startsAt", NowMs() + 7 * 86'400'000}};
  const uint64_t concert = f.CreateConcert(o);
  const std::string shots = CM_BINARY_DIR "/fan_phone";
  std::filesystem::remove_all(shots);
  std::filesystem::create_directories(shots);
  int status = 0;
  const std::string out =
      Run("NODE_PATH=" CM_SOURCE_DIR "/web/node_modules node " CM_SOURCE_DIR
          "/tests/web/fan_phone_browser.js " + std::to_string(f.port()) + " " +
              std::to_string(concert) + " fan@x.io password-123 " + shots,
          &status);
  MESSAGE("browser (fan on a phone): " << out);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  const json::value r = json::parse(out);
  // Korean first: the page, its prices and its seats' names.
  CHECK(Str(r, "lang") == "ko");
  CHECK(Str(r, "loginText") == "로그인");
  CHECK(Str(r, "priceText").find("원") != std::string::npos);
  CHECK(Str(r, "seatLabel").find("원, 선택됨") != std::string::npos);
  CHECK(Str(r, "selectionText").find("2매") != std::string::npos);
  // Made for a phone: targets of 24x24 px or more, the bar at the bottom in view.
  CHECK(Int(r, "sections") == 3);
  CHECK(Int(r, "hallSections") == 3);  // the overview draws each section in place
  for (const json::value& box : r.at("seatBoxes").as_array()) {
    CHECK(box.at("width").to_number<double>() >= 24);
    CHECK(box.at("height").to_number<double>() >= 24);
  }
  CHECK(Str(r, "barFixed") == "fixed");
  CHECK(r.at("holdButtonInView").as_bool());
  CHECK(Str(r, "countdown").find(":") != std::string::npos);
  CHECK(!Str(r, "payNote").empty());
  // 간편결제 offers its wallets, and the one tapped is what the payment asks for.
  CHECK(Int(r, "wallets") == 3);
  CHECK(Str(r.at("paymentRequest"), "method") == "EASY_PAY");
  CHECK(Str(r.at("paymentRequest"), "wallet") == "NAVERPAY");
  CHECK(Int(r, "selected") == 2);
  CHECK(Int(r, "tickets") == 2);
  CHECK(Int(r, "qrCodes") == 2);
  // A card names its booking number (for support), the price and until when it can be cancelled.
  CHECK(Str(r, "ticketMeta").find("예매번호") != std::string::npos);
  CHECK(Str(r, "ticketMeta").find("원") != std::string::npos);
  CHECK(Str(r, "ticketMeta").find("까지 취소 가능") != std::string::npos);
  CHECK(r.at("steps").as_array().size() == 8);
  for (const char* shot : {"phone-1-signed-up.png", "phone-2-hall.png", "phone-3-section.png",
                           "phone-4-two-seats.png", "phone-5-held.png", "phone-6-easy-pay.png",
                           "phone-7-paid.png", "phone-8-tickets.png", "keyboard-held.png"})
    CHECK_MESSAGE(std::filesystem::exists(shots + "/" + shot), shot);
  // The keyboard: the grid is one tab stop, Hold is at most 3 Tabs after it.
  CHECK(Int(r, "keyboardPicked") == 2);
  CHECK(Int(r, "keyboardHeldSeats") == 1);
  CHECK(Int(r, "tabsGridToHold") >= 1);
  CHECK(Int(r, "tabsGridToHold") <= 3);
  CHECK(Int(r, "tabsToGrid") >= 1);
  // The door page: its log-in form alone before log-in; a fan's account gets a sentence, not a
  // code, and no scanner.
  const json::value& before = r.at("doorBefore");
  CHECK(before.at("login").as_bool());
  CHECK_FALSE(before.at("setup").as_bool());
  CHECK_FALSE(before.at("scan").as_bool());
  const json::value& fan = r.at("doorFan");
  CHECK(Str(fan, "result") == "STAFF_ONLY");
  CHECK(Str(fan, "notice").find("직원 계정") != std::string::npos);
  CHECK(Str(fan, "notice").find("STAFF_ONLY") == std::string::npos);
  CHECK_FALSE(fan.at("scan").as_bool());
  // axe-core: no serious or critical finding in any state reached, on any page.
  const json::array& audits = r.at("axe").as_array();
  CHECK(audits.size() >= 10);
  for (const json::value& a : audits) {
    CAPTURE(Str(a, "state"));
    CHECK_MESSAGE(a.at("violations").as_array().empty(), json::serialize(a));
  }
  CHECK(!r.as_object().contains("pageErrors"));
}

TEST_CASE("a 50,000-seat hall on a phone throttled 4x: the page opens, a section draws, a live "
          "delta applies (figures printed, not bounded: the machine is shared)") {
  ApiFixture f;
  ConcertOptions o;
  o.sections = 20;
  o.rows = 50;
  o.seats_per_row = 50;
  o.rows_per_grade = 13;
  const uint64_t concert = f.CreateConcert(o);
  int status = 0;
  const std::string out =
      Run("NODE_PATH=" CM_SOURCE_DIR "/web/node_modules node " CM_SOURCE_DIR
          "/tests/web/big_hall_timing_browser.js " + std::to_string(f.port()) + " " +
              std::to_string(concert) + " 7",
          &status);
  MESSAGE("big hall (50,000 seats, CPU 4x slower): " << out);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  const json::value r = json::parse(out);
  CHECK(Int(r, "seats") == 50'000);
  // Buttons for the seats in and around the view of one section (2,500 seats), not the hall's.
  CHECK(Int(r, "drawn") > 0);
  CHECK(Int(r, "drawn") < 2'500);
  for (const char* figure : {"overviewMs", "sectionMs", "deltaMs"})
    CHECK(r.at(figure).to_number<double>() > 0);
}

TEST_CASE("a concert that asks a proof of work: ALTCHA's widget solves it on a phone under the "
          "page's CSP, before each hold and before the queue's join, in Korean and English") {
  ApiFixture f;
  ConcertOptions o;
  o.extra = json::object{{"proofOfWork", json::object{{"difficulty", 60}, {"cost", 200}}}};
  const uint64_t holds = f.CreateConcert(o);
  o.waiting_room = json::object{{"maxActive", 10}, {"admitPerSecond", 10}};
  const uint64_t queue = f.CreateConcert(o);
  const std::string shots = CM_BINARY_DIR "/pow_phone";
  std::filesystem::remove_all(shots);
  std::filesystem::create_directories(shots);
  int status = 0;
  const std::string out =
      Run("NODE_PATH=" CM_SOURCE_DIR "/web/node_modules node " CM_SOURCE_DIR
          "/tests/web/pow_browser.js test " + std::to_string(f.port()) + " " +
              std::to_string(holds) + " " + std::to_string(queue) + " fan@x.io password-123 " +
              shots,
          &status);
  MESSAGE("browser (proof of work): " << out);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  const json::value r = json::parse(out);
  // Where each concert asks it: above the hall, or in the waiting room before its button.
  CHECK(Str(r, "holdBoxIn") == "shop-panel>legend");
  CHECK(Str(r, "queueBoxIn") == "queue-panel>queue-join");
  CHECK(Str(r, "powTitle") == "자동 입력 방지");
  CHECK(Str(r, "widgetText").find("확인됨") != std::string::npos);  // ALTCHA's own Korean
  CHECK(Str(r, "powTitleEn") == "Bot check");
  CHECK(Str(r, "widgetTextEn").find("Protected by ALTCHA") != std::string::npos);
  // Two holds in a row: the second took a fresh solution, solved in the background.
  CHECK(Int(r, "holds") == 2);
  CHECK(!Str(r, "queueStatus").empty());
  CHECK(r.at("pageErrors").as_array().empty());
  // Nothing the CSP refused (a refused style or worker shows as a console error).
  for (const json::value& e : r.at("consoleErrors").as_array())
    CHECK(std::string(e.as_string()).find("Content Security Policy") == std::string::npos);
  for (const json::value& a : r.at("axe").as_array()) {
    INFO(json::serialize(a));
    CHECK(a.at("violations").as_array().empty());
  }
  // The server counted the three solutions it let through.
  CHECK(f.http.Get("/metrics").body.find("\ncm_pow_passed_total 3\n") != std::string::npos);
}

TEST_CASE("wheelchair spaces and companion seats on a phone: marked, named, and held together "
          "by best-available's accessible option") {
  ApiFixture f;
  ConcertOptions o;
  o.sections = 1;
  o.rows = 3;
  o.seats_per_row = 8;
  o.rows_per_grade = 3;
  o.extra = json::object{{"accessibleSeats", json::object{{"companionsPerSpace", 1},
                                                          {"releaseAt", NowMs() + 3'600'000}}}};
  o.accessibility = json::array{
      json::object{{"section", "S1"}, {"row", "3"}, {"seats", json::array{1}},
                   {"attributes", json::array{"WHEELCHAIR"}}},
      json::object{{"section", "S1"}, {"row", "3"}, {"seats", json::array{2}},
                   {"attributes", json::array{"COMPANION"}}}};
  const uint64_t concert = f.CreateConcert(o);
  const std::string shot = CM_BINARY_DIR "/accessible_phone.png";
  int status = 0;
  const std::string out =
      Run("NODE_PATH=" CM_SOURCE_DIR "/web/node_modules node " CM_SOURCE_DIR
          "/tests/web/accessible_browser.js " + std::to_string(f.port()) + " " +
              std::to_string(concert) + " fan@x.io password-123 " + shot,
          &status);
  MESSAGE("browser (accessible seats): " << out);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  const json::value r = json::parse(out);
  CHECK(r.at("ruleShown").as_bool());
  CHECK(Str(r, "rule").find("휠체어석") != std::string::npos);
  CHECK(Str(r, "legend").find("휠체어석") != std::string::npos);
  CHECK(Str(r, "legend").find("동반석") != std::string::npos);
  CHECK(Str(r, "wheelchairLabel").rfind("휠체어석, ", 0) == 0);  // said first
  // The marks are drawn, with an empty text for screen readers (the label says it).
  CHECK(Str(r, "wheelchairMark").rfind("\"♿\"", 0) == 0);
  CHECK(Str(r, "companionMark").rfind("\"+\"", 0) == 0);
  CHECK(r.at("optionShown").as_bool());
  CHECK(Int(r, "heldMarks") == 2);  // the space and its companion, both the fan's now
  CHECK(r.at("pageErrors").as_array().empty());
  for (const json::value& v : r.at("axe").as_array()) {
    INFO(json::serialize(v));
    CHECK(false);
  }
}

TEST_CASE("a members-only presale on a phone: the banner, a refusal in Korean, the member code "
          "typed and held, and the general sale's turn shown by itself") {
  ApiFixture f;
  const int64_t now = NowMs();
  const int64_t general_opens = now + 15'000;  // after the browser's steps
  ConcertOptions o;
  o.extra = json::object{
      {"salePhases",
       json::array{json::object{{"name", "팬클럽 선예매"},
                                {"opensAt", now - 60'000},
                                {"closesAt", general_opens},
                                {"maxSeatsPerUser", 2},
                                {"membersOnly", true}},
                   json::object{{"name", "일반예매"},
                                {"opensAt", general_opens},
                                {"closesAt", now + 3'600'000}}}}};
  const uint64_t concert = f.CreateConcert(o);
  auto listed = f.http.Request("PUT", "/api/admin/concerts/" + std::to_string(concert) + "/members",
                               R"({"codes":["FC-0001"]})",
                               {{"Authorization", "Bearer " + f.admin},
                                {"Content-Type", "application/json"}});
  REQUIRE(listed.status == 200);
  const std::string shot = CM_BINARY_DIR "/phases_phone.png";
  int status = 0;
  const std::string out =
      Run("NODE_PATH=" CM_SOURCE_DIR "/web/node_modules node " CM_SOURCE_DIR
          "/tests/web/phases_browser.js " + std::to_string(f.port()) + " " +
              std::to_string(concert) + " fan@x.io password-123 fc0001 " + shot,
          &status);
  MESSAGE("browser (sale phases): " << out);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  const json::value r = json::parse(out);
  CHECK(Str(r, "phaseNow").find("팬클럽 선예매") != std::string::npos);
  CHECK(Str(r, "phaseNow").find("회원 전용") != std::string::npos);
  CHECK(Str(r, "phaseNext").find("일반예매") != std::string::npos);
  CHECK(r.at("formShown").as_bool());
  CHECK(Str(r, "refused").find("회원 전용 예매") != std::string::npos);  // NOT_A_MEMBER
  CHECK(Str(r, "wrongCode").find("명단에 없는 코드") != std::string::npos);
  CHECK(r.at("confirmed").as_bool());
  CHECK(Str(r, "memberAfter").find("확인되었습니다") != std::string::npos);
  CHECK(r.at("held").as_bool());
  CHECK(r.at("turned").as_bool());
  CHECK(r.at("memberHidden").as_bool());
  CHECK(r.at("pageErrors").as_array().empty());
  for (const json::value& v : r.at("axe").as_array()) {
    INFO(json::serialize(v));
    CHECK(false);
  }
}

TEST_CASE("무통장입금 on a phone: the virtual account, the amount, the deadline counting down, "
          "and the booking confirmed when the bank takes the deposit") {
  TempDir pg_dir;
  FakePgProcess pg(pg_dir.path() + "/fakepg.port");
  const std::string secret = "page-test-webhook-secret-0123";
  ApiFixture f({"--payment-provider-url", pg.url(), "--payment-webhook-secret", secret});
  HttpClient pg_http(pg.port());
  REQUIRE(pg_http
              .Request("PUT", "/v1/webhook",
                       "{\"url\":\"http://127.0.0.1:" + std::to_string(f.port()) +
                           "/api/webhooks/deposits\",\"secret\":\"" + secret + "\"}",
                       {{"Content-Type", "application/json"}})
              .status == 200);
  ConcertOptions o;
  // Sales run two more days, so the deposit is due at 23:59 KST tomorrow (not capped).
  o.extra = json::object{{"bankTransfer", json::object{{"cutoffHoursBeforeShow", 0}}},
                         {"salesCloseAt", NowMs() + 2 * 86'400'000},
                         {"startsAt", NowMs() + 3 * 86'400'000}};
  const uint64_t concert = f.CreateConcert(o);
  const std::string shot = CM_BINARY_DIR "/deposit_phone.png";
  int status = 0;
  const std::string out =
      Run("NODE_PATH=" CM_SOURCE_DIR "/web/node_modules node " CM_SOURCE_DIR
          "/tests/web/deposit_browser.js " + std::to_string(f.port()) + " " +
              std::to_string(pg.port()) + " " + std::to_string(concert) + " fan@x.io password-123 " +
              shot,
          &status);
  MESSAGE("browser (bank transfer): " << out);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  const json::value r = json::parse(out);
  CHECK(r.at("bankOffered").as_bool());
  CHECK(Str(r, "note").find("가상계좌") != std::string::npos);
  CHECK(Str(r, "account").find("신한은행") != std::string::npos);
  CHECK(Str(r, "amount").find("원") != std::string::npos);
  CHECK(Str(r, "deadline").find("입금 기한") != std::string::npos);
  CHECK(Str(r, "deadline").find("오후 11:59") != std::string::npos);  // 23:59 KST
  CHECK(Str(r, "countdown1") != Str(r, "countdown2"));  // it counts down
  const std::string countdown = Str(r, "countdown1");
  CHECK(std::count(countdown.begin(), countdown.end(), ':') == 2);  // h:mm:ss
  CHECK(r.at("methodsHidden").as_bool());
  CHECK(Int(r, "deposited") == 200);
  CHECK(r.at("confirmed").as_bool());
  CHECK(Int(r, "holdsAfter") == 0);
  CHECK(r.at("pageErrors").as_array().empty());
  for (const json::value& v : r.at("axe").as_array()) {
    INFO(json::serialize(v));
    CHECK(false);
  }
}

TEST_CASE("the waiting room's draw on a phone: the commitment before joining, the fan's own entry, "
          "and the proof once the room has drawn everyone") {
  ApiFixture f;
  ConcertOptions o;
  o.sales_open_in_ms = 12'000;  // after the browser has joined the pre-queue
  o.waiting_room = json::object{{"maxActive", 50}, {"preQueueSeconds", 600}};
  const uint64_t concert = f.CreateConcert(o);
  const json::value draws =
      f.http.Get("/api/concerts/" + std::to_string(concert)).Json().at("queueDraws");
  const std::string commitment = Str(draws.as_array().at(0), "commitment");
  const std::string shot = CM_BINARY_DIR "/queue_fair_phone.png";
  int status = 0;
  const std::string out =
      Run("NODE_PATH=" CM_SOURCE_DIR "/web/node_modules node " CM_SOURCE_DIR
          "/tests/web/queue_fair_browser.js " + std::to_string(f.port()) + " " +
              std::to_string(concert) + " fair@x.io password-123 " + shot,
          &status);
  MESSAGE("browser (queue draw): " << out);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  const json::value r = json::parse(out);
  CHECK(Str(r, "commitmentText").find(commitment) != std::string::npos);
  CHECK(Str(r, "commitmentText").find("미리 봉인해 둔 추첨") != std::string::npos);
  CHECK(r.at("entryHiddenBefore").as_bool());
  CHECK(r.at("entryShown").as_bool());
  CHECK(r.at("proofShown").as_bool());
  CHECK(Str(r, "proofHref") == "/api/concerts/" + std::to_string(concert) + "/queue/proof?phase=0");
  // The entry the page showed is in the proof.
  const std::string entry_text = Str(r, "entryText");
  const auto& entries = r.at("proofEntries").as_array();
  REQUIRE(entries.size() == 1);
  CHECK(entry_text.find(std::string(entries[0].as_string())) != std::string::npos);
  CHECK(r.at("checked").as_bool());
  CHECK(Str(r, "checkText").find("✓ 봉인값이 시드와 맞고, 1개 항목의 순서가 시드대로입니다.") !=
        std::string::npos);
  CHECK(Str(r, "checkText").find("내 번호표는 1번째로 추첨되었습니다.") != std::string::npos);
  CHECK(r.at("pageErrors").as_array().empty());
  for (const json::value& v : r.at("axe").as_array()) {
    INFO(json::serialize(v));
    CHECK(false);
  }
}

TEST_CASE("the venue designer: two curved sections and a row of wheelchair spaces, drawn, scheduled "
          "and opened; the fan's page places every seat as the designer drew it") {
  ApiFixture f;
  const std::string shot = CM_BINARY_DIR "/venue_designer.png";
  std::remove(shot.c_str());
  int status = 0;
  const std::string out =
      Run("NODE_PATH=" CM_SOURCE_DIR "/web/node_modules node " CM_SOURCE_DIR
          "/tests/web/venue_designer_browser.js " + std::to_string(f.port()) + " " +
              ServerProcess::kAdminEmail + " " + ServerProcess::kAdminPassword +
              " designed-fan@x.io " + shot,
          &status);
  MESSAGE("browser (venue designer): " << out);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  const json::value r = json::parse(out);
  // Dragged: the first section moved from where it was added (0, 700).
  const json::array& dragged = r.at("draggedTo").as_array();
  CHECK((dragged[0].to_number<int64_t>() != 0 || dragged[1].to_number<int64_t>() != 700));
  CHECK(Int(r, "previewSeats") == 64);
  CHECK(Int(r, "previewWheelchair") == 2);
  CHECK(Int(r, "previewSections") == 2);
  CHECK(r.at("axeConsole").as_array().empty());
  CHECK(Int(r, "venueChosen") == Int(r, "venueId"));
  CHECK(Int(r, "hallSections") == 2);
  const json::array& fan = r.at("fan").as_array();
  REQUIRE(fan.size() == 2);
  for (const json::value& section : fan) {
    CHECK(Int(section, "seats") == 32);
    // The same shape: every seat within 0.5 % of the section's size of where the designer put it
    // (a seat is about 12 % of it; the plan rounds to whole units).
    CHECK(section.at("deviation").to_number<double>() < 0.005);
  }
  CHECK(Int(fan[0], "wheelchair") == 2);
  CHECK(Int(fan[0], "companion") == 2);
  CHECK(std::filesystem::exists(shot));
  // The server holds what the designer drew: the stage's outline, the curved rows.
  auto venue = f.http.Get("/api/admin/venues/" + std::to_string(Int(r, "venueId")), f.admin);
  REQUIRE(venue.status == 200);
  const json::value spec = venue.Json().at("spec");
  CHECK(spec.at("stage").as_array().size() == 4);
  CHECK(spec.at("sections").as_array().size() == 2);
}

TEST_CASE("support on the console: a customer found by email is refunded from their page (the "
          "money comes back through fakepg, the door refuses the ticket); a staff account made "
          "there logs in at the door, is disabled, and is refused") {
  TempDir pg_dir;
  FakePgProcess pg(pg_dir.path() + "/fakepg.port");
  ApiFixture f({"--payment-provider-url", pg.url(), "--payment-retry-base-ms", "100"});
  ConcertOptions o;
  o.extra = json::object{{"doorsOpenAt", NowMs() - 60'000}};
  const uint64_t concert = f.CreateConcert(o);
  const std::string fan = SignupAndLogin(f.port(), "support-buyer@x.io");
  auto held = f.http.Post("/api/v1/concerts/" + std::to_string(concert) + "/reservations",
                          R"({"count":1})", fan);
  REQUIRE(held.status == 201);
  const int64_t reservation = Int(held.Json(), "id");
  auto paid = f.http.Post("/api/payments",
                          "{\"reservationId\":" + std::to_string(reservation) + ",\"method\":\"CARD\"}",
                          fan, {{"Idempotency-Key", "support-pay"}});
  REQUIRE(paid.status == 202);
  const int64_t payment = Int(paid.Json(), "id");
  std::string code;
  for (int i = 0; i < 200 && code.empty(); ++i) {
    auto tickets = f.http.Get("/api/users/me/tickets", fan).Json().at("tickets").as_array();
    if (!tickets.empty()) code = Str(tickets[0], "code");
    else std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  REQUIRE_FALSE(code.empty());

  int status = 0;
  const std::string out =
      Run("NODE_PATH=" CM_SOURCE_DIR "/web/node_modules node " CM_SOURCE_DIR
          "/tests/web/console_support_browser.js " + std::to_string(f.port()) + " " +
              ServerProcess::kAdminEmail + " " + ServerProcess::kAdminPassword +
              " support-buyer@x.io " + std::to_string(reservation),
          &status);
  MESSAGE("browser (console support): " << out);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  const json::value r = json::parse(out);
  CHECK(Str(r, "reasonAsked").find("reason") != std::string::npos);  // refused without one
  CHECK(r.at("axeCustomerPage").as_array().empty());
  CHECK(Str(r, "doorBefore") == "in");
  CHECK(Str(r, "disabledStatus").find("disabled") != std::string::npos);
  CHECK(Str(r, "doorAfter").find("disabled") != std::string::npos);  // ACCOUNT_DISABLED, said
  // The refund reached the provider: the payment ends REFUNDED once fakepg returned the money.
  std::string payment_status;
  for (int i = 0; i < 200 && payment_status != "REFUNDED"; ++i) {
    payment_status = Str(f.http.Get("/api/payments/" + std::to_string(payment), fan).Json(), "status");
    if (payment_status != "REFUNDED") std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  CHECK(payment_status == "REFUNDED");
  CHECK(pg.Ledger().at("refunds").to_number<int64_t>() == 1);
  // The door refuses the refunded reservation's ticket.
  auto scan = f.http.Post("/api/checkin",
                          json::serialize(json::object{{"code", code}, {"gate", "A"},
                                                       {"concertId", concert}}),
                          f.admin);
  REQUIRE(scan.status == 200);
  CHECK(Str(scan.Json(), "result") == "REVOKED");
  // The staff account's own login is refused too, with the reason.
  HttpClient c(f.port());
  auto login = c.Post("/api/users/login", R"({"email":"gate-keeper@x.io","password":"gate-password-1"})");
  CHECK(login.status == 403);
  CHECK(Str(login.Json(), "code") == "ACCOUNT_DISABLED");
}
