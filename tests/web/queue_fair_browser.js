// The waiting room's committed draw on the fan's page, in real headless Chromium on a phone
// (390x844, touch, ko-KR), for tests/server/booking_page_test.cc:
//
//   node queue_fair_browser.js <port> <concertId> <email> <password> <screenshot.png>
//
// Signs up and opens a concert whose waiting room opens in a few seconds: the fairness box shows
// the commitment and when it was made; after joining, the fan's own entry; once the room has
// opened and drawn everyone, the link to the proof, whose entries hold the fan's. axe-core over
// the page, and the proof checked on the phone itself (web/app/draw_check.js). Prints one JSON
// line; exits 0 when every step ran.
"use strict";
const { until, axeSerious, signUpAndOpen, onPhone } = require("./phone_page");

const [port, concertId, email, password, screenshot] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;

onPhone(async (page, out) => {
  await signUpAndOpen(page, base, email, password, concertId, "#queue-fair:not([hidden])");
  await page.tap("#queue-fair summary");
  out.commitmentText = await page.textContent("#fair-commitment");
  out.entryHiddenBefore = await page.isHidden("#fair-entry");

  await page.tap("#queue-join");
  out.entryShown = await until(page, () => !document.getElementById("fair-entry").hidden);
  out.entryText = await page.textContent("#fair-entry");
  await page.locator("#queue-fair").scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshot, fullPage: false });

  // The room opens and draws; the page finds the proof by itself.
  out.proofShown = await until(page, () => !document.getElementById("fair-proof").hidden, null, 40000);
  out.proofHref = await page.getAttribute("#fair-proof", "href");
  out.proofEntries = await page.evaluate(async (href) => (await (await fetch(href)).json()).entries, out.proofHref);
  // Checked on the phone itself: a tap, then the verdict.
  await page.tap("#fair-check");
  out.checked = await until(page, () => /[✓✗]/.test(document.getElementById("fair-result").textContent));
  out.checkText = await page.textContent("#fair-result");
  await page.locator("#fair-result").scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshot.replace(/\.png$/, "_checked.png"), fullPage: false });
  out.axe = await axeSerious(page);
});
