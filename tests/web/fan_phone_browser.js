// A new fan on a phone, in real headless Chromium (Debian's, driven by playwright-core): a
// 390x844 touch screen in ko-KR and Asia/Seoul. Then the same booking with the keyboard only,
// and axe-core over every page and state reached.
//
//   node fan_phone_browser.js <port> <concertId> <email> <password> <screenshotDir>
//
// Steps (each checked from the DOM, each with a screenshot in <screenshotDir>): sign up, open
// the hall, tap a section, tap two seats (each at least 24x24 CSS px), hold them, pay with
// 간편결제 (EASY_PAY), see both tickets with their QR codes. Prints one JSON line with what it
// saw; exits 0 when every step ran, 1 otherwise (the C++ test asserts the figures).
"use strict";
const path = require("path");
const { chromium } = require("playwright-core");

const [port, concertId, email, password, shots] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const axePath = require.resolve("axe-core/axe.min.js");
const out = { steps: [], axe: [], seatBoxes: [] };

// Serious and critical axe findings of the page as it is now, under a name for the report.
async function audit(page, state) {
  await page.addScriptTag({ path: axePath });
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  out.axe.push({ state, violations: found });
}

async function step(page, name) {
  await page.screenshot({ path: path.join(shots, `phone-${out.steps.length + 1}-${name}.png`) });
  out.steps.push(name);
}

async function phone(browser) {
  const ctx = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: "ko-KR", timezoneId: "Asia/Seoul", bypassCSP: true,  // (axe is injected)
  });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => out.pageErrors = (out.pageErrors || []).concat(e.message));
  await page.goto(base + "/");
  await page.waitForSelector(`#concert-list li[data-concert="${concertId}"] a`, { timeout: 5000 });
  out.lang = await page.getAttribute("html", "lang");
  out.loginText = await page.textContent("#login-button");
  await audit(page, "phone: concerts, logged out");
  // 1. Sign up.
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.tap("#signup-button");
  await page.waitForSelector("#signed-in:not([hidden])", { timeout: 10000 });
  await step(page, "signed-up");
  // 2. The hall.
  await page.tap(`#concert-list li[data-concert="${concertId}"] a`);
  await page.waitForSelector("#seat-map .seat", { timeout: 5000 });
  out.sections = await page.locator(".section-chip").count();
  out.priceText = await page.textContent("#legend span");
  await step(page, "hall");
  await audit(page, "phone: hall");
  // 3. A section, tapped where it stands in the hall.
  out.hallSections = await page.locator("#hall .hall-section").count();
  await page.tap('#hall .hall-section[data-section="1"]');
  await page.waitForSelector('.section-chip[data-section="1"][aria-pressed="true"]', { timeout: 2000 });
  await step(page, "section");
  // 4. Two seats.
  const free = page.locator('#seat-map .seat[data-status="A"]');
  for (const k of [0, 1]) {
    const seat = free.nth(k * 3);
    const box = await seat.boundingBox();
    out.seatBoxes.push({ width: box.width, height: box.height });
    await seat.tap();
  }
  out.selected = await page.locator('#seat-map .seat[aria-pressed="true"]').count();
  out.seatLabel = await page.getAttribute('#seat-map .seat[aria-pressed="true"]', "aria-label");
  out.selectionText = await page.textContent("#selection");
  out.barFixed = await page.$eval("#action-bar", (e) => getComputedStyle(e).position);
  const bar = await page.locator("#hold-selected").boundingBox();
  out.holdButtonInView = bar.y + bar.height <= 844;
  await step(page, "two-seats");
  await audit(page, "phone: two seats picked");
  // 5. Hold them.
  await page.tap("#hold-selected");
  await page.waitForSelector("#holds li[data-reservation] .pay", { timeout: 5000 });
  out.countdown = await page.textContent("#bar-countdown");
  await step(page, "held");
  await audit(page, "phone: held");
  // 6. Pay with 간편결제.
  await page.tap('#holds li[data-reservation] input[value="EASY_PAY"]');
  out.payNote = await page.textContent("#holds .pay-note");
  // ... through Naver Pay: the wallets show only for 간편결제.
  await page.tap('#holds li[data-reservation] .wallets input[value="NAVERPAY"]');
  out.wallets = await page.locator("#holds .wallets:visible input").count();
  page.on("request", (r) => {
    if (r.method() === "POST" && r.url().endsWith("/api/payments")) out.paymentRequest = r.postDataJSON();
  });
  await step(page, "easy-pay");
  await audit(page, "phone: easy pay wallets");
  await page.tap("#holds li[data-reservation] .pay");
  await page.waitForSelector('#message:has-text("확정되었습니다")', { timeout: 20000 });  // the poll's or the notification's words
  await step(page, "paid");
  // 7. Both tickets with their QR codes, one tap away from the payment's note.
  await page.tap('#message button:has-text("내 티켓 보기")');
  await page.waitForSelector("#ticket-list li:nth-child(2) img.qr", { timeout: 5000 });
  await page.waitForTimeout(300);  // the data: URL images decode
  out.tickets = await page.locator("#ticket-list li.ticket").count();
  out.qrCodes = await page.locator("#ticket-list li img.qr").count();
  out.ticketText = await page.textContent("#ticket-list li.ticket");
  out.ticketMeta = await page.textContent("#ticket-list li.ticket .ticket-meta");
  await step(page, "tickets");
  await audit(page, "phone: tickets");
  await ctx.close();
}

// Booking with the keyboard only: Tab to the grid (one stop), arrows, Space, then Hold.
async function keyboard(browser) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ko-KR",
                                         timezoneId: "Asia/Seoul", bypassCSP: true });
  const page = await ctx.newPage();
  const focused = () => page.evaluate(() => {
    const e = document.activeElement;
    return e ? (e.id || e.className || e.tagName) : "";
  });
  const tabUntil = async (match, limit) => {
    for (let n = 1; n <= limit; ++n) {
      await page.keyboard.press("Tab");
      if (match(await focused())) return n;
    }
    return -1;
  };
  await page.goto(base + "/");
  await page.waitForSelector(`#concert-list li[data-concert="${concertId}"] a`, { timeout: 5000 });
  await tabUntil((f) => f === "email", 10);
  await page.keyboard.type(email);
  await page.keyboard.press("Tab");
  await page.keyboard.type(password);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#signed-in:not([hidden])", { timeout: 10000 });
  await page.focus("#home-link");
  out.tabsToConcert = await tabUntil((f) => f === "" || f === "A", 15);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#seat-map .seat", { timeout: 5000 });
  out.tabsToGrid = await tabUntil((f) => f.startsWith("seat"), 30);
  // Down a few rows (away from the phone's seats), then pick two free seats with Space.
  for (let i = 0; i < 8; ++i) await page.keyboard.press("ArrowDown");
  let picked = 0;
  for (let i = 0; i < 40 && picked < 2; ++i) {
    const status = await page.evaluate(() => document.activeElement.dataset.status);
    if (status === "A") {
      await page.keyboard.press("Space");
      ++picked;
    }
    await page.keyboard.press("ArrowRight");
  }
  out.keyboardPicked = picked;
  out.tabsGridToHold = await tabUntil((f) => f === "hold-selected", 5);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#holds li[data-reservation]", { timeout: 5000 });
  out.keyboardHeldSeats = await page.locator("#holds li[data-reservation]").count();
  await page.screenshot({ path: path.join(shots, "keyboard-held.png") });
  await audit(page, "desktop: held by keyboard");
  // The door page: only the log-in form before log-in; a fan's account gets a sentence.
  await page.goto(base + "/checkin");
  await page.waitForLoadState("load");
  const visible = async () => ({ login: await page.isVisible("#door-login"), setup: await page.isVisible("#door-setup"),
                                 scan: await page.isVisible("#door-scan") });
  out.doorBefore = await visible();
  await audit(page, "/checkin");
  await page.fill("#door-email", email);
  await page.fill("#door-password", password);
  await page.click("#door-login button");
  await page.waitForSelector("#door-notice:not([hidden])", { timeout: 5000 });
  out.doorFan = { ...(await visible()), notice: await page.textContent("#door-notice"),
                  result: await page.getAttribute("#door-notice", "data-result") };
  await page.screenshot({ path: path.join(shots, "door-fan.png") });
  await audit(page, "/checkin: a fan's account");
  await page.goto(base + "/admin");
  await page.waitForLoadState("load");
  await audit(page, "/admin");
  await ctx.close();
}

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  let ok = true;
  try {
    await phone(browser);
    await keyboard(browser);
  } catch (e) {
    ok = false;
    out.error = String(e && e.message || e).split("\n")[0];
  }
  await browser.close();
  console.log(JSON.stringify(out));
  process.exit(ok ? 0 : 1);
})();
