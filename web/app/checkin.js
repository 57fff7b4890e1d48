// Concert Mania door: door staff log in, pick the concert and gate, then scan (a scanner types
// the code and Enter) or paste codes; each answer fills the screen, colour-coded, in the
// reader's language (i18n.js).
"use strict";

const $ = (id) => document.getElementById(id);
const T = (key, params) => I18N.t(key, params);
let token = sessionStorage.getItem("cm.door.token");

// ok: let them in; stop: do not; wait: not yet.
const KINDS = { ADMITTED: "ok", NOT_OPEN_YET: "wait" };

async function call(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await res.json().catch(() => null);
  return { res, data };
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
  token = data.accessToken;
  sessionStorage.setItem("cm.door.token", token);
  await start();
}

async function start() {
  const me = await call("GET", "/api/users/me");
  if (!me.res.ok || (me.data.role !== "STAFF" && me.data.role !== "ADMIN")) {
    token = null;
    sessionStorage.removeItem("cm.door.token");
    $("door-login").hidden = false;
    $("door-setup").hidden = true;
    $("door-scan").hidden = true;
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
  box.className = KINDS[result] || "stop";
  box.dataset.result = result;
  const title = T("door.verdict." + result);
  $("door-verdict").textContent = title === "door.verdict." + result ? (I18N.problem(result) || result) : title;
  $("door-detail").textContent = detail || "";
}

async function scan(ev) {
  ev.preventDefault();
  const code = $("door-code").value.trim();
  $("door-code").value = "";
  if (!code) return;
  const { res, data } = await call("POST", "/api/checkin",
                                   { code, gate: $("door-gate").value, concertId: Number($("door-concert").value) });
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
  $("door-code").focus();
}

$("door-login").addEventListener("submit", login);
$("door-scan").addEventListener("submit", scan);
$("door-result").addEventListener("click", () => { $("door-result").hidden = true; $("door-code").focus(); });
$("lang-switch").addEventListener("click", () => { I18N.setLang(I18N.lang === "ko" ? "en" : "ko"); });
I18N.apply();
document.title = T("door.title");
if (token) start();
