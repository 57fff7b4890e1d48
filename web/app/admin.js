// Concert Mania admin console: log in as an admin, create venues (with a preview of the seat
// map) and concerts, open and close sales, watch a sale live over the WebSocket, settle
// reservations by hand, and download the sales report.
"use strict";

const $ = (id) => document.getElementById(id);
const T = (key, params) => I18N.t(key, params);
const SVG = "http://www.w3.org/2000/svg";
const GRADE_COLOURS = ["#c2185b", "#5e35b1", "#0277bd", "#2e7d32", "#a15c00", "#8e24aa"];  // as the booking page
let token = sessionStorage.getItem("cm.admin.token");
let venues = [];        // on record: {id, name, grades}, newest first
let socket = null;
let watching = 0;       // concert id the live panel shows
let series = [];        // [at_ms, holds_placed, seats_sold], ascending

function say(text, kind = "") {
  const m = $("message");
  m.textContent = text;
  m.className = kind;
  m.hidden = !text;
}

async function call(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(path, { method, headers,
                                  body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => null);
  // The code's sentence in the reader's language, the server's detail for the operator.
  if (!res.ok) say(T("admin.failed", { what: `${method} ${path}`,
                                        why: data ? `${I18N.problem(data.code) || data.code} (${data.detail})` : res.status }), "error");
  return { res, data };
}

async function login(ev) {
  ev.preventDefault();
  const { res, data } = await call("POST", "/api/users/login",
                                   { email: $("admin-email").value.trim(),
                                     password: $("admin-password").value });
  if (!res.ok) return;
  token = data.accessToken;
  sessionStorage.setItem("cm.admin.token", token);
  await start();
}

async function start() {
  const me = await call("GET", "/api/users/me");
  if (!me.res.ok || me.data.role !== "ADMIN") {
    token = null;
    sessionStorage.removeItem("cm.admin.token");
    $("admin-login").hidden = false;
    if (me.res.ok) say(T("admin.notAdmin"), "error");
    return;
  }
  say("");
  $("admin-who").textContent = `${me.data.name} (ADMIN)`;
  $("admin-login").hidden = true;
  $("admin-work").hidden = false;
  defaultTimes();
  renderPreview();
  await loadVenues();
  await loadConcerts();
  await startSupport();  // admin_support.js
}

// ---- venues --------------------------------------------------------------------------------

function venueInput() {
  const grades = $("venue-grades").value.split(",").map((g) => g.trim()).filter(Boolean);
  const n = (id) => Number($(id).value);
  const v = { name: $("venue-name").value.trim(), grades,
              grid: { sections: n("venue-sections"), rows: n("venue-rows"),
                      seatsPerRow: n("venue-seats"), rowsPerGrade: n("venue-rows-per-grade") } };
  // Wheelchair spaces at the start of each section's back row, companion seats beside them.
  const seats = v.grid.seatsPerRow, wheelchair = Math.max(0, Math.min(n("venue-wheelchair"), seats));
  const companion = Math.max(0, Math.min(n("venue-companion"), seats - wheelchair));
  const numbers = (from, count) => Array.from({ length: count }, (_, i) => from + i);
  v.accessibility = [];
  for (let s = 1; s <= v.grid.sections && v.grid.rows > 0; ++s) {
    const at = { section: "S" + s, row: String(v.grid.rows) };
    if (wheelchair) v.accessibility.push({ ...at, seats: numbers(1, wheelchair), attributes: ["WHEELCHAIR"] });
    if (companion) v.accessibility.push({ ...at, seats: numbers(wheelchair + 1, companion), attributes: ["COMPANION"] });
  }
  if (!v.accessibility.length) delete v.accessibility;
  v.marks = { wheelchair, companion };
  return v;
}

// The venue the form would create, as the server builds it and the booking page draws it
// (POST /api/admin/venues/preview, HallPlan): asked for a moment after the form stops changing.
let previewTimer = 0, previewAsked = 0;
function renderPreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(drawPreview, 200);
}

async function drawPreview() {
  const { marks, ...v } = venueInput();
  const box = $("venue-preview");
  const g = v.grid;
  if (!(g.sections > 0 && g.rows > 0 && g.seatsPerRow > 0 && g.rowsPerGrade > 0) || !v.grades.length)
    return box.replaceChildren();
  const asked = ++previewAsked;
  const res = await fetch("/api/admin/venues/preview", {
    method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify(v) });
  const data = await res.json().catch(() => null);
  if (asked !== previewAsked) return;  // the form changed meanwhile: a newer preview is coming
  if (!res.ok) {
    const why = document.createElement("p");
    why.className = "preview-error";
    why.textContent = data ? `${I18N.problem(data.code) || data.code} (${data.detail})` : String(res.status);
    return box.replaceChildren(why);
  }
  box.replaceChildren(drawVenue(data.layout, data.sections, "venue-preview-svg"));
  const perGrade = v.grades.map(() => 0);
  let wheelchair = 0, companion = 0;
  for (const section of data.sections)
    for (const row of section.rows)
      for (const [, , grade, , , attributes] of row.seats) {
        ++perGrade[grade];
        if ((attributes || []).includes("WHEELCHAIR")) ++wheelchair;
        if ((attributes || []).includes("COMPANION")) ++companion;
      }
  const legend = document.createElement("div");
  legend.className = "preview-legend";
  legend.textContent = T("admin.previewSeats", { total: data.seatCount,
                                                 grades: v.grades.map((name, i) => `${name} ${perGrade[i]}`).join(", ") });
  box.append(legend);
  if (wheelchair + companion) {
    const marksNote = document.createElement("div");
    marksNote.className = "preview-accessible";
    marksNote.textContent = T("admin.previewAccessible", { wheelchair, companion });
    box.append(marksNote);
  }
}

// A venue's plan as the booking page draws it, sections tinted by their best grade, and, when
// given, every seat in its grade's colour (wheelchair spaces and companion seats outlined).
function drawVenue(layout, sections, id) {
  const svg = HallPlan.draw(layout, { stageLabel: T("admin.stage"), hallLabel: T("admin.preview") });
  if (id) svg.id = id;
  svg.classList.add("venue-plan");
  for (const g of svg.querySelectorAll(".hall-section")) {
    const runs = layout.sections[Number(g.dataset.section)].gradeRuns;
    const best = runs.length ? Math.min(...runs.map((r) => r[0])) : 0;
    g.firstChild.style.fill = GRADE_COLOURS[best % GRADE_COLOURS.length];
    g.firstChild.style.fillOpacity = sections ? "0.18" : "0.7";
  }
  if (sections) HallPlan.drawSeats(svg, layout, sections, (grade) => GRADE_COLOURS[grade % GRADE_COLOURS.length]);
  return svg;
}

// Every venue on record (newest first), for the concert form and the list drawn above it.
async function loadVenues(selected) {
  const { res, data } = await call("GET", "/api/admin/venues?size=100");
  if (!res.ok) return;
  venues = data.items.map((v) => ({ id: v.id, name: v.name, grades: v.grades }));
  fillVenues(selected || (venues[0] && venues[0].id));
  const list = $("venue-list");
  list.replaceChildren();
  for (const v of data.items) {
    const item = document.createElement("li");
    item.className = "venue-card";
    const head = document.createElement("h3");
    head.textContent = `${v.name} (#${v.id})`;
    const facts = document.createElement("p");
    facts.textContent = T("admin.venueFacts", { seats: v.seatCount.toLocaleString(I18N.lang),
                                                grades: v.grades.join(", "),
                                                concerts: v.concerts.length });
    const use = document.createElement("button");
    use.type = "button";
    use.className = "secondary";
    use.textContent = T("admin.scheduleHere");
    use.addEventListener("click", () => {
      fillVenues(v.id);
      $("concert-panel").scrollIntoView({ block: "start" });
      $("concert-title").focus();
    });
    const copy = document.createElement("button");
    copy.type = "button";
    copy.className = "secondary";
    copy.textContent = T("admin.copyVenue");
    copy.addEventListener("click", () => Designer.copy(v.id));
    item.append(head, drawVenue(v.layout, null), facts, use, copy);
    list.append(item);
  }
}

async function createVenue(ev) {
  ev.preventDefault();
  const { marks, ...v } = venueInput();
  const { res, data } = await call("POST", "/api/admin/venues", v);
  if (!res.ok) return;
  say(T("admin.venueCreated", { id: data.id }));
  await loadVenues(data.id);
}

function fillVenues(selected) {
  const select = $("concert-venue");
  select.replaceChildren();
  for (const v of venues) {
    const o = document.createElement("option");
    o.value = v.id;
    o.textContent = `${v.name} (#${v.id})`;
    select.append(o);
  }
  if (selected) select.value = selected;
  fillPrices();
}

function fillPrices() {
  const venue = venues.find((v) => String(v.id) === $("concert-venue").value);
  const box = $("concert-prices");
  box.replaceChildren();
  if (!venue) return;
  venue.grades.forEach((g, i) => {
    const label = document.createElement("label");
    label.textContent = T("admin.gradePrice", { grade: g }) + " ";
    const input = document.createElement("input");
    input.type = "number";
    input.min = "0";
    input.required = true;
    input.dataset.grade = g;
    input.value = String(Math.max(10000, 150000 - 40000 * i));
    label.append(input);
    box.append(label);
  });
}

// ---- concerts ------------------------------------------------------------------------------

function localInput(ms) {
  const d = new Date(ms - new Date().getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

function defaultTimes() {
  const now = Date.now();
  $("concert-starts").value = localInput(now + 30 * 86400000);
  $("concert-doors").value = localInput(now + 30 * 86400000 - 2 * 3600000);
  $("concert-opens").value = localInput(now - 60000);
  $("concert-closes").value = localInput(now + 29 * 86400000);
  $("presale-closes").value = localInput(now + 86400000);
  $("general-opens").value = localInput(now + 2 * 86400000);
}

async function createConcert(ev) {
  ev.preventDefault();
  const prices = {};
  for (const input of $("concert-prices").querySelectorAll("input"))
    prices[input.dataset.grade] = Number(input.value);
  const body = {
    venueId: Number($("concert-venue").value),
    title: $("concert-title").value.trim(),
    startsAt: new Date($("concert-starts").value).getTime(),
    salesOpenAt: new Date($("concert-opens").value).getTime(),
    salesCloseAt: new Date($("concert-closes").value).getTime(),
    prices,
    holdTtlSeconds: Number($("concert-ttl").value),
    maxSeatsPerUser: Number($("concert-limit").value),
    refundPolicy: { deadlineHours: Number($("refund-hours").value), feePercent: Number($("refund-fee").value) },
  };
  if ($("concert-doors").value) body.doorsOpenAt = new Date($("concert-doors").value).getTime();
  const room = $("room-enabled").checked
    ? { maxActive: Number($("room-max-active").value), admitPerSecond: Number($("room-rate").value) }
    : null;
  // A fan club presale, then the general sale: each with the room, if there is one.
  if ($("presale-enabled").checked) {
    const presale = { name: $("presale-name").value.trim() || T("admin.presaleDefault"),
                      opensAt: body.salesOpenAt, closesAt: new Date($("presale-closes").value).getTime(),
                      maxSeatsPerUser: Number($("presale-limit").value), membersOnly: true };
    const general = { name: T("admin.generalDefault"), opensAt: new Date($("general-opens").value).getTime(),
                      closesAt: body.salesCloseAt, maxSeatsPerUser: body.maxSeatsPerUser };
    if (room) presale.waitingRoom = general.waitingRoom = room;
    body.salePhases = [presale, general];
  } else if (room) {
    body.waitingRoom = room;
  }
  body.returnWindowSeconds = Number($("concert-return-window").value);
  if ($("bank-enabled").checked) body.bankTransfer = { depositDays: Number($("deposit-days").value) };
  body.accessibleSeats = { companionsPerSpace: Math.max(0, Number($("concert-companions").value || 1)) };
  if ($("concert-accessible-release").value)
    body.accessibleSeats.releaseAt = new Date($("concert-accessible-release").value).getTime();
  if ($("pow-enabled").checked) {
    const difficulty = Number($("pow-difficulty").value);
    body.proofOfWork = { difficulty, cost: Number($("pow-cost").value),
                         maxDifficulty: Math.max(difficulty, Number($("pow-max").value)),
                         risePerSecond: Number($("pow-rise").value) };
  }
  const { res, data } = await call("POST", "/api/admin/concerts", body);
  if (!res.ok) return;
  say(T("admin.concertCreated", { id: data.id, status: `${T("status." + data.status)}, ${data.status}` }));
  await loadConcerts(data.id);
}

async function loadConcerts(selected) {
  const { res, data } = await call("GET", "/api/concerts?status=all&size=100");
  if (!res.ok) return;
  const select = $("concert-select");
  select.replaceChildren();
  for (const c of data.items) {
    const o = document.createElement("option");
    o.value = c.id;
    o.textContent = `${c.title} (#${c.id}, ${T("status." + c.status)})`;
    select.append(o);
  }
  if (selected) select.value = selected;
  $("history-concert").replaceChildren(...[...select.options].map((o) => o.cloneNode(true)));
}

// Lines with an "@" are emails, the rest member codes; sent 10,000 at a time (the first
// replaces the list when asked).
async function uploadMembers(ev) {
  ev.preventDefault();
  const id = $("concert-select").value;
  if (!id) return;
  const lines = $("members-text").value.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  let replace = $("members-replace").checked, data = null;
  for (let i = 0; i < lines.length; i += 10000) {
    const part = lines.slice(i, i + 10000);
    const body = { replace, emails: part.filter((l) => l.includes("@")), codes: part.filter((l) => !l.includes("@")) };
    const r = await call("PUT", `/api/admin/concerts/${id}/members`, body);
    if (!r.res.ok) return;
    data = r.data;
    replace = false;
  }
  if (data) {
    say(T("admin.membersListed", { id, members: data.members, claimed: data.codesClaimed }));
    $("members-text").value = "";
  }
}

async function setSales(open) {
  const id = $("concert-select").value;
  if (!id) return;
  const { res, data } = await call("POST", `/api/admin/concerts/${id}/${open ? "open" : "close"}`);
  if (!res.ok) return;
  say(T("admin.concertIs", { id, status: `${T("status." + data.status)} (${data.status})` }));
  await loadConcerts(id);
}

async function downloadReport() {
  const id = $("concert-select").value;
  if (!id) return;
  const res = await fetch(`/api/admin/concerts/${id}/report?format=csv`,
                          { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) return say(T("admin.reportFailed", { status: res.status }), "error");
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await res.blob());
  link.download = `concert-${id}-report.csv`;
  link.click();
  URL.revokeObjectURL(link.href);
}

// ---- the live sale -------------------------------------------------------------------------

function watch() {
  const id = Number($("concert-select").value);
  if (!id) return;
  watching = id;
  series = [];
  $("live").hidden = false;
  pollServer();
  if (socket && socket.readyState === WebSocket.OPEN) return subscribe();
  if (socket) socket.close();
  socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  socket.onopen = () => {
    socket.send(JSON.stringify({ type: "notifications", token }));
    subscribe();
  };
  socket.onmessage = (ev) => {
    const messages = JSON.parse(ev.data);
    for (const m of Array.isArray(messages) ? messages : [messages]) onMessage(m);
  };
  socket.onclose = () => {
    $("live-status").textContent = T("admin.reconnecting");
    setTimeout(() => { if (watching) { socket = null; watch(); } }, 2000);
  };
}

function subscribe() {
  socket.send(JSON.stringify({ type: "sale", concertId: watching }));
}

function onMessage(m) {
  if (m.type === "error") return say(T("live.error", { detail: I18N.problem(m.code) || m.detail }), "error");
  if (m.type !== "sale" || m.concertId !== watching) return;
  for (const p of m.series)
    if (!series.length || p[0] > series[series.length - 1][0]) series.push(p);
  const horizon = Date.now() - 10 * 60 * 1000;
  while (series.length && series[0][0] < horizon) series.shift();
  renderSale(m);
  renderChart();
}

function renderSale(m) {
  $("live-title").textContent = `${m.title} (#${m.concertId})`;
  $("live-status").textContent = `${T("status." + m.status)} · seq ${m.asOfSeq} · ${I18N.clock(m.at)}`;
  const body = $("grade-table").querySelector("tbody");
  body.replaceChildren();
  const total = { available: 0, held: 0, sold: 0 };
  for (const g of m.grades) {
    const tr = document.createElement("tr");
    tr.dataset.grade = g.grade;
    // Off sale counts as held: held now, or given up and not back on sale yet (returning).
    const held = g.held + (g.returning || 0);
    for (const v of [g.grade, I18N.money(g.price), g.available, held, g.sold]) {
      const td = document.createElement("td");
      td.textContent = v;
      tr.append(td);
    }
    body.append(tr);
    total.available += g.available;
    total.held += held;
    total.sold += g.sold;
  }
  $("total-available").textContent = total.available;
  $("total-held").textContent = total.held;
  $("total-sold").textContent = total.sold;
  $("stat-captured").textContent = I18N.money(m.revenue.captured);
  $("stat-refunded").textContent = I18N.money(m.revenue.refunded);
  $("stat-live-holds").textContent = m.holds.live;
  $("stat-expiring").textContent = m.holds.expiringNextMinute;
  $("stat-waiting").textContent = m.queue ? T("admin.inLine", { waiting: m.queue.waiting, inLine: m.queue.inLine })
                                          : T("admin.noRoom");
  $("stat-admission-rate").textContent = m.queue ? m.queue.admissionRate.toFixed(1) : "-";
  $("stat-payment-success").textContent =
      m.payments.successRate === null ? "-" : `${(100 * m.payments.successRate).toFixed(1)} %`;
  $("stat-payment-failed").textContent = m.payments.failed;
  const seats = total.available + total.held + total.sold;
  $("stat-sold-pct").textContent = seats ? `${(100 * total.sold / seats).toFixed(1)} %` : "-";
  const perSecond = series.length ? series[series.length - 1][1] : 0;
  $("stat-holds-rate").textContent = String(perSecond);
}

// The server's own figures (GET /api/admin/live-metrics, read from /metrics), every 2 s while
// a sale is watched.
let serverTimer = 0;
async function pollServer() {
  clearTimeout(serverTimer);
  if (!watching) return;
  const { res, data } = await call("GET", "/api/admin/live-metrics");
  if (res.ok) {
    $("stat-hold-p99").textContent = data.holds.requests ? `${data.holds.p99Ms.toFixed(1)} ms` : "-";
    $("stat-ring").textContent = `${data.ring.depth} / ${data.ring.capacity}`;
    const r = data.replication;
    $("stat-replication").textContent = r.lagEvents !== undefined ? T("admin.lagEvents", { n: r.lagEvents })
      : r.followerLagSeconds !== undefined ? `${r.followerLagSeconds.toFixed(2)} s` : T("admin.noReplica");
    $("stat-provider-errors").textContent = String(data.payments.declined + data.payments.errors);
    $("stat-engine").textContent = T(data.engineHalted ? "admin.engineHalted" : "admin.engineRunning");
  }
  const alerts = await call("GET", "/api/admin/alerts");
  if (alerts.res.ok) {
    const a = alerts.data, list = $("alerts-list");
    list.replaceChildren();
    const line = (text, kind) => {
      const li = document.createElement("li");
      li.textContent = text;
      if (kind) li.className = kind;
      list.append(li);
    };
    if (a.source === null) line(T("admin.noAlertSource"));
    else if (a.error) line(T("admin.alertsFailed", { why: a.error }), "error");
    else if (!a.alerts.length) line(T("admin.noAlerts"));
    for (const x of a.alerts)
      line(`${x.state === "firing" ? "🔴" : "🟡"} ${x.name} (${x.severity || "-"}): ${x.summary}`, "alert-" + x.state);
  }
  serverTimer = setTimeout(pollServer, 2000);
}

// Per-second rates from consecutive samples, as two polylines over the last 10 minutes.
function renderChart() {
  const svg = $("chart");
  svg.replaceChildren();
  const W = 600, H = 160, now = Date.now(), span = 10 * 60 * 1000;
  const rates = [];
  for (let i = 1; i < series.length; ++i) {
    const dt = (series[i][0] - series[i - 1][0]) / 1000;
    if (dt <= 0) continue;
    rates.push([series[i][0], (series[i][1] - series[i - 1][1]) / dt,
                (series[i][2] - series[i - 1][2]) / dt]);
  }
  const top = Math.max(1, ...rates.map((r) => Math.max(r[1], r[2])));
  const axis = document.createElementNS(SVG, "text");
  axis.setAttribute("x", 4);
  axis.setAttribute("y", 12);
  axis.setAttribute("fill", "#9aa0b8");
  axis.setAttribute("font-size", "10");
  axis.textContent = `${top.toFixed(1)}/s`;
  svg.append(axis);
  for (const [column, cls] of [[1, "holds"], [2, "sales"]]) {
    const line = document.createElementNS(SVG, "polyline");
    line.setAttribute("class", `line ${cls}`);
    line.setAttribute("fill", "none");
    line.setAttribute("points", rates.map((r) =>
        `${(W * (1 - (now - r[0]) / span)).toFixed(1)},${(H - 4 - (H - 20) * r[column] / top).toFixed(1)}`)
        .join(" "));
    svg.append(line);
  }
}

async function settle(confirm) {
  const id = $("settle-id").value;
  if (!id) return;
  const { res, data } = await call("POST", `/api/admin/reservations/${id}/${confirm ? "confirm" : "refund"}`);
  if (res.ok) say(T("admin.reservationIs", { id, status: data.status }));
}

// ---- wiring --------------------------------------------------------------------------------

$("admin-login").addEventListener("submit", login);
$("venue-form").addEventListener("submit", createVenue);
$("venue-form").addEventListener("input", renderPreview);
$("concert-form").addEventListener("submit", createConcert);
$("concert-venue").addEventListener("change", fillPrices);
$("members-form").addEventListener("submit", uploadMembers);
$("watch").addEventListener("click", watch);
$("open-sales").addEventListener("click", () => setSales(true));
$("close-sales").addEventListener("click", () => setSales(false));
$("download-report").addEventListener("click", downloadReport);
$("settle-form").addEventListener("submit", (ev) => { ev.preventDefault(); settle(true); });
$("settle-refund").addEventListener("click", () => settle(false));
if (token) start();
$("lang-switch").addEventListener("click", () => { I18N.setLang(I18N.lang === "ko" ? "en" : "ko"); });
I18N.apply();
