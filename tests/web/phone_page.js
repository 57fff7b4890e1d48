// What the phone pages' browser tests share: headless Chromium as a fan's phone (390x844, touch,
// ko-KR, Asia/Seoul), the page's uncaught errors, axe-core's serious and critical findings, and
// waits that poll from Node (the pages' CSP forbids eval, so Playwright's waitForFunction cannot
// run in them).
"use strict";
const fs = require("fs");
const { chromium } = require("playwright-core");

// Polls fn(arg) in the page until it is true or `ms` pass; says which.
async function until(page, fn, arg, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await page.evaluate(fn, arg)) return true;
    if (Date.now() > end) return false;
    await page.waitForTimeout(100);
  }
}

// axe-core over the page: its serious and critical violations, a few nodes each.
async function axeSerious(page) {
  await page.evaluate(fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8"));
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({ id: v.id, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
}

// Signs up with `email` and `password` on the page at `base` and opens concert `concertId`,
// then waits for `ready` (by default the seat map's seats; a concert behind a waiting room
// shows its queue first).
async function signUpAndOpen(page, base, email, password, concertId, ready = "#seat-map .seat") {
  await page.goto(base + "/");
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.tap("#signup-button");
  await page.waitForSelector("#signed-in:not([hidden])", { timeout: 10000 });
  await page.tap(`#concert-list li[data-concert="${concertId}"] a`);
  await page.waitForSelector(ready, { timeout: 10000 });
}

// Runs run(page, out) on a phone, then prints `out` as one JSON line (with `pageErrors`, and
// `error` when a step threw) and exits 0, or 1 when a step threw.
function onPhone(run) {
  const out = { pageErrors: [] };
  (async () => {
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
    let exit = 0;
    try {
      const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2,
                                             isMobile: true, hasTouch: true, locale: "ko-KR",
                                             timezoneId: "Asia/Seoul" });
      const page = await ctx.newPage();
      page.on("pageerror", (e) => out.pageErrors.push(e.message));
      await run(page, out);
    } catch (e) {
      out.error = String(e && e.stack || e);
      exit = 1;
    } finally {
      await browser.close();
    }
    console.log(JSON.stringify(out));
    process.exit(exit);
  })();
}

module.exports = { until, axeSerious, signUpAndOpen, onPhone };
