// The booking page in real headless Chromium (Debian's, driven by playwright-core): two users
// in two browser contexts; A holds a seat, B's page must show it held within 1 s; A cancels,
// B must see it available again; A cannot take it straight back (the re-hold cooldown, told in
// plain words), B holds it and pays, and A sees it sold. B's section overview (the chip of the
// seat's section, with what is still free) follows too. Saves a screenshot of B's seat map.
//
//   node live_seat_map_browser.js <port> <concertId> <seatId> <emailA> <emailB> <password> <screenshot.png>
// Prints one JSON line of timings; exits 0 when every step passed, 1 otherwise.
"use strict";
const { chromium } = require("playwright-core");

const [port, concertId, seatId, emailA, emailB, password, screenshot] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const seat = `#seat-map .seat[data-seat="${seatId}"]`;

async function openAs(browser, email) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => { throw new Error(`page error for ${email}: ${e.message}`); });
  await page.goto(base + "/");
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.click("#login-button");
  await page.waitForSelector("#signed-in:not([hidden])", { timeout: 5000 });
  await page.click(`#concert-list li[data-concert="${concertId}"]`);
  await page.waitForSelector(`${seat}[data-status="A"]`, { timeout: 5000 });
  await page.waitForSelector("#live-state.live", { timeout: 5000 });
  return { context, page };
}

// Milliseconds until B's page shows the seat with `status`, measured from `since`.
async function seen(page, status, since) {
  await page.waitForSelector(`${seat}[data-status="${status}"]`, { timeout: 5000 });
  return Date.now() - since;
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const result = {};
  try {
    const a = await openAs(browser, emailA);
    const b = await openAs(browser, emailB);

    // A holds the seat by clicking it and the hold button.
    const chip = '.section-chip[aria-pressed="true"]';
    const freeIn = async (page) => Number((await page.textContent(chip)).match(/(\d+) free/)[1]);
    result.bFreeBefore = await freeIn(b.page);
    await a.page.click(seat);
    const held = a.page.waitForResponse((r) => r.url().endsWith("/reservations") && r.request().method() === "POST");
    await a.page.click("#hold-selected");
    const heldResponse = await held;
    const heldAt = Date.now();
    if (heldResponse.status() !== 201) throw new Error(`hold answered ${heldResponse.status()}`);
    result.heldSeenByBMs = await seen(b.page, "H", heldAt);
    result.bFreeAfterHold = await freeIn(b.page);
    await a.page.waitForSelector("#holds li[data-reservation] .countdown", { timeout: 5000 });
    result.countdown = await a.page.textContent("#holds .countdown");

    // B cannot take it: clicking a held seat only explains.
    await b.page.dispatchEvent(seat, "click");  // (as a tap would: it may sit under the sticky bar)
    result.bMessage = await b.page.textContent("#message");

    // A cancels; B sees the seat available again.
    const cancelled = a.page.waitForResponse((r) => r.request().method() === "DELETE");
    await a.page.click("#holds .cancel");
    if ((await cancelled).status() !== 200) throw new Error("cancel failed");
    const cancelledAt = Date.now();
    result.releasedSeenByBMs = await seen(b.page, "A", cancelledAt);

    // A tries to take it straight back: refused (the re-hold cooldown), in plain words.
    await a.page.click(seat);
    const again = a.page.waitForResponse((r) => r.url().endsWith("/reservations") && r.request().method() === "POST");
    await a.page.click("#hold-selected");
    if ((await again).status() !== 409) throw new Error("a re-hold within the cooldown was not refused");
    for (let i = 0; i < 100; ++i) {
      result.aCooldownMessage = await a.page.textContent("#message");
      if (result.aCooldownMessage.includes("again in")) break;
      await new Promise((r) => setTimeout(r, 50));
    }

    // B, who did not let it go, holds it and pays: the saga confirms it and A sees it sold.
    await b.page.click(seat);
    const bHeld = b.page.waitForResponse((r) => r.url().endsWith("/reservations") && r.request().method() === "POST");
    await b.page.click("#hold-selected");
    if ((await bHeld).status() !== 201) throw new Error("B's hold failed");
    await b.page.waitForSelector("#holds li[data-reservation] .pay:not([disabled])", { timeout: 5000 });
    const paying = b.page.waitForResponse((r) => r.url().endsWith("/api/payments") && r.request().method() === "POST");
    await b.page.click("#holds .pay");
    if ((await paying).status() !== 202) throw new Error("pay was not accepted");
    const paidAt = Date.now();
    result.soldSeenByAMs = await seen(a.page, "S", paidAt);
    // Polled from here: waitForFunction evaluates code in the page, which its CSP forbids.
    for (let i = 0; i < 100; ++i) {
      result.bPaidMessage = await b.page.textContent("#message");
      if (result.bPaidMessage.includes("confirmed")) break;
      await new Promise((r) => setTimeout(r, 50));
    }

    await b.page.locator("#seat-map").screenshot({ path: screenshot });
    result.ok = result.heldSeenByBMs <= 1000 && result.releasedSeenByBMs <= 1000 &&
                result.bFreeAfterHold === result.bFreeBefore - 1 &&
                /^\d+:\d\d$/.test(result.countdown) && result.bMessage.includes("held") &&
                result.aCooldownMessage.includes("again in") &&
                result.soldSeenByAMs <= 5000 && result.bPaidMessage.includes("confirmed");
  } catch (e) {
    result.ok = false;
    result.error = String(e && e.message || e);
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(result));
  process.exit(result.ok ? 0 : 1);
})();
