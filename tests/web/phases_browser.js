// The sale's phases on the fan's page, in real headless Chromium on a phone (390x844, touch,
// ko-KR), for tests/server/booking_page_test.cc:
//
//   node phases_browser.js <port> <concertId> <email> <password> <code> <screenshot.png>
//
// Signs up and opens a concert in its members-only presale: the banner names the phase and the
// next; a hold is refused in Korean; a wrong code is refused, then the fan types the right one
// with the keyboard and holds. When the general sale's turn comes, the banner changes by itself
// (the live map's delta). axe-core over the page. Prints one JSON line; exits 0 when every step
// ran.
"use strict";
const fs = require("fs");
const { chromium } = require("playwright-core");

const [port, concertId, email, password, code, screenshot] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const out = { pageErrors: [] };

// The page's CSP forbids eval, so waits poll from here.
async function until(page, fn, arg, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await page.evaluate(fn, arg)) return true;
    if (Date.now() > end) return false;
    await page.waitForTimeout(100);
  }
}

async function bestOne(page) {
  if (!(await page.isVisible("#best-form"))) await page.tap("#best-box summary");
  await page.fill("#best-count", "1");
  await page.tap("#best-button");
}

async function run(page) {
  await page.goto(base + "/");
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.tap("#signup-button");
  await page.waitForSelector("#signed-in:not([hidden])", { timeout: 10000 });
  await page.tap(`#concert-list li[data-concert="${concertId}"] a`);
  await page.waitForSelector("#seat-map .seat", { timeout: 5000 });
  await until(page, () => !document.getElementById("member-form").hidden);
  out.phaseNow = await page.textContent("#phase-now");
  out.phaseNext = await page.textContent("#phase-next");
  out.memberState = await page.textContent("#member-state");
  out.formShown = await page.isVisible("#member-form");
  await page.screenshot({ path: screenshot, fullPage: false });

  const welcome = await page.textContent("#message");
  await bestOne(page);
  await until(page, (prev) => document.getElementById("message").textContent !== prev, welcome);
  out.refused = await page.textContent("#message");

  await page.tap("#member-code");
  await page.keyboard.type("XX-0000");
  await page.keyboard.press("Enter");
  await until(page, (prev) => document.getElementById("message").textContent !== prev, out.refused);
  out.wrongCode = await page.textContent("#message");
  await page.fill("#member-code", "");
  await page.keyboard.type(code);
  await page.keyboard.press("Enter");
  out.confirmed = await until(page, () => document.getElementById("member-form").hidden);
  out.memberAfter = await page.textContent("#member-state");
  await bestOne(page);
  await page.waitForSelector("#holds li[data-reservation]", { timeout: 10000 });
  out.held = true;

  // The general sale's turn: the banner changes with no reload.
  out.turned = await until(page, () => document.getElementById("phase-now").textContent.includes("일반예매"), null, 30000);
  out.phaseAfter = await page.textContent("#phase-now");
  out.memberHidden = await page.isHidden("#member-state");

  const src = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(src);
  out.axe = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({ id: v.id, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
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
