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
const { until, axeSerious, signUpAndOpen, onPhone } = require("./phone_page");

const [port, concertId, email, password, code, screenshot] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;

async function bestOne(page) {
  if (!(await page.isVisible("#best-form"))) await page.tap("#best-box summary");
  await page.fill("#best-count", "1");
  await page.tap("#best-button");
}

onPhone(async (page, out) => {
  await signUpAndOpen(page, base, email, password, concertId);
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

  out.axe = await axeSerious(page);
});
