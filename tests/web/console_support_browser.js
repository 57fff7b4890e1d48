// Support on the console, in real headless Chromium, for tests/server/booking_page_test.cc:
//
//   node console_support_browser.js <port> <adminEmail> <adminPassword> <fanEmail> <reservationId>
//
// An operator finds a customer by email, refunds their reservation from the customer's page with
// a reason; creates a door-staff account, which logs in at the door (/checkin); then finds it
// among the staff and disables it, and the door refuses it a new login. axe-core runs over the
// console with the customer's page open. Prints one JSON line; exits 0 when every step ran.
"use strict";
const { chromium } = require("playwright-core");
const { axeSerious } = require("./phone_page");

const [port, adminEmail, adminPassword, fanEmail, reservation] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const staff = { email: "gate-keeper@x.io", password: "gate-password-1" };

async function waitText(page, selector, wanted, ms = 5000) {
  for (const end = Date.now() + ms; Date.now() < end;) {
    const text = await page.locator(selector).first().textContent().catch(() => "");
    if (text && text.includes(wanted)) return text;
    await page.waitForTimeout(100);
  }
  throw new Error(`${selector} never read "${wanted}"`);
}

async function doorLogin(page) {
  await page.goto(base + "/checkin");
  await page.fill("#door-email", staff.email);
  await page.fill("#door-password", staff.password);
  await page.click("#door-login button[type=submit]");
  for (let i = 0; i < 50; ++i) {
    if (await page.isVisible("#door-setup")) return "in";
    if (await page.isVisible("#door-notice")) return await page.textContent("#door-notice");
    await page.waitForTimeout(100);
  }
  return "nothing";
}

(async () => {
  const out = {};
  let exit = 0;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
                                          args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  try {
    const console_ = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await console_.goto(base + "/admin");
    await console_.fill("#admin-email", adminEmail);
    await console_.fill("#admin-password", adminPassword);
    await console_.click("#admin-login button");
    await console_.waitForSelector("#admin-work:not([hidden])", { timeout: 5000 });

    // The customer by the start of their email; their page; a refund with a reason.
    await console_.fill("#people-email", fanEmail.slice(0, 6));
    await console_.click("#people-search button[type=submit]");
    await console_.click(`#people-results button:has-text("${fanEmail}")`);
    const row = `#customer-reservations tr[data-reservation="${reservation}"]`;
    await console_.waitForSelector(row, { timeout: 5000 });
    out.axeCustomerPage = await axeSerious(console_);
    await console_.click(`${row} button`);  // no reason yet: refused by the page
    out.reasonAsked = await console_.textContent("#message");
    await console_.fill("#action-reason", "the show moved");
    await console_.click(`${row} button`);
    out.refundedRow = await waitText(console_, row, "refunded");

    // A door-staff account: made here, logs in at the door.
    await console_.fill("#staff-email", staff.email);
    await console_.fill("#staff-name", "Gate keeper");
    await console_.fill("#staff-password", staff.password);
    await console_.selectOption("#staff-role", "STAFF");
    await console_.click("#staff-form button[type=submit]");
    out.staffCreated = await waitText(console_, "#message", staff.email);
    const door = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true,
                                                   hasTouch: true })).newPage();
    out.doorBefore = await doorLogin(door);

    // Found among the staff, disabled: the door refuses it.
    await console_.fill("#people-email", "gate");
    await console_.check("#people-staff");
    await console_.click("#people-search button[type=submit]");
    await console_.click(`#people-results button:has-text("${staff.email}")`);
    await waitText(console_, "#customer-title", "Gate keeper");
    await console_.fill("#action-reason", "left the company");
    await console_.click("#customer-toggle");
    out.disabledStatus = await waitText(console_, "#customer-status", "disabled");
    const door2 = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true,
                                                    hasTouch: true })).newPage();
    out.doorAfter = await doorLogin(door2);
  } catch (e) {
    out.error = String(e && e.stack || e);
    exit = 1;
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(out));
  process.exit(exit);
})();
