// Concert Mania door: door staff log in, pick the concert and gate, then scan (a scanner types
// the code and Enter) or paste codes; each answer is shown large and colour-coded.
"use strict";

const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("cm.door.token");

const VERDICTS = {
  ADMITTED: ["Admit", "ok"],
  ALREADY_USED: ["Already used", "stop"],
  REVOKED: ["Revoked", "stop"],
  WRONG_CONCERT: ["Wrong concert", "stop"],
  NOT_OPEN_YET: ["Doors not open yet", "wait"],
  INVALID_TICKET: ["Not a valid ticket", "stop"],
  UNKNOWN_TICKET: ["Unknown ticket", "stop"],
};

async function call(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await res.json().catch(() => null);
  return { res, data };
}

async function login(ev) {
  ev.preventDefault();
  const { res, data } = await call("POST", "/api/users/login",
                                   { email: $("door-email").value.trim(), password: $("door-password").value });
  if (!res.ok) return show("INVALID_LOGIN", data ? data.detail : "log in failed");
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
    if (me.res.ok) show("STAFF_ONLY", "this account is not door staff");
    return;
  }
  $("door-who").textContent = `${me.data.name} (${me.data.role})`;
  const { data } = await call("GET", "/api/concerts?size=100");
  const select = $("door-concert");
  select.replaceChildren();
  for (const c of data.items) {
    const o = document.createElement("option");
    o.value = c.id;
    o.textContent = `${c.title} (#${c.id})`;
    select.append(o);
  }
  const wanted = new URLSearchParams(location.search).get("concert");
  if (wanted) select.value = wanted;
  $("door-login").hidden = true;
  $("door-setup").hidden = false;
  $("door-scan").hidden = false;
  $("door-code").focus();
}

function show(result, detail) {
  const [title, kind] = VERDICTS[result] || [result, "stop"];
  const box = $("door-result");
  box.hidden = false;
  box.className = kind;
  box.dataset.result = result;
  $("door-verdict").textContent = title;
  $("door-detail").textContent = detail || "";
}

async function scan(ev) {
  ev.preventDefault();
  const code = $("door-code").value.trim();
  $("door-code").value = "";
  if (!code) return;
  const { res, data } = await call("POST", "/api/checkin",
                                   { code, gate: $("door-gate").value, concertId: Number($("door-concert").value) });
  if (!res.ok) return show(data ? data.code : "ERROR", data ? data.detail : `HTTP ${res.status}`);
  const seat = data.seat ? `${data.seat.section} ${data.seat.row}-${data.seat.number} (${data.seat.grade})` : "";
  const details = {
    ADMITTED: seat,
    ALREADY_USED: `first scanned ${data.firstScanAt ? new Date(data.firstScanAt).toLocaleTimeString() : ""} at ${data.firstGate || "?"}`,
    NOT_OPEN_YET: data.doorsOpenAt ? `doors open ${new Date(data.doorsOpenAt).toLocaleString()}` : "",
    REVOKED: "this code was replaced (transferred) or refunded",
    WRONG_CONCERT: data.ticketConcertId ? `this ticket is for concert #${data.ticketConcertId}` : "",
  };
  show(data.result, details[data.result] || data.detail || "");
  $("door-code").focus();
}

$("door-login").addEventListener("submit", login);
$("door-scan").addEventListener("submit", scan);
if (token) start();
