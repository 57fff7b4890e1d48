// Concert Mania door: door staff log in, pick the concert and gate, then scan with the phone's
// camera (@zxing/browser reads the QR code), with a scanner that types the code and Enter, or by
// pasting codes; each answer fills the screen, colour-coded, in the reader's language (i18n.js).
"use strict";

const $ = (id) => document.getElementById(id);
const T = (key, params) => I18N.t(key, params);
let token = sessionStorage.getItem("cm.door.token");
let refreshToken = sessionStorage.getItem("cm.door.refresh");

// ok: let them in; stop: the ticket is refused; wait: not yet, or no verdict at all (the
// network, the server, a login that ended): never red for a ticket nobody judged.
const KINDS = { ADMITTED: "ok", NOT_OPEN_YET: "wait", ALREADY_USED: "stop", REVOKED: "stop",
                WRONG_CONCERT: "stop", INVALID_TICKET: "stop", UNKNOWN_TICKET: "stop" };

async function call(method, path, body, retried = false) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await res.json().catch(() => null);
  // Access tokens last 15 minutes; a shift lasts hours: renew once, then ask for a log-in.
  if (res.status === 401 && refreshToken && !retried && await renew()) return call(method, path, body, true);
  return { res, data };
}

async function renew() {
  const res = await fetch("/api/users/refresh", { method: "POST", headers: { "Content-Type": "application/json" },
                                                  body: JSON.stringify({ refreshToken }) });
  if (!res.ok) return false;
  const data = await res.json();
  keep(data.accessToken, data.refreshToken);
  return true;
}

function keep(access, refresh) {
  token = access;
  refreshToken = refresh;
  if (access) sessionStorage.setItem("cm.door.token", access);
  else sessionStorage.removeItem("cm.door.token");
  if (refresh) sessionStorage.setItem("cm.door.refresh", refresh);
  else sessionStorage.removeItem("cm.door.refresh");
}

function notice(text) {
  $("door-notice").textContent = text;
  $("door-notice").hidden = !text;
}

async function login(ev) {
  ev.preventDefault();
  const { res, data } = await call("POST", "/api/users/login",
                                   { email: $("door-email").value.trim(), password: $("door-password").value });
  if (!res.ok) return notice((data && I18N.problem(data.code)) || T("door.loginFailed"));
  keep(data.accessToken, data.refreshToken);
  await start();
}

// The log-in form alone: no token, no scanning, the camera off.
function backToLogin() {
  keep(null, null);
  stopCamera();
  $("door-login").hidden = false;
  $("door-setup").hidden = true;
  $("door-scan").hidden = true;
}

async function start() {
  const me = await call("GET", "/api/users/me");
  if (!me.res.ok || (me.data.role !== "STAFF" && me.data.role !== "ADMIN")) {
    backToLogin();
    $("door-notice").dataset.result = me.res.ok ? "STAFF_ONLY" : "";
    notice(me.res.ok ? T("door.staffOnly") : "");
    return;
  }
  notice("");
  $("door-who").textContent = `${me.data.name} (${me.data.role})`;
  const { data } = await call("GET", "/api/concerts?size=100");
  const select = $("door-concert");
  select.replaceChildren();
  for (const c of data.items) select.append(new Option(`${c.title} (#${c.id})`, c.id));
  const wanted = new URLSearchParams(location.search).get("concert");
  if (wanted) select.value = wanted;
  $("door-login").hidden = true;
  $("door-setup").hidden = false;
  $("door-scan").hidden = false;
  $("door-code").focus();
}

function show(result, detail) {
  const box = $("door-result");
  box.hidden = false;
  box.className = KINDS[result] || "wait";
  box.dataset.result = result;
  const title = T("door.verdict." + result);
  $("door-verdict").textContent = title === "door.verdict." + result ? (I18N.problem(result) || result) : title;
  $("door-detail").textContent = detail || "";
}

async function scan(ev) {
  ev.preventDefault();
  const code = $("door-code").value.trim();
  $("door-code").value = "";
  if (code) await check(code);
}

async function check(code) {
  let answer;
  try {
    answer = await call("POST", "/api/checkin",
                        { code, gate: $("door-gate").value, concertId: Number($("door-concert").value) });
  } catch {
    return show("ERROR", T("door.offline"));
  }
  const { res, data } = answer;
  if (res.status === 401) {  // the login ended and could not be renewed: log in again
    backToLogin();
    return notice(T("door.loginAgain"));
  }
  if (!res.ok) return show(data && data.code ? data.code : "ERROR", (data && I18N.problem(data.code)) || "");
  const s = data.seat;
  const seat = s ? `${s.grade} · ` + T("seat.short", { section: s.section, row: s.row, number: s.number }) : "";
  const details = {
    ADMITTED: seat,
    ALREADY_USED: T("door.firstScan", { when: data.firstScanAt ? I18N.clock(data.firstScanAt) : "?", gate: data.firstGate || "?" }),
    NOT_OPEN_YET: data.doorsOpenAt ? T("door.doorsOpen", { when: I18N.time(data.doorsOpenAt) }) : "",
    REVOKED: T("door.replaced"),
    WRONG_CONCERT: data.ticketConcertId ? T("door.otherConcert", { concert: data.ticketConcertId }) : "",
  };
  show(data.result, details[data.result] || "");
  if (!camera) $("door-code").focus();
}

// ---- the camera ------------------------------------------------------------------------------
// Codes read from the picture are checked as typed ones are. The code just checked is not checked
// again while it stays in front of the camera (a few seconds), so one ticket gives one answer.
let camera = null;       // the running scan's controls
let cameraStarting = false;  // (the permission prompt may be up: one stream at a time)
let lastRead = { code: "", at: 0 };
const SAME_CODE_MS = 4000;

async function startCamera() {
  if (typeof ZXingBrowser === "undefined") return notice(T("door.cameraMissing"));
  if (cameraStarting) return;
  cameraStarting = true;
  $("door-camera").disabled = true;
  const video = $("door-video");
  try {
    const reader = new ZXingBrowser.BrowserQRCodeReader(undefined, { delayBetweenScanAttempts: 150 });
    video.hidden = false;
    camera = await reader.decodeFromVideoDevice(undefined, video, (result) => {
      if (!result) return;
      const code = result.getText(), now = Date.now();
      const again = code === lastRead.code && now - lastRead.at < SAME_CODE_MS;
      lastRead = { code, at: now };  // still in view: its answer stands until it has been away a while
      if (!again) check(code);
    });
  } catch (e) {
    video.hidden = true;
    camera = null;
    const denied = e && (e.name === "NotAllowedError" || e.name === "SecurityError");
    notice(T(denied ? "door.cameraDenied" : "door.cameraFailed"));
  }
  cameraStarting = false;
  $("door-camera").disabled = false;
  cameraButton();
}

function stopCamera() {
  if (camera) camera.stop();
  camera = null;
  $("door-video").hidden = true;
  cameraButton();
}

function cameraButton() {
  const b = $("door-camera");
  b.dataset.i18n = camera ? "door.cameraOff" : "door.cameraOn";
  b.textContent = T(b.dataset.i18n);
  b.setAttribute("aria-pressed", String(!!camera));
}

$("door-login").addEventListener("submit", login);
$("door-scan").addEventListener("submit", scan);
$("door-camera").addEventListener("click", () => { if (camera) stopCamera(); else startCamera(); });
$("door-result").addEventListener("click", () => {
  $("door-result").hidden = true;
  if (!camera) $("door-code").focus();
});
$("lang-switch").addEventListener("click", () => { I18N.setLang(I18N.lang === "ko" ? "en" : "ko"); });
I18N.apply();
if (token) start();
