// The venue designer end to end, in real headless Chromium, for tests/server/booking_page_test.cc:
//
//   node venue_designer_browser.js <port> <adminEmail> <adminPassword> <fanEmail> <screenshot.png>
//
// An operator logs in and draws a small venue: a stage, two curved sections (one dragged, one
// turned), one row with wheelchair spaces and their companion seats; the preview is the server's
// build drawn by the booking page's renderer. They create it, schedule a concert there and open
// it. Then a fan's phone opens the concert, and each section's seats, as the page places them,
// must have the shapes the designer drew (compared through the DOM, up to the page's scale).
// axe-core runs over the console. Prints one JSON line; exits 0 when every step ran.
"use strict";
const { chromium } = require("playwright-core");
const { axeSerious, signUpAndOpen, until } = require("./phone_page");

const [port, adminEmail, adminPassword, fanEmail, screenshot] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;

// Positions relative to the first, in units of the farthest seat's distance from it: the shape,
// whatever the scale and the place (the plan's coordinates are whole numbers, so a short unit
// would magnify their rounding).
function shape(points) {
  const [x0, y0] = points[0];
  const unit = Math.max(...points.map(([x, y]) => Math.hypot(x - x0, y - y0))) || 1;
  return points.map(([x, y]) => [(x - x0) / unit, (y - y0) / unit]);
}

function deviation(a, b) {
  if (a.length !== b.length) return Infinity;
  const sa = shape(a), sb = shape(b);
  return Math.max(...sa.map(([x, y], i) => Math.hypot(x - sb[i][0], y - sb[i][1])));
}

async function drawVenue(page, out) {
  await page.goto(base + "/admin");
  await page.fill("#admin-email", adminEmail);
  await page.fill("#admin-password", adminPassword);
  await page.click("#admin-login button");
  await page.waitForSelector("#admin-work:not([hidden])", { timeout: 5000 });

  await page.fill("#designer-name", "Designed Hall");
  await page.click("#designer-add-curved");
  await page.click("#designer-add-curved");
  // The second section (selected as it was added) turned by typing; the first dragged.
  await page.fill("#ds-rot", "10");
  await page.press("#ds-rot", "Tab");
  const seat = page.locator('#designer-canvas g[data-part="0"] circle').first();
  const box = await seat.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 40, box.y + box.height / 2 + 20, { steps: 6 });
  await page.mouse.up();
  out.draggedTo = [Number(await page.inputValue("#ds-x")), Number(await page.inputValue("#ds-y"))];
  // Row D: two wheelchair spaces, then their two companion seats.
  await page.fill("#ds-brush-rows", "D");
  await page.fill("#ds-brush-seats", "1-2");
  await page.selectOption("#designer-mark", "WHEELCHAIR");
  await page.click("#ds-apply-mark");
  await page.fill("#ds-brush-seats", "3-4");
  await page.selectOption("#designer-mark", "COMPANION");
  await page.click("#ds-apply-mark");
  for (let i = 0; i < 50 && await page.locator("#designer-preview-svg circle.plan-seat").count() !== 64; ++i)
    await page.waitForTimeout(100);
  out.previewSeats = await page.locator("#designer-preview-svg circle.plan-seat").count();
  out.previewWheelchair = await page.locator("#designer-preview-svg circle.seat-WHEELCHAIR").count();
  out.previewSections = await page.locator("#designer-preview-svg .hall-section").count();
  // The designer's seats where it drew them, by section, in row and seat order.
  out.drawn = await page.$$eval("#designer-canvas g[data-part]:not([data-part=stage])", (groups) =>
    groups.map((g) => [...g.querySelectorAll("circle.designer-seat")].map((c) => [Number(c.getAttribute("cx")), Number(c.getAttribute("cy"))])));
  out.axeConsole = await axeSerious(page);
  await page.screenshot({ path: screenshot, fullPage: false, clip: { x: 0, y: 0, width: 1280, height: 900 } });

  await page.click("#designer-form button[type=submit]");
  await page.waitForSelector('#message:has-text("venue #")', { timeout: 5000 });
  out.venueId = Number(/venue #(\d+)/.exec(await page.textContent("#message"))[1]);
  out.venueChosen = Number(await page.inputValue("#concert-venue"));
  await page.fill("#concert-title", "Designed Night");
  await page.click("#concert-form button[type=submit]");
  await page.waitForSelector('#message:has-text("concert #")', { timeout: 5000 });
  out.concertId = Number(/concert #(\d+)/.exec(await page.textContent("#message"))[1]);
  await page.click("#open-sales");
  await page.waitForSelector('#message:has-text("ON_SALE")', { timeout: 5000 });
}

// The fan's page: section k opened, its seats' places (left, top), by seat id.
async function fanSeats(page, k) {
  if (k > 0) {
    await page.tap(`.section-chip[data-section="${k}"]`);
    // Its seats come after the first section's 32 in id order.
    await until(page, (first) => {
      const seat = document.querySelector("#seat-map .seat");
      return seat !== null && Number(seat.dataset.seat) >= first;
    }, 32 * k, 5000);
  }
  return page.$$eval("#seat-map .seat", (seats) => seats
    .map((s) => [Number(s.dataset.seat), parseFloat(s.style.left), parseFloat(s.style.top), s.dataset.attr || ""])
    .sort((a, b) => a[0] - b[0]));
}

(async () => {
  const out = {};
  let exit = 0;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
                                          args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  try {
    const desk = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "Asia/Seoul" });
    await drawVenue(await desk.newPage(), out);
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2,
                                             isMobile: true, hasTouch: true, locale: "ko-KR", timezoneId: "Asia/Seoul" });
    const page = await phone.newPage();
    await signUpAndOpen(page, base, fanEmail, "password-123", out.concertId);
    out.hallSections = await page.locator("#hall .hall-section").count();
    out.fan = [];
    for (let k = 0; k < 2; ++k) {
      const seats = await fanSeats(page, k);
      out.fan.push({ seats: seats.length, deviation: deviation(seats.map((s) => [s[1], s[2]]), out.drawn[k]),
                     wheelchair: seats.filter((s) => s[3].includes("WHEELCHAIR")).length,
                     companion: seats.filter((s) => s[3].includes("COMPANION")).length });
    }
    delete out.drawn;
  } catch (e) {
    out.error = String(e && e.stack || e);
    exit = 1;
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(out));
  process.exit(exit);
})();
