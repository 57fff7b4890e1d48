// The admin console in real headless Chromium (Debian's, driven by playwright-core), for
// tests/server/booking_page_test.cc:
//
//   node admin_console_browser.js <port> <adminEmail> <adminPassword> <userToken> <screenshot.png>
//
// logs in as the admin, creates a venue (checking the seat-map preview), a concert, opens its
// sales and watches it live; then a user holds a seat through the API, and the console's
// numbers must change; the admin confirms that reservation from the console, and the seat
// shows as sold. Prints one JSON line; exits 0 when every step passed, 1 otherwise.
"use strict";
const { chromium } = require("playwright-core");

const [port, adminEmail, adminPassword, userToken, screenshot] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;

async function run(page) {
  await page.goto(base + "/admin");
  await page.fill("#admin-email", adminEmail);
  await page.fill("#admin-password", adminPassword);
  await page.click("#admin-login button");
  await page.waitForSelector("#admin-work:not([hidden])", { timeout: 5000 });
  await page.waitForSelector("#admin-login", { state: "hidden", timeout: 5000 });

  // A venue of 4 rows of 10, two rows per grade: the preview redraws as the form changes.
  await page.fill("#venue-name", "Console Hall");
  await page.fill("#venue-grades", "VIP, R");
  await page.fill("#venue-rows", "4");
  await page.fill("#venue-seats", "10");
  await page.fill("#venue-rows-per-grade", "2");
  await page.fill("#venue-wheelchair", "2");
  await page.fill("#venue-companion", "2");
  // The preview is the server's build of the form, drawn by the booking page's renderer
  // (plan.js): asked for once the form settles.
  for (let i = 0; i < 50 && await page.locator("#venue-preview-svg circle.seat-COMPANION").count() !== 2; ++i)
    await page.waitForTimeout(100);  // (no waitForFunction: the page's CSP forbids eval)
  const previewSeats = await page.locator("#venue-preview-svg circle.plan-seat").count();
  const previewText = await page.textContent(".preview-legend");
  const previewMarks = [await page.locator("#venue-preview-svg circle.seat-WHEELCHAIR").count(),
                        await page.locator("#venue-preview-svg circle.seat-COMPANION").count(),
                        await page.textContent(".preview-accessible")];
  const sectionsDrawn = await page.locator("#venue-preview-svg .hall-section").count();
  await page.click("#venue-form button[type=submit]");
  await page.waitForSelector('#message:has-text("venue #")', { timeout: 5000 });
  // Listed with the venues on record, and chosen for the next concert.
  await page.waitForSelector("#venue-list .venue-card svg .hall-section", { timeout: 5000 });
  const venuesListed = await page.locator("#venue-list .venue-card").count();

  // First a concert with a bot check and seats that return within a minute, from the same form.
  await page.fill("#concert-title", "Guarded Night");
  await page.fill("#concert-return-window", "60");
  await page.check("#pow-enabled");
  await page.fill("#pow-difficulty", "3000");
  await page.fill("#pow-rise", "50");
  await page.fill("#concert-companions", "2");
  await page.fill("#concert-accessible-release", "2099-01-01T10:00");
  // With a fan club presale (the form's default times: closes in a day, the general sale a day
  // later), and then the fan club's list uploaded for it.
  await page.check("#bank-enabled");
  await page.fill("#deposit-days", "2");
  await page.check("#presale-enabled");
  await page.fill("#presale-name", "팬클럽 선예매");
  await page.fill("#presale-limit", "2");
  await page.click("#concert-form button[type=submit]");
  await page.waitForSelector('#message:has-text("concert #")', { timeout: 5000 });
  const guardedId = Number(/concert #(\d+)/.exec(await page.textContent("#message"))[1]);
  const guarded = await (await fetch(`${base}/api/concerts/${guardedId}`)).json();
  const created = await page.textContent("#message");
  await page.fill("#members-text", "FC-0001\nFC-0002\n\nfan@x.io\n");
  await page.click("#members-form button[type=submit]");
  let membersNote = created;
  for (let i = 0; i < 50 && membersNote === created; ++i) {
    await page.waitForTimeout(100);
    membersNote = await page.textContent("#message");
  }
  await page.uncheck("#presale-enabled");
  await page.uncheck("#bank-enabled");
  await page.uncheck("#pow-enabled");
  await page.fill("#concert-return-window", "0");
  await page.fill("#concert-title", "Console Night");
  await page.click("#concert-form button[type=submit]");
  let concertId = guardedId;
  for (let i = 0; i < 50 && concertId === guardedId; ++i) {  // the note of the second concert
    const m = /concert #(\d+)/.exec(await page.textContent("#message"));
    if (m) concertId = Number(m[1]);
    if (concertId === guardedId) await page.waitForTimeout(100);
  }
  await page.click("#open-sales");
  await page.waitForSelector('#message:has-text("ON_SALE")', { timeout: 5000 });

  await page.click("#watch");
  await page.waitForSelector('#total-available:text-is("40")', { timeout: 5000 });
  await page.waitForSelector('#total-held:text-is("0")', { timeout: 5000 });

  // A buyer holds a seat through the API; the console sees it within its one-second round.
  const held = await fetch(`${base}/api/v1/concerts/${concertId}/reservations`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${userToken}` },
    body: JSON.stringify({ grade: "VIP", count: 1 }),
  });
  if (held.status !== 201) throw new Error(`hold through the API: ${held.status}`);
  const heldBody = await held.json();
  const reservation = heldBody.id;
  const heldAt = Date.now();
  await page.waitForSelector('#total-held:text-is("1")', { timeout: 5000 });
  const heldSeenMs = Date.now() - heldAt;
  await page.waitForSelector('#stat-live-holds:text-is("1")', { timeout: 5000 });
  await page.waitForSelector('#grade-table tbody tr[data-grade="VIP"]', { timeout: 5000 });
  await page.waitForTimeout(1500);  // a few samples for the chart
  // The server's own figures: the hold just made is in the hold route's latency.
  for (let i = 0; i < 50 && !(await page.textContent("#stat-hold-p99")).includes("ms"); ++i)
    await page.waitForTimeout(100);
  const serverTiles = { holdP99: await page.textContent("#stat-hold-p99"), ring: await page.textContent("#stat-ring"),
                        replication: await page.textContent("#stat-replication"),
                        soldPct: await page.textContent("#stat-sold-pct"),
                        alerts: await page.textContent("#alerts-list") };
  await page.screenshot({ path: screenshot, fullPage: true });

  // Settled from the console: the seat is sold.
  await page.fill("#settle-id", String(reservation));
  await page.click("#settle-confirm");
  await page.waitForSelector('#total-sold:text-is("1")', { timeout: 5000 });
  await page.waitForSelector('#total-held:text-is("0")', { timeout: 5000 });
  const chartLines = await page.locator("#chart polyline").count();

  // Support: the buyer found by the start of their email, their page lists the reservation,
  // and the seat's history shows the hold and the console's confirmation.
  await page.fill("#people-email", "console");
  await page.click("#people-search button[type=submit]");
  await page.click("#people-results button");
  await page.waitForSelector(`#customer-reservations tr[data-reservation="${reservation}"]`, { timeout: 5000 });
  const seat = heldBody.seats[0];
  await page.selectOption("#history-concert", String(concertId));
  await page.fill("#history-section", seat.section);
  await page.fill("#history-row", seat.row);
  await page.fill("#history-number", String(seat.number));
  let historyKinds = [];
  for (let i = 0; i < 30 && historyKinds.length < 2; ++i) {  // the index follows within a poll
    await page.click("#history-form button[type=submit]");
    await page.waitForTimeout(200);
    historyKinds = await page.$$eval("#history-table tbody tr[data-kind]", (rows) => rows.map((r) => r.dataset.kind));
  }
  return { serverTiles, concertId, previewSeats, previewText, previewMarks, sectionsDrawn, venuesListed, heldSeenMs,
           guarded, membersNote, chartLines, historyKinds };
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  let result = { ok: false };
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 },
                                               timezoneId: "Asia/Seoul" });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    result = await run(page);
    result.errors = errors;
    result.ok = errors.length === 0;
  } catch (e) {
    result.error = String(e && e.message || e);
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(result));
  process.exit(result.ok ? 0 : 1);
})();
