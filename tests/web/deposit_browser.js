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
const { until, axeSerious, signUpAndOpen, onPhone } = require("./phone_page");

const [port, pgPort, concertId, email, password, screenshot] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;

onPhone(async (page, out) => {
  await signUpAndOpen(page, base, email, password, concertId);
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
  out.axe = await axeSerious(page);

  // The bank takes the deposit into the account the page shows (its number as printed).
  const number = out.account.trim().split(" ").pop();
  const amount = Number(out.amount.replace(/[^0-9]/g, ""));
  const deposited = await fetch(`http://127.0.0.1:${pgPort}/v1/virtual-accounts/${number}/deposits`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ amount }),
  });
  out.deposited = deposited.status;
  out.confirmed = await until(page, () => document.getElementById("message").textContent.includes("결제 완료"), null, 15000);
  // The confirmation's message can come before the holds list is drawn again: wait for it.
  await until(page, () => document.querySelectorAll("#holds li[data-reservation]").length === 0, null, 10000);
  out.holdsAfter = await page.locator("#holds li[data-reservation]").count();
});
