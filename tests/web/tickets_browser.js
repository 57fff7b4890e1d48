// Tickets in real headless Chromium (Debian's, driven by playwright-core), in two steps that
// the C++ test (tests/server/booking_page_test.cc) joins with a real QR decoder (zbarimg):
//
//   node tickets_browser.js buy  <port> <concertId> <seatId> <email> <password> <screenshot.png>
//     logs in, holds the seat, pays, opens "My tickets" and saves a screenshot of the ticket's
//     QR code;
//   node tickets_browser.js scan <port> <concertId> <staffEmail> <staffPassword> <code> <shot.png>
//     logs in to the door's scanner page (/checkin), picks the concert, types the code and
//     reads the answer.
// Prints one JSON line; exits 0 when every step passed, 1 otherwise.
"use strict";
const { chromium } = require("playwright-core");

const [mode, port, concertId, ...rest] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;

async function buy(page, seatId, email, password, screenshot) {
  const seat = `#seat-map .seat[data-seat="${seatId}"]`;
  await page.goto(base + "/");
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.click("#login-button");
  await page.waitForSelector("#signed-in:not([hidden])", { timeout: 5000 });
  await page.click(`#concert-list li[data-concert="${concertId}"]`);
  await page.waitForSelector(`${seat}[data-status="A"]`, { timeout: 5000 });
  await page.click(seat);
  await page.click("#hold-selected");
  await page.waitForSelector("#holds li[data-reservation] .pay", { timeout: 5000 });
  await page.click("#holds li[data-reservation] .pay");
  // (selectors, not waitForFunction: the page's CSP forbids the eval that needs)
  await page.waitForSelector('#message:has-text("confirmed")', { timeout: 15000 });
  await page.click("#tickets-link");
  const img = await page.waitForSelector("#ticket-list li img.qr", { timeout: 5000 });
  await page.waitForTimeout(300);  // the data: URL image decodes
  await img.screenshot({ path: screenshot });
  return { seatText: await page.textContent("#ticket-list li .ticket-seat") };
}

async function scan(page, staffEmail, staffPassword, code, screenshot) {
  await page.goto(base + `/checkin?concert=${concertId}`);
  await page.fill("#door-email", staffEmail);
  await page.fill("#door-password", staffPassword);
  await page.click("#door-login button");
  await page.waitForSelector("#door-scan:not([hidden])", { timeout: 5000 });
  if (await page.isVisible("#door-login")) throw new Error("the log-in form stays after log-in");
  await page.fill("#door-gate", "Main gate");
  await page.fill("#door-code", code);
  await page.press("#door-code", "Enter");
  await page.waitForSelector("#door-result:not([hidden])", { timeout: 5000 });
  const first = await page.getAttribute("#door-result", "data-result");
  await page.screenshot({ path: screenshot });
  // The same code again: the door says it was used.
  await page.fill("#door-code", code);
  await page.press("#door-code", "Enter");
  await page.waitForSelector('#door-result[data-result="ALREADY_USED"]', { timeout: 5000 });
  return { first, second: await page.getAttribute("#door-result", "data-result"),
           detail: await page.textContent("#door-detail") };
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  let result = { ok: false };
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 2 });
    const page = await context.newPage();
    page.on("pageerror", (e) => { throw new Error(`page error: ${e.message}`); });
    result = mode === "buy" ? await buy(page, ...rest) : await scan(page, ...rest);
    result.ok = true;
  } catch (e) {
    result.error = String(e && e.message || e);
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(result));
  process.exit(result.ok ? 0 : 1);
})();
