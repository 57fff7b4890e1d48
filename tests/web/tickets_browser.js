// Tickets in real headless Chromium (Debian's, driven by playwright-core), in two steps that
// the C++ test (tests/server/booking_page_test.cc) joins with a real QR decoder (zbarimg):
//
//   node tickets_browser.js buy  <port> <concertId> <seatId> <email> <password> <screenshot.png>
//     logs in, holds the seat, pays, opens "My tickets" and saves a screenshot of the ticket's
//     QR code;
//   node tickets_browser.js scan <port> <concertId> <staffEmail> <staffPassword> <code> <shot.png>
//     logs in to the door's scanner page (/checkin), picks the concert, types the code and
//     reads the answer;
//   node tickets_browser.js camera <port> <concertId> <staffEmail> <staffPassword> <buyerEmail>
//                           <buyerPassword> <video.y4m>
//     fetches the buyer's ticket QR code (the server's SVG), films it into a video file that
//     Chromium's fake camera plays, logs in to the door page, taps "scan with the camera" and
//     reads the answer to what the camera saw.
// Prints one JSON line; exits 0 when every step passed, 1 otherwise.
"use strict";
const fs = require("fs");
const { chromium } = require("playwright-core");

const [mode, port, concertId, ...rest] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const consoleLines = [];

async function buy(page, seatId, email, password, screenshot) {
  const seat = `#seat-map .seat[data-seat="${seatId}"]`;
  await page.goto(base + "/");
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.click("#login-button");
  await page.waitForSelector("#signed-in:not([hidden])", { timeout: 5000 });
  await page.click(`#concert-list li[data-concert="${concertId}"]`);
  await page.waitForSelector(`${seat}[data-status="A"]`, { timeout: 5000 });
  await page.click(seat);
  await page.click("#hold-selected");
  await page.waitForSelector("#holds li[data-reservation] .pay", { timeout: 5000 });
  await page.click("#holds li[data-reservation] .pay");
  // (selectors, not waitForFunction: the page's CSP forbids the eval that needs)
  await page.waitForSelector('#message:has-text("confirmed")', { timeout: 15000 });
  await page.click("#tickets-link");
  const img = await page.waitForSelector("#ticket-list li img.qr", { timeout: 5000 });
  await page.waitForTimeout(300);  // the data: URL image decodes
  await img.screenshot({ path: screenshot });
  return { seatText: await page.textContent("#ticket-list li .ticket-seat") };
}

// Logs in to the door page for the concert, at `gate`.
async function doorLogin(page, staffEmail, staffPassword, gate) {
  await page.goto(base + `/checkin?concert=${concertId}`);
  await page.fill("#door-email", staffEmail);
  await page.fill("#door-password", staffPassword);
  await page.click("#door-login button");
  await page.waitForSelector("#door-scan:not([hidden])", { timeout: 5000 });
  if (await page.isVisible("#door-login")) throw new Error("the log-in form stays after log-in");
  await page.fill("#door-gate", gate);
}

async function scan(page, staffEmail, staffPassword, code, screenshot) {
  await doorLogin(page, staffEmail, staffPassword, "Main gate");
  await page.fill("#door-code", code);
  await page.press("#door-code", "Enter");
  await page.waitForSelector("#door-result:not([hidden])", { timeout: 5000 });
  const first = await page.getAttribute("#door-result", "data-result");
  await page.screenshot({ path: screenshot });
  // The same code again: the door says it was used.
  await page.fill("#door-code", code);
  await page.press("#door-code", "Enter");
  await page.waitForSelector('#door-result[data-result="ALREADY_USED"]', { timeout: 5000 });
  return { first, second: await page.getAttribute("#door-result", "data-result"),
           detail: await page.textContent("#door-detail") };
}

// The buyer's ticket QR code as the server draws it (SVG), through the API.
async function ticketQrSvg(email, password) {
  const json = (res) => { if (!res.ok) throw new Error(`${res.url}: ${res.status}`); return res.json(); };
  const login = await json(await fetch(base + "/api/users/login", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email, password }) }));
  const auth = { Authorization: `Bearer ${login.accessToken}` };
  const tickets = await json(await fetch(base + "/api/users/me/tickets", { headers: auth }));
  const qr = await fetch(base + tickets.tickets[0].qr, { headers: auth });
  if (!qr.ok) throw new Error(`qr: ${qr.status}`);
  return qr.text();
}

// The code as a camera films it, as a Y4M file (640x480, 4:2:0, grey: only the luma plane
// carries it) that Chromium's fake camera loops: the ticket held in a hand, so each frame shows it
// a little turned and at another distance. A single still, perfectly square frame is not enough:
// zxing-js misreads about one code in ten drawn that way at any scale (measured over 700 random
// codes, none of them unread once the same code was also tilted 3-9 degrees), where a real camera
// never holds one frame still.
const POSES = [[0.96, 0], [0.92, 3], [0.86, -4], [0.8, 7], [0.88, -9]];  // [share of the height, degrees]
async function writeCameraVideo(browser, svg, y4m) {
  const page = await browser.newPage();
  const data = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
  const frames = await page.evaluate(async ({ data, poses, w, h }) => {
    const img = new Image();
    img.src = data;
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = w;
    canvas.height = h;
    const g = canvas.getContext("2d");
    return poses.map(([share, degrees]) => {
      g.setTransform(1, 0, 0, 1, 0, 0);
      g.fillStyle = "#fff";
      g.fillRect(0, 0, w, h);
      const side = Math.round(h * share);
      g.translate(w / 2, h / 2);
      g.rotate(degrees * Math.PI / 180);
      g.drawImage(img, -side / 2, -side / 2, side, side);
      const px = g.getImageData(0, 0, w, h).data, y = new Array(w * h);
      for (let i = 0; i < w * h; ++i) y[i] = Math.round(0.299 * px[4 * i] + 0.587 * px[4 * i + 1] + 0.114 * px[4 * i + 2]);
      return y;
    });
  }, { data, poses: POSES, w: 640, h: 480 });
  await page.close();
  const chroma = Buffer.alloc(640 * 480 / 2, 128);
  const parts = [Buffer.from("YUV4MPEG2 W640 H480 F5:1 Ip A1:1 C420jpeg\n")];
  for (const luma of frames) parts.push(Buffer.from("FRAME\n"), Buffer.from(luma), chroma);
  fs.writeFileSync(y4m, Buffer.concat(parts));
}

async function camera(page, staffEmail, staffPassword) {
  await doorLogin(page, staffEmail, staffPassword, "Camera gate");
  await page.click("#door-camera");
  await page.waitForSelector("#door-video:not([hidden])", { timeout: 5000 });
  // Generous: ZXing decodes in the page's own thread, slow on a busy 2-core machine.
  try {
    await page.waitForSelector("#door-result:not([hidden])", { timeout: 45000 });
  } catch (e) {  // what the page was doing, so a failure explains itself
    const video = await page.$eval("#door-video", (v) => ({ readyState: v.readyState, paused: v.paused,
      currentTime: v.currentTime, width: v.videoWidth, height: v.videoHeight, hidden: v.hidden }));
    throw new Error(`${e.message} video=${JSON.stringify(video)} notice=${JSON.stringify(
      await page.textContent("#door-notice").catch(() => null))} console=${JSON.stringify(consoleLines.slice(-10))}`);
  }
  const out = { result: await page.getAttribute("#door-result", "data-result"),
                detail: await page.textContent("#door-detail"),
                pressed: await page.getAttribute("#door-camera", "aria-pressed") };
  await page.click("#door-result");
  await page.click("#door-camera");  // off again
  out.videoHiddenAfter = await page.isHidden("#door-video");
  return out;
}

(async () => {
  const cameraMode = mode === "camera";
  if (cameraMode) {  // the video the fake camera plays is made first, in a browser of its own
    const maker = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
                                          args: ["--no-sandbox", "--disable-gpu"] });
    try {
      await writeCameraVideo(maker, await ticketQrSvg(rest[2], rest[3]), rest[4]);
    } catch (e) {
      console.log(JSON.stringify({ ok: false, error: "filming the ticket: " + String(e && e.message || e) }));
      process.exit(1);
    } finally {
      await maker.close();
    }
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"].concat(cameraMode
      ? ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
         `--use-file-for-fake-video-capture=${rest[4]}`]
      : []),
  });
  let result = { ok: false };
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 2,
                                               permissions: cameraMode ? ["camera"] : [] });
    const page = await context.newPage();
    page.on("pageerror", (e) => { throw new Error(`page error: ${e.message}`); });
    page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    result = mode === "buy" ? await buy(page, ...rest)
      : cameraMode ? await camera(page, rest[0], rest[1]) : await scan(page, ...rest);
    result.ok = true;
  } catch (e) {
    result.error = String(e && e.message || e);
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(result));
  process.exit(result.ok ? 0 : 1);
})();
