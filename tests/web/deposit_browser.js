// 무통장입금 on the fan's page, in real headless Chromium on a phone (390x844, touch, ko-KR), for
// tests/server/booking_page_test.cc:
//
//   node deposit_browser.js <port> <fakepgPort> <concertId> <email> <password> <screenshot.png>
//
// Signs up, holds a seat with best-available, picks 무통장입금 and pays: the virtual account,
// the amount, the deadline and a countdown show in Korean. Then the bank (fakepg) takes the
// deposit of the account number the page shows, and the page says the booking is confirmed.
// axe-core over the page. Prints one JSON line; exits 0 when every step ran.
"use strict";
const fs = require("fs");
const { chromium } = require("playwright-core");

const [port, pgPort, concertId, email, password, screenshot] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const out = { pageErrors: [] };

async function until(page, fn, arg, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await page.evaluate(fn, arg)) return true;
    if (Date.now() > end) return false;
    await page.waitForTimeout(100);
  }
}

async function run(page) {
  await page.goto(base + "/");
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.tap("#signup-button");
  await page.waitForSelector("#signed-in:not([hidden])", { timeout: 10000 });
  await page.tap(`#concert-list li[data-concert="${concertId}"] a`);
  await page.waitForSelector("#seat-map .seat", { timeout: 5000 });
  await page.tap("#best-box summary");
  await page.fill("#best-count", "1");
  await page.tap("#best-button");
  await page.waitForSelector("#holds li[data-reservation]", { timeout: 10000 });
  const bank = page.locator('#holds input[value="BANK_TRANSFER"]');
  out.bankOffered = await bank.count() === 1;
  await bank.check();
  out.note = await page.textContent("#holds .pay-note");
  await page.tap("#holds .pay");
  await page.waitForSelector("#holds .deposit", { timeout: 15000 });
  out.account = await page.textContent("#holds .deposit .account strong");
  out.amount = await page.textContent("#holds .deposit .amount");
  out.deadline = await page.textContent("#holds .deposit .deadline");
  out.countdown1 = await page.textContent("#holds .countdown");
  await page.waitForTimeout(1200);
  out.countdown2 = await page.textContent("#holds .countdown");
  out.methodsHidden = await page.isHidden("#holds .methods");
  await page.locator("#holds .deposit").scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshot, fullPage: false });
  const src = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(src);
  out.axe = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({ id: v.id, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });

  // The bank takes the deposit into the account the page shows (its number as printed).
  const number = out.account.trim().split(" ").pop();
  const amount = Number(out.amount.replace(/[^0-9]/g, ""));
  const deposited = await fetch(`http://127.0.0.1:${pgPort}/v1/virtual-accounts/${number}/deposits`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ amount }),
  });
  out.deposited = deposited.status;
  out.confirmed = await until(page, () => document.getElementById("message").textContent.includes("결제 완료"), null, 15000);
  out.holdsAfter = await page.locator("#holds li[data-reservation]").count();
}

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  let exit = 0;
  try {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2,
                                           isMobile: true, hasTouch: true, locale: "ko-KR",
                                           timezoneId: "Asia/Seoul" });
    const page = await ctx.newPage();
    page.on("pageerror", (e) => out.pageErrors.push(e.message));
    await run(page);
  } catch (e) {
    out.error = String(e && e.stack || e);
    exit = 1;
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(out));
  process.exit(exit);
})();
