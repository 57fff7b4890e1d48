// How the booking page copes with a big hall, on a phone whose CPU is throttled 4x (DevTools'
// Emulation.setCPUThrottlingRate), in real headless Chromium. Figures, not assertions: this
// machine's two cores are shared, so the C++ test prints them and checks only that each step ran.
//
//   node big_hall_timing_browser.js <port> <concertId> <section to open>
//
// Prints one JSON line:
//   overviewMs  from navigation until the hall's sections and chips, with their free counts,
//               can be tapped (fetching the page, the plan and the seats' status letters over
//               the WebSocket included)
//   sectionMs   tapping a section until its seats are drawn and laid out, fetching its seats'
//               places included (in-page clock)
//   deltaMs     applying one live delta (one seat changes) until laid out (in-page clock)
//   seats       seats whose status the page keeps; drawn: seat buttons in the page (those in
//               and around the view of the open section)
"use strict";
const { chromium } = require("playwright-core");

const [port, concertId, section] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  const out = {};
  let ok = true;
  try {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
                                           locale: "ko-KR", bypassCSP: true });  // (the in-page clock)
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    const t0 = Date.now();
    await page.goto(`${base}/#concert/${concertId}`);
    await page.waitForSelector(`.section-chip[data-section="${section}"]`, { timeout: 60000 });
    await page.waitForSelector(".hall-section polygon[style*=fill]", { timeout: 60000 });
    out.overviewMs = Date.now() - t0;
    out.seats = await page.evaluate(() => state.letters.length);
    out.sectionMs = await page.evaluate((k) => new Promise((done) => {
      const t = performance.now();
      const first = state.layout.sections[k].firstSeat;
      document.querySelector(`.section-chip[data-section="${k}"]`).click();
      const drawn = () => {
        if (!document.querySelector(`#seat-map .seat[data-seat="${first}"]`)) return setTimeout(drawn, 1);
        void document.body.offsetHeight;  // layout included
        done(performance.now() - t);
      };
      drawn();
    }), Number(section));
    out.drawn = await page.locator("#seat-map .seat").count();
    out.deltaMs = await page.evaluate(() => {
      const id = Number(document.querySelector('#seat-map .seat[data-status="A"]').dataset.seat);
      const t = performance.now();
      onLiveMessage({ type: "delta", concertId: state.concert.id, seq: state.lastSeq + 1,
                      prevSeq: state.lastSeq, changes: [[id, "H"]] });
      void document.body.offsetHeight;
      return performance.now() - t;
    });
    for (const k of ["overviewMs", "sectionMs", "deltaMs"]) out[k] = Math.round(out[k] * 10) / 10;
  } catch (e) {
    ok = false;
    out.error = String(e && e.message || e).split("\n")[0];
  }
  await browser.close();
  console.log(JSON.stringify(out));
  process.exit(ok ? 0 : 1);
})();
