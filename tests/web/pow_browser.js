// The proof-of-work gate on the fan's page, in real headless Chromium (Debian's, driven by
// playwright-core), with the page's own Content-Security-Policy in force: ALTCHA's widget must
// solve in its Web Workers under it.
//
//   node pow_browser.js test <port> <holdConcert> <queueConcert> <email> <password> <shotDir>
//     A phone (390x844, touch, ko-KR): the widget solves on its own where each concert asks
//     (the hold, or the queue's join), two holds in a row each take a fresh solution, the join
//     goes through; axe-core over the widget. Prints one JSON line; exits 0 when every step ran.
//   POW_CDP_THROTTLE=<n> node pow_browser.js bench <port> <concert> <email> <password> <solves>
//     The time to solve on a phone: the widget's verify() (challenge fetch, solve, payload) on
//     a 390x844 page, `solves` times. Prints one BENCH_JSON line with the median and spread.
//     DevTools' CPU throttling (POW_CDP_THROTTLE) reaches only the main thread, not the
//     workers that solve: bench/pow_phone.sh throttles the whole browser with a cgroup instead.
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const mode = process.argv[2];
const out = { steps: [], axe: [], pageErrors: [], consoleErrors: [] };

function phoneContext(browser) {
  return browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: "ko-KR", timezoneId: "Asia/Seoul",  // the page's CSP stays on: no bypassCSP
  });
}

function watch(page) {
  page.on("pageerror", (e) => out.pageErrors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") out.consoleErrors.push(m.text()); });
}

async function signUp(page, base, email, password) {
  await page.goto(base + "/");
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.tap("#signup-button");
  await page.waitForSelector("#signed-in:not([hidden])", { timeout: 10000 });
}

const widgetState = (page) => page.evaluate(() => {
  const w = document.getElementById("pow-widget");
  return w && w.getState ? w.getState() : null;
});

// Polls `fn` in the page until it is true (waitForFunction would eval, which the CSP refuses).
async function until(page, fn, arg, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await page.evaluate(fn, arg)) return;
    await page.waitForTimeout(100);
  }
  throw new Error("timed out waiting for " + what);
}

const waitVerified = (page, ms) => until(page, () => {
  const w = document.getElementById("pow-widget");
  return !!(w && w.getState && w.getState() === "verified");
}, null, ms, "the widget to verify");

// axe-core, evaluated over CDP (the page's CSP would refuse an injected script tag).
async function audit(page, state) {
  const src = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(src);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  out.axe.push({ state, violations: found });
}

async function test([port, holdConcert, queueConcert, email, password, shots]) {
  const base = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  try {
    const page = await (await phoneContext(browser)).newPage();
    watch(page);
    const shot = async (name) => {
      await page.screenshot({ path: path.join(shots, `pow-${out.steps.length + 1}-${name}.png`) });
      out.steps.push(name);
    };
    await signUp(page, base, email, password);
    // A concert that asks a proof of each hold: the widget sits above the hall and solves.
    await page.tap(`#concert-list li[data-concert="${holdConcert}"] a`);
    await page.waitForSelector("#seat-map .seat", { timeout: 5000 });
    await waitVerified(page, 60000);
    out.holdBoxIn = await page.$eval("#pow-box", (e) => e.parentElement.id + ">" + e.nextElementSibling.id);
    out.powTitle = await page.textContent("#pow-box h3");
    out.widgetText = (await page.textContent("#pow-widget")).trim();
    await shot("hold-verified");
    await audit(page, "phone: hall with the bot check");
    const free = page.locator('#seat-map .seat[data-status="A"]');
    for (const k of [0, 1]) {
      await free.nth(k * 4).tap();
      await page.tap("#hold-selected");
      await until(page, (n) => document.querySelectorAll("#holds li[data-reservation]").length >= n,
                  k + 1, 60000, "hold " + (k + 1));
    }
    out.holds = await page.locator("#holds li[data-reservation]").count();
    await shot("two-holds");
    // A concert with a waiting room asks it of the join instead.
    await page.evaluate((id) => { location.hash = "#concert/" + id; }, queueConcert);
    await page.waitForSelector("#queue-panel:not([hidden])", { timeout: 5000 });
    await waitVerified(page, 60000);
    out.queueBoxIn = await page.$eval("#pow-box", (e) => e.parentElement.id + ">" + e.nextElementSibling.id);
    await page.tap("#queue-join");
    await page.waitForSelector("#queue-leave:not([hidden])", { timeout: 10000 });
    out.queueStatus = await page.textContent("#queue-status");
    await shot("queue-joined");
    await audit(page, "phone: waiting room joined");
    // In English the widget speaks English.
    await page.tap("#lang-switch");
    await page.waitForTimeout(300);
    out.powTitleEn = await page.textContent("#pow-box h3");
    out.widgetTextEn = (await page.textContent("#pow-widget")).trim();
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(out));
  return out.steps.length === 3 ? 0 : 1;
}

async function bench([port, concert, email, password, solves]) {
  const throttle = Number(process.env.POW_CDP_THROTTLE || 1);
  const base = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  const times = [];
  try {
    const page = await (await phoneContext(browser)).newPage();
    watch(page);
    await signUp(page, base, email, password);
    await page.evaluate((id) => { location.hash = "#concert/" + id; }, concert);
    await waitVerified(page, 120000);  // the first, unthrottled: the page is ready
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: throttle });
    for (let i = 0; i < Number(solves); ++i) {
      const ms = await page.evaluate(async () => {
        const w = document.getElementById("pow-widget");
        await w.configure({ minDuration: 0 });
        w.reset();
        const t0 = performance.now();
        const r = await w.verify();
        return r && r.payload ? performance.now() - t0 : -1;
      });
      if (ms < 0) throw new Error("a solve failed: " + out.pageErrors.concat(out.consoleErrors).join("; "));
      times.push(ms);
    }
  } finally {
    await browser.close();
  }
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  const r = { bench: "pow_phone", cdp_throttle: throttle, solves: times.length,
              median_ms: at(0.5), p10_ms: at(0.1), p90_ms: at(0.9), max_ms: times[times.length - 1] };
  console.log("BENCH_JSON " + JSON.stringify(r));
  return 0;
}

(mode === "bench" ? bench : test)(process.argv.slice(3))
  .then((code) => process.exit(code))
  .catch((e) => { out.error = String(e && e.stack || e); console.log(JSON.stringify(out)); process.exit(1); });
