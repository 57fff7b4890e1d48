// Wheelchair spaces and companion seats on the fan's page, in real headless Chromium on a phone
// (390x844, touch, ko-KR), for tests/server/booking_page_test.cc:
//
//   node accessible_browser.js <port> <concertId> <email> <password> <screenshot.png>
//
// Signs up, opens the concert: the rule's line, the legend's marks, a wheelchair space's mark and
// name; then best-available with the accessible option holds a space and its companion; axe-core
// over the page. Prints one JSON line; exits 0 when every step ran.
"use strict";
const fs = require("fs");
const { chromium } = require("playwright-core");

const [port, concertId, email, password, screenshot] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const out = { pageErrors: [] };

async function run(page) {
  await page.goto(base + "/");
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.tap("#signup-button");
  await page.waitForSelector("#signed-in:not([hidden])", { timeout: 10000 });
  await page.tap(`#concert-list li[data-concert="${concertId}"] a`);
  await page.waitForSelector("#seat-map .seat", { timeout: 5000 });
  out.rule = await page.textContent("#concert-accessible");
  out.ruleShown = await page.isVisible("#concert-accessible");
  out.legend = await page.textContent("#legend");
  const wheelchair = page.locator('#seat-map .seat[data-attr~="WHEELCHAIR"]').first();
  out.wheelchairLabel = await wheelchair.getAttribute("aria-label");
  out.wheelchairMark = await wheelchair.evaluate((e) => getComputedStyle(e, "::after").content);
  out.companionMark = await page.locator('#seat-map .seat[data-attr~="COMPANION"]').first()
    .evaluate((e) => getComputedStyle(e, "::after").content);
  await page.tap("#best-box summary");
  out.optionShown = await page.isVisible("#best-accessible-box");
  await page.fill("#best-count", "2");
  await page.check("#best-accessible");
  await page.tap("#best-button");
  await page.waitForSelector("#holds li[data-reservation]", { timeout: 10000 });
  out.held = await page.textContent("#holds li[data-reservation]");
  out.heldMarks = await page.locator('#seat-map .seat.mine[data-attr]').count();
  await page.screenshot({ path: screenshot, fullPage: false });
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
  let code = 0;
  try {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2,
                                           isMobile: true, hasTouch: true, locale: "ko-KR",
                                           timezoneId: "Asia/Seoul" });
    const page = await ctx.newPage();
    page.on("pageerror", (e) => out.pageErrors.push(e.message));
    await run(page);
  } catch (e) {
    out.error = String(e && e.stack || e);
    code = 1;
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(out));
  process.exit(code);
})();
