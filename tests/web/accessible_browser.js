// Wheelchair spaces and companion seats on the fan's page, in real headless Chromium on a phone
// (390x844, touch, ko-KR), for tests/server/booking_page_test.cc:
//
//   node accessible_browser.js <port> <concertId> <email> <password> <screenshot.png>
//
// Signs up, opens the concert: the rule's line, the legend's marks, a wheelchair space's mark and
// name; then best-available with the accessible option holds a space and its companion; axe-core
// over the page. Prints one JSON line; exits 0 when every step ran.
"use strict";
const { axeSerious, signUpAndOpen, onPhone } = require("./phone_page");

const [port, concertId, email, password, screenshot] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;

onPhone(async (page, out) => {
  await signUpAndOpen(page, base, email, password, concertId);
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
  out.axe = await axeSerious(page);
});
