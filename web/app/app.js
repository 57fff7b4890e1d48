// Concert Mania booking page, made for a phone first: concert list, the hall one section at a
// time (hall.js; live over the WebSocket: snapshot + deltas), holds with their countdown and
// payment, tickets with transfer offers. Words come from i18n.js (Korean or English). Plain JS; talks
// only to the server that served it.
"use strict";

// Grade colours that keep white text at 4.5:1 or more (WCAG AA) and differ in hue.
const GRADE_COLOURS = ["#c2185b", "#5e35b1", "#0277bd", "#2e7d32", "#a15c00", "#8e24aa", "#00796b", "#6d4c41"];
const PAY_METHODS = ["CARD", "EASY_PAY", "BANK_TRANSFER"];
const WALLETS = ["KAKAOPAY", "NAVERPAY", "TOSSPAY"];  // 간편결제 goes through one of these

const state = {
  auth: JSON.parse(sessionStorage.getItem("cm.auth") || "null"), // {accessToken, refreshToken, email}
  concert: null,        // details of the open concert
  layout: null,         // the hall's plan: stage, sections' outlines, seat ids and grades
  letters: null,        // Uint8Array: each seat's status letter (A, H, S), by seat id (hall.js)
  sectionOf: null,      // Uint16Array: each seat's section
  gradeOf: null,        // Uint8Array: each seat's grade
  plans: new Map(),     // section index -> its rows of seat ids and their boxes (opened sections)
  sectionLoading: null, // the section whose seats are being fetched
  seats: new Map(),     // seat id -> {grade, price, section, row, number, left, top, el} (opened sections)
  panzoom: null,        // the open section's pan and zoom
  panFrom: null,        // where the last pan started (a drag's end is not a tap)
  gradeFree: [],        // per section, per grade: available seats (kept as seats change)
  section: 0,           // the section drawn
  focusSeat: null,      // the grid's one tab stop
  lastSeq: null,        // seq of the seat map we show
  selected: new Set(),
  holds: [],            // my HELD or PAYMENT_PENDING reservations for the open concert
  payMethod: new Map(), // reservation id -> the method picked
  payWallet: new Map(), // reservation id -> the 간편결제 wallet picked
  ws: null,
  wsRetry: 0,
  queue: null,          // my waiting-room ticket for the open concert (null: none)
  queueTimer: null,
};

const $ = (id) => document.getElementById(id);
const T = (key, params) => I18N.t(key, params);
const money = (n) => I18N.money(n);
const zoneOf = (c) => (c && c.timeZone) || "Asia/Seoul";

// ---- messages --------------------------------------------------------------------------------

let messageTimer = null;
// A note above the bottom bar (it never covers what is being read); `action`: a button in it,
// {label, run}. A tap elsewhere on it puts it away.
function say(text, kind = "info", ms = 6000, action = null) {
  const box = $("message");
  box.textContent = text;
  box.className = kind;
  if (action) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = action.label;
    b.addEventListener("click", (ev) => { ev.stopPropagation(); box.hidden = true; action.run(); });
    box.append(" ", b);
  }
  box.hidden = false;
  clearTimeout(messageTimer);
  if (ms) messageTimer = setTimeout(() => { box.hidden = true; }, ms);
}

// A problem answer in the reader's language: its stable code picks the sentence.
function explain(res, body, actionKey) {
  const seconds = res.headers.get("Retry-After") || "10";
  const known = body && body.code && I18N.problem(body.code, { seconds });
  if (known) return known;
  if (res.status === 429) return T("error.wait", { seconds });
  if (res.status === 503) return T("error.busy");
  return T("error.generic", { action: T(actionKey), detail: (body && body.detail) || res.statusText });
}

// ---- HTTP ------------------------------------------------------------------------------------

async function api(method, path, body, retried = false, extraHeaders = {}) {
  const headers = { "Accept": "application/json", ...extraHeaders };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (state.auth) headers["Authorization"] = "Bearer " + state.auth.accessToken;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  const text = await res.text();
  if (text) { try { data = JSON.parse(text); } catch { data = null; } }
  if (res.status === 401 && state.auth && !retried && await refresh()) return api(method, path, body, true, extraHeaders);
  return { res, data };
}

// One refresh at a time: parallel 401s share it, since a refresh token works once (a second use
// would look like theft and end the session).
let refreshing = null;
function refresh() {
  refreshing ||= doRefresh().finally(() => { refreshing = null; });
  return refreshing;
}

async function doRefresh() {
  const res = await fetch("/api/users/refresh", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refreshToken: state.auth.refreshToken }),
  });
  if (!res.ok) { setAuth(null); say(T("account.sessionEnded"), "warn"); return false; }
  const data = await res.json();
  setAuth({ ...state.auth, accessToken: data.accessToken, refreshToken: data.refreshToken });
  return true;
}

// fetch with the session's bearer token, refreshed once on a 401 (ALTCHA's widget fetches its
// challenges through it).
async function authFetch(url, init = {}) {
  const send = () => fetch(url, { ...init, headers: { ...(init.headers || {}), Authorization: "Bearer " + (state.auth ? state.auth.accessToken : "") } });
  const res = await send();
  return res.status === 401 && state.auth && await refresh() ? send() : res;
}

// The proof-of-work widget where the shown concert asks for it (pow.js).
function setupPow() {
  Pow.setup(state.concert, !!state.auth, { JOIN_QUEUE: $("queue-join"), HOLD: $("legend") }, authFetch, I18N.lang);
}

function setAuth(auth) {
  state.auth = auth;
  if (auth) sessionStorage.setItem("cm.auth", JSON.stringify(auth));
  else sessionStorage.removeItem("cm.auth");
  $("login-form").hidden = !!auth;
  $("signed-in").hidden = !auth;
  $("who").textContent = auth ? auth.email : "";
  subscribeNotifications();
  if (state.concert) refreshQueue();
  setupPow();
  if (state.concert) phases.show(state.concert);  // the member entry is the signed-in fan's
}

// ---- account ---------------------------------------------------------------------------------

async function login(email, password) {
  const { res, data } = await api("POST", "/api/users/login", { email, password });
  if (!res.ok) return say(explain(res, data, "action.login"), "error");
  setAuth({ accessToken: data.accessToken, refreshToken: data.refreshToken, email });
  say(T("account.welcome", { email }));
  if (state.concert) loadHolds();
  if (location.hash === "#tickets") showTickets();
}

async function signup() {
  const email = $("email").value.trim(), password = $("password").value;
  const name = $("name").value.trim() || email.split("@")[0];
  const { res, data } = await api("POST", "/api/users/signup", { email, password, name });
  if (!res.ok) return say(explain(res, data, "action.signup"), "error");
  await login(email, password);
}

async function logout() {
  if (state.auth) await api("POST", "/api/users/logout", { refreshToken: state.auth.refreshToken });
  setAuth(null);
  state.holds = [];
  renderHolds();
  // Nothing of the last user stays: their tickets' codes, their notification stream.
  if (state.ws) state.ws.close();
  route();
}

// ---- concerts --------------------------------------------------------------------------------

function statusWord(status) { return T("status." + status); }

async function loadConcerts() {
  const { res, data } = await api("GET", "/api/concerts?size=100");
  if (!res.ok) return say(explain(res, data, "action.loadConcerts"), "error");
  const list = $("concert-list");
  list.replaceChildren();
  for (const c of data.items) {
    const li = document.createElement("li");
    li.dataset.concert = c.id;
    const a = document.createElement("a");
    a.href = "#concert/" + c.id;
    a.innerHTML = `<strong></strong><span class="where"></span><span class="status"></span>`;
    a.children[0].textContent = c.title;
    a.children[1].textContent = T("concert.meta", { venue: c.venue.name, when: I18N.time(c.startsAt, zoneOf(c)) });
    a.children[2].textContent = `${statusWord(c.status)} · ` +
      T("concerts.left", { left: c.seatsAvailable, total: c.seatsTotal, price: money(c.minPrice) });
    li.append(a);
    list.append(li);
  }
  if (!data.items.length) list.innerHTML = `<li class="empty"></li>`, list.firstChild.textContent = T("concerts.none");
}

async function openConcert(id) {
  const { res, data } = await api("GET", `/api/concerts/${id}`);
  if (!res.ok) { say(explain(res, data, "action.openConcert"), "error"); location.hash = ""; return; }
  if (state.concert && state.concert.id !== data.id && state.ws && state.ws.readyState === WebSocket.OPEN)
    state.ws.send(JSON.stringify({ type: "unsubscribe", concertId: state.concert.id }));
  const same = state.concert && state.concert.id === data.id;
  state.concert = data;
  if (!same) {
    for (const id of ["legend", "section-picker", "hall"]) $(id).replaceChildren();
    state.holds = [];
    renderHolds();
    state.layout = null;
    state.letters = null;
    state.plans.clear();
    state.seats.clear();
    state.sectionLoading = null;
    state.lastSeq = null;
    state.section = 0;
    state.focusSeat = null;
    state.selected.clear();
  }
  $("concerts-view").hidden = true;
  $("tickets-view").hidden = true;
  $("concert-view").hidden = false;
  renderConcertHead();
  if (same && hallReady()) {
    renderOverview();
    subscribeConcert();
  } else {
    $("seat-map").textContent = T("concert.loading");
    loadHall(data.id);
  }
  loadHolds();
  updateSelection();
  if (!same) state.queue = null;
  refreshQueue();
  setupPow();
  phases.show(data);
}

function renderConcertHead() {
  const c = state.concert;
  if (!c) return;
  $("concert-title").textContent = c.title;
  $("concert-meta").textContent = T("concert.meta", { venue: c.venue.name, when: I18N.time(c.startsAt, zoneOf(c)) }) +
    ` · ${statusWord(c.status)}`;
  $("concert-rules").textContent = T("concert.rules", { minutes: Math.round(c.holdTtlSeconds / 60), max: c.maxSeatsPerUser });
  phases.render(c);
  // Wheelchair spaces and companion seats: who they are for, and until when.
  const acc = c.accessibleSeats, spaces = acc ? acc.wheelchairSpaces : 0;
  $("concert-accessible").hidden = !(spaces && acc.heldBack);
  if (spaces && acc.heldBack)
    $("concert-accessible").textContent = acc.releaseAt
      ? T("concert.accessibleUntil", { until: I18N.time(acc.releaseAt, zoneOf(c)), n: acc.companionsPerSpace })
      : T("concert.accessibleKept", { n: acc.companionsPerSpace });
  $("best-accessible-box").hidden = !spaces;
  if (!spaces || $("best-accessible").dataset.concert !== String(c.id)) $("best-accessible").checked = false;
  $("best-accessible").dataset.concert = c.id;  // a choice made for one concert stays with it
  const grades = $("best-grade");
  grades.replaceChildren(new Option(T("shop.anyGrade"), ""));
  for (const g of c.grades) grades.append(new Option(`${g.name} (${money(g.price)})`, g.name));
}

function closeConcert() {
  if (state.concert && state.ws && state.ws.readyState === WebSocket.OPEN)
    state.ws.send(JSON.stringify({ type: "unsubscribe", concertId: state.concert.id }));
  state.concert = null;
  phases.hide();
  setupPow();
  state.layout = null;
  state.letters = null;
  state.plans.clear();
  state.seats.clear();
  clearTimeout(state.queueTimer);
  $("concert-view").hidden = true;
  $("concerts-view").hidden = false;
  loadConcerts();
}

// With nothing picked, the bar's button pays the soonest hold (with the method chosen on it).
const expiredHolds = new Set();  // told once each, whatever loadHolds replaces
function updateBarPay() {
  const next = state.holds.filter((h) => h.status === "HELD" && Date.parse(h.expiresAt) > Date.now())
    .sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt))[0];
  const b = $("bar-pay");
  b.hidden = !next || state.selected.size > 0;
  $("hold-selected").hidden = !b.hidden;
  if (next) {
    b.textContent = T("holds.pay", { amount: money(next.amount) });
    b.onclick = () => { b.disabled = true; pay(next).finally(() => { b.disabled = false; }); };
  }
}

function updateSelection() {
  const ids = [...state.selected].filter((id) => state.seats.has(id));
  const total = ids.reduce((sum, id) => sum + state.seats.get(id).price, 0);
  const held = state.holds.filter((h) => h.status === "HELD");
  $("selection").textContent = ids.length
    ? T("shop.selection", { count: ids.length, total: money(total) }) + " — " +
      ids.map((id) => seatLabel(state.seats.get(id))).join(", ")
    : held.length ? T("shop.heldBar", { count: held.reduce((n, h) => n + h.seats.length, 0),
                                        total: money(held.reduce((n, h) => n + h.amount, 0)) })
    : T("shop.none");
  $("hold-selected").disabled = ids.length === 0;
  $("action-bar").classList.toggle("has-selection", ids.length > 0);
  updateBarPay();
}

// ---- live updates (WebSocket) -----------------------------------------------------------------

function setLive(key, live) {
  $("live-state").textContent = T(key);
  $("live-state").dataset.key = key;
  $("live-state").className = live ? "live" : "";
}

function connect() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  state.ws = ws;
  ws.onopen = () => {
    state.wsRetry = 0;
    setLive("concert.live", true);
    subscribeConcert();
    subscribeNotifications();
  };
  ws.onmessage = (ev) => {
    const frame = JSON.parse(ev.data);
    for (const m of Array.isArray(frame) ? frame : [frame]) onLiveMessage(m);
  };
  ws.onclose = (ev) => {
    setLive(ev.code === 4001 ? "concert.catchingUp" : "concert.reconnecting", false);
    const delay = Math.min(10000, 500 * 2 ** state.wsRetry++);
    setTimeout(connect, delay);
  };
}

// The snapshot comes as one status letter per seat (the plan has the rest); once the page has
// one, a resubscription resumes from the last seq seen.
function subscribeConcert(fromSeq = state.lastSeq) {
  if (!state.concert || !state.layout || !state.ws || state.ws.readyState !== WebSocket.OPEN) return;
  const msg = { type: "subscribe", concertId: state.concert.id, seats: "letters" };
  if (fromSeq !== null && state.letters) msg.lastSeq = fromSeq;
  state.ws.send(JSON.stringify(msg));
}

function subscribeNotifications() {
  if (state.auth && state.ws && state.ws.readyState === WebSocket.OPEN) {
    state.ws.send(JSON.stringify({ type: "notifications", token: state.auth.accessToken }));
    watchQueue();
  }
}

// ---- waiting room ----------------------------------------------------------------------------
// A concert with a waiting room shows the line (position, estimated wait) instead of the seat
// pickers until the user is admitted. Updates come over the WebSocket; polling backs it up.

function watchQueue() {
  if (state.concert && state.concert.waitingRoom && state.ws && state.ws.readyState === WebSocket.OPEN)
    state.ws.send(JSON.stringify({ type: "queue", concertId: state.concert.id }));
}

async function refreshQueue() {
  clearTimeout(state.queueTimer);
  const c = state.concert;
  if (!c || !c.waitingRoom) return renderQueue();
  if (state.auth) {
    const { res, data } = await api("GET", `/api/v1/concerts/${c.id}/queue/me`);
    if (state.concert !== c) return;
    state.queue = res.ok ? data : null;
  }
  renderQueue();
  const every = state.queue ? state.queue.pollAfterSeconds : 10;
  state.queueTimer = setTimeout(refreshQueue, every * 1000);
}

function duration(seconds) {
  if (seconds < 60) return T("duration.s", { n: seconds });
  if (seconds < 3600) return T("duration.min", { n: Math.round(seconds / 60) });
  return T("duration.h", { n: (seconds / 3600).toFixed(1) });
}

function renderQueue() {
  const c = state.concert, t = state.queue;
  const gated = !!(c && c.waitingRoom);
  const admitted = t && t.status === "ADMITTED";
  $("queue-panel").hidden = !gated;
  $("shop-panel").hidden = gated && !admitted;
  if (!gated) return;
  const live = t && (t.status === "WAITING" || t.status === "ADMITTED");
  $("queue-join").hidden = !state.auth || live;
  // The bot check is asked of the join: once in line it has nothing more to do.
  if (Pow.asks(c, "JOIN_QUEUE")) $("pow-box").hidden = !state.auth || live;
  $("queue-leave").hidden = !live;
  let text;
  if (!state.auth) text = T("queue.login");
  else if (!t) text = T("queue.intro", { waiting: c.waitingRoom.waiting });
  else if (t.status === "WAITING" && t.preQueued) text = T("queue.pre", { others: t.waiting - 1 });
  else if (t.status === "WAITING")
    text = T("queue.position", { position: t.position, waiting: t.waiting, wait: duration(t.estimatedWaitSeconds) });
  else if (admitted)
    text = T("queue.turn", { until: I18N.clock(t.admittedUntil, zoneOf(c)) }) + (t.holdingSeats ? T("queue.turnHolding") : "");
  else if (t.status === "COMPLETED") text = T("queue.done");
  else if (t.status === "EXPIRED") text = t.endReason === "ABANDONED" ? T("queue.abandoned") : T("queue.expired");
  else text = T("queue.left");
  $("queue-status").textContent = text;
  renderFairness(c, t);
}

// The account id the access token names (its `sub`), for the verifier's --user.
function accountId() {
  try {
    const part = state.auth.accessToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part)).sub;
  } catch (e) {
    return "";
  }
}

// The current phase's committed draw: when it was fixed, my entry in it, and its proof once
// the room has drawn everyone (docs/architecture.md, "The waiting room's proof").
function renderFairness(c, t) {
  const phase = c.currentPhase == null ? 0 : c.currentPhase;
  const d = (c.queueDraws || []).find((x) => x.phase === phase);
  $("queue-fair").hidden = !d;
  if (!d) return;
  $("fair-commitment").textContent =
    T("fair.commitment", { at: I18N.time(d.committedAt, zoneOf(c)), commitment: d.commitment });
  const entry = t && t.drawEntry;
  $("fair-entry").hidden = !entry;
  if (entry) $("fair-entry").textContent = T("fair.entry", { entry, account: accountId() });
  $("fair-proof").hidden = !d.proof;
  $("fair-check").hidden = !d.proof || !DrawCheck.available();
  const file = `queue-proof-${c.id}-${phase}.json`;
  if (d.proof) {
    $("fair-proof").href = d.proof;
    $("fair-proof").download = file;
  }
  $("fair-how").textContent = T("fair.how", { file, account: accountId() || "…" });
  // My place came out of the draw, so the room has opened: its proof is out.
  if (!d.proof && t && !(t.status === "WAITING" && t.preQueued)) refreshDraws(c);
}

// The proof checked here, on the phone: the seal, the order, and where my entry was drawn.
async function checkDraw() {
  const c = state.concert, t = state.queue;
  const phase = c.currentPhase == null ? 0 : c.currentPhase;
  const d = (c.queueDraws || []).find((x) => x.phase === phase);
  if (!d || !d.proof) return;
  const out = $("fair-result");
  out.hidden = false;
  out.className = "";
  out.textContent = T("fair.checking", { percent: 0 });
  $("fair-check").disabled = true;
  try {
    const res = await fetch(d.proof);
    const r = await DrawCheck.check(await res.json(), t && t.drawEntry, accountId(),
                                    (f) => { out.textContent = T("fair.checking", { percent: Math.round(f * 100) }); });
    if (!r.ok) {
      out.className = "warn";
      out.textContent = T("fair.bad." + r.why);
      return;
    }
    let text = T("fair.good", { entries: r.entries });
    if (r.position) text += " " + T("fair.position", { position: r.position });
    if (r.owned === true) text += " " + T("fair.owned");
    else if (r.owned === false) text += " " + T("fair.notOwned");
    else if (r.position) text += " " + T("fair.keyLater");
    out.textContent = text;
  } catch (e) {
    out.className = "warn";
    out.textContent = T("fair.bad.fetch");
  } finally {
    $("fair-check").disabled = false;
  }
}

// The concert's draws again (not the whole page), at most every 10 s.
let drawsFetchedAt = 0;
async function refreshDraws(c) {
  if (Date.now() - drawsFetchedAt < 10000) return;
  drawsFetchedAt = Date.now();
  const { res, data } = await api("GET", `/api/concerts/${c.id}`);
  if (!res.ok || state.concert !== c) return;
  c.queueDraws = data.queueDraws;
  renderFairness(c, state.queue);
}

function onQueueUpdate(m) {
  if (!state.concert || m.concertId !== state.concert.id) return;
  const was = state.queue && state.queue.status;
  state.queue = m.ticket;
  if (m.ticket && m.ticket.status === "ADMITTED" && was !== "ADMITTED") say(T("queue.yourTurn"));
  renderQueue();
}

// The Altcha header when the shown concert asks a proof of work at `askedAt`; null when a
// solution could not be had (the fan is told).
async function powHeaders(askedAt) {
  if (!Pow.asks(state.concert, askedAt)) return {};
  say(T("pow.solving"));
  const payload = await Pow.take(askedAt === "HOLD");
  if (!payload) { say(T("pow.failed"), "error"); return null; }
  return { Altcha: payload };
}

// A request the shown concert gates with a proof of work at `askedAt`: a fresh solution, and
// one more try with another when the server turned it down for a reason a new one cures (it
// expired, the server restarted). Null when no solution could be had.
const POW_RETRY = new Set(["POW_EXPIRED", "POW_REUSED", "POW_FORGED", "POW_UNSOLVED"]);
async function gated(askedAt, method, path, body) {
  for (let attempt = 0; ; ++attempt) {
    const headers = await powHeaders(askedAt);
    if (!headers) return null;
    const r = await api(method, path, body, false, headers);
    const again = r.res.status === 403 && r.data && POW_RETRY.has(r.data.code);
    if (!again || attempt === 1 || !Pow.asks(state.concert, askedAt)) return r;
  }
}

async function joinQueue() {
  if (!state.auth) return say(T("queue.login"), "warn");
  const r = await gated("JOIN_QUEUE", "POST", `/api/v1/concerts/${state.concert.id}/queue`);
  if (!r) return;
  const { res, data } = r;
  if (!res.ok) return say(explain(res, data, "action.joinQueue"), "error");
  state.queue = data;
  renderQueue();
  watchQueue();
  refreshQueue();
}

async function leaveQueue() {
  const { res, data } = await api("DELETE", `/api/v1/concerts/${state.concert.id}/queue/me`);
  if (!res.ok && res.status !== 404) return say(explain(res, data, "action.leaveQueue"), "error");
  state.queue = res.ok ? data : null;
  renderQueue();
}

function onLiveMessage(m) {
  switch (m.type) {
    case "snapshot":
      if (!state.concert || m.concertId !== state.concert.id || !state.layout || !m.seats) return;
      state.lastSeq = m.seq;
      applyLetters(m.seats);
      break;
    case "delta":
      if (!state.concert || m.concertId !== state.concert.id || state.lastSeq === null) return;
      if (m.seq <= state.lastSeq) return;              // the snapshot already has it
      if (m.prevSeq > state.lastSeq) return subscribeConcert(state.lastSeq);  // a gap: resync
      for (const [id, status] of m.changes) setSeatStatus(id, status);
      updatePicker();
      state.lastSeq = m.seq;
      if (m.phase !== undefined) reloadConcertSoon();  // the sale's turn passed
      break;
    case "notification":
      onNotification(m);
      break;
    case "queue":
      onQueueUpdate(m);
      break;
    case "error":
      if (m.code === "TOKEN_EXPIRED" && state.auth) refresh().then((ok) => ok && subscribeNotifications());
      else say(I18N.problem(m.code) || T("live.error", { detail: m.detail }), "warn");
      break;
  }
}

function onNotification(n) {
  const kind = n.kind === "HOLD_EXPIRED" || n.kind === "HOLD_EXPIRING" ? "warn" : "info";
  if (n.kind === "TICKET_ISSUED" || n.kind === "TICKET_CHECKED_IN") return;  // one note per purchase
  const toTickets = n.kind === "PAYMENT_SUCCEEDED" || n.kind === "RESERVATION_CONFIRMED" ? ticketsAction() : null;
  if (n.kind !== "HOLD_PLACED") say(I18N.notice(n.kind) || n.kind, kind, toTickets ? 12000 : 6000, toTickets);
  if (state.concert) loadHolds();
  if (location.hash === "#tickets" && n.kind.startsWith("TICKET_")) showTickets();
}

// The button a payment's note carries: straight to the tickets just bought.
function ticketsAction() {
  return { label: T("tickets.show"), run: () => { location.hash = "#tickets"; } };
}

// ---- holds -----------------------------------------------------------------------------------

async function hold(body) {
  if (!state.auth) return say(T("shop.loginFirst"), "warn");
  const r = await gated("HOLD", "POST", `/api/v1/concerts/${state.concert.id}/reservations`, body);
  if (!r) return;
  const { res, data } = r;
  if (res.status === 403 && data && data.code === "QUEUE_ADMISSION_REQUIRED") {
    say(T("queue.notYet"), "warn");
    return refreshQueue();
  }
  if (res.status !== 201) return say(explain(res, data, "action.hold"), res.status === 429 ? "warn" : "error");
  const picked = [...state.selected];
  state.selected.clear();
  for (const id of picked) paintSeat(id);
  updateSelection();
  for (const s of data.seats) setSeatStatus(s.id, "H");  // ours; the live delta agrees shortly
  updatePicker();
  say(T("holds.held", { count: data.seats.length, until: I18N.clock(data.expiresAt, zoneOf(state.concert)) }));
  await loadHolds();
}

async function cancelHold(id) {
  const { res, data } = await api("DELETE", `/api/reservations/${id}`);
  if (!res.ok) return say(explain(res, data, "action.cancel"), "error");
  say(T("holds.cancelled"));
  await loadHolds();
}

async function extendHold(id) {
  const { res, data } = await api("POST", `/api/reservations/${id}/extend`, undefined, false,
                                  { "Idempotency-Key": `extend-reservation-${id}` });
  if (!res.ok) return say(explain(res, data, "action.extend"), "error");
  say(T("holds.extended"));
  await loadHolds();
}

// Starts the payment saga; the key is the reservation's, so a double tap pays once. The
// answer comes at once (202, PENDING); the outcome is polled (and also pushed as a notification).
async function pay(h) {
  const method = state.payMethod.get(h.id) || "CARD";
  const body = { reservationId: h.id, method };
  if (method === "EASY_PAY") body.wallet = state.payWallet.get(h.id) || WALLETS[0];
  const { res, data } = await api("POST", "/api/payments", body,
                                  false, { "Idempotency-Key": `pay-reservation-${h.id}-${method}-${body.wallet || ""}` });
  if (res.status !== 202) { say(explain(res, data, "action.pay"), "error"); return loadHolds(); }
  say(T(method === "BANK_TRANSFER" ? "deposit.issuing" : "pay.started", { amount: money(data.amount) }));
  await loadHolds();
  for (let i = 0; i < 180; ++i) {
    await new Promise((r) => setTimeout(r, 1000));
    const p = await api("GET", `/api/payments/${data.id}`);
    if (!p.res.ok || p.data.status === "PENDING") continue;
    // 무통장입금: the account is what the fan needs now; the deposit may take hours, and its
    // outcome comes as a notification.
    if (p.data.status === "AWAITING_DEPOSIT") return loadHolds();
    if (p.data.status === "SUCCEEDED")
      say(T("pay.succeeded", { amount: money(p.data.amount) }), "info", 12000, ticketsAction());
    else if (p.data.status === "FAILED") say(T("pay.failed"), "error");
    else say(T("pay.refunded"), "warn");
    return loadHolds();
  }
}

async function loadHolds() {
  if (!state.auth || !state.concert) { state.holds = []; renderHolds(); return; }
  const concert = state.concert;
  const { res, data } = await api("GET", "/api/users/me/reservations");
  if (!res.ok || state.concert !== concert) return;
  const mine = data.items.filter((r) => r.concertId === concert.id &&
                                        ["HELD", "PAYMENT_PENDING", "AWAITING_DEPOSIT"].includes(r.status));
  const full = await Promise.all(mine.map((r) => api("GET", `/api/reservations/${r.id}`)));
  if (state.concert !== concert) return;
  state.holds = full.filter((x) => x.res.ok).map((x) => x.data);
  renderHolds();
}

function renderHolds() {
  const ul = $("holds");
  ul.replaceChildren();
  if (!state.holds.length) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = T("holds.none");
    ul.append(li);
  }
  const c = state.concert;
  for (const h of state.holds) {
    const li = document.createElement("li");
    li.dataset.reservation = h.id;
    const group = `pay-${h.id}`;
    li.innerHTML = `<div class="what"></div>
      <div><span class="left-label"></span> <span class="countdown" role="timer"></span></div>
      <fieldset class="methods"><legend></legend></fieldset>
      <fieldset class="wallets" hidden><legend></legend></fieldset>
      <p class="pay-note hint"></p>
      <div class="actions"><button type="button" class="pay"></button>
      <button type="button" class="secondary extend" hidden></button>
      <button type="button" class="secondary cancel"></button></div>`;
    li.querySelector(".what").textContent = h.seats.map((s) => `${s.grade} · ` +
      T("seat.short", { section: s.section, row: s.row, number: s.number })).join(", ");
    li.querySelector(".left-label").textContent = T("holds.timeLeft");
    li.querySelector("legend").textContent = T("pay.method");
    const chosen = state.payMethod.get(h.id) || "CARD";
    const wallets = li.querySelector(".wallets");
    const radio = (name, value, checked, text, onChange) => {
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "radio";
      input.name = name;
      input.value = value;
      input.checked = checked;
      input.addEventListener("change", onChange);
      label.append(input, " " + text);
      return label;
    };
    // Bank transfers only where the concert takes them; the note says by when.
    const methods = PAY_METHODS.filter((m) => m !== "BANK_TRANSFER" || (c && c.bankTransfer));
    const note = (m) => T("pay.note." + m, { deadline: c && c.bankTransfer
      ? I18N.time(c.bankTransfer.depositDeadlineIfPaidNow, zoneOf(c)) : "" });
    for (const m of methods)
      li.querySelector(".methods").append(radio(group, m, m === chosen, T("pay." + m), () => {
        state.payMethod.set(h.id, m);
        li.querySelector(".pay-note").textContent = note(m);
        wallets.hidden = m !== "EASY_PAY";
      }));
    wallets.querySelector("legend").textContent = T("pay.wallet");
    const wallet = state.payWallet.get(h.id) || WALLETS[0];
    for (const w of WALLETS)
      wallets.append(radio(`${group}-wallet`, w, w === wallet, T("pay.wallet." + w),
                           () => state.payWallet.set(h.id, w)));
    wallets.hidden = chosen !== "EASY_PAY";
    li.querySelector(".pay-note").textContent = note(chosen);
    const payButton = li.querySelector(".pay");
    payButton.textContent = T("holds.pay", { amount: money(h.amount) });
    const extend = li.querySelector(".extend");
    if (c && c.holdExtensionSeconds > 0 && !h.extended && h.status === "HELD") {
      extend.hidden = false;
      extend.textContent = T("holds.extend", { minutes: Math.round(c.holdExtensionSeconds / 60) });
      extend.addEventListener("click", () => { extend.disabled = true; extendHold(h.id); });
    }
    li.querySelector(".cancel").textContent = T("holds.cancel");
    if (h.status === "PAYMENT_PENDING") {
      payButton.textContent = T("holds.paying");
      payButton.disabled = true;
      li.querySelector(".cancel").disabled = true;
      for (const i of li.querySelectorAll("input")) i.disabled = true;
    }
    if (h.status === "AWAITING_DEPOSIT" && h.virtualAccount) showDeposit(li, h, c);
    payButton.addEventListener("click", () => { payButton.disabled = true; pay(h); });
    li.querySelector(".cancel").addEventListener("click", () => cancelHold(h.id));
    ul.append(li);
  }
  $("action-bar").classList.toggle("has-hold", state.holds.length > 0);
  updateSelection();
  tick();
  markMine();
}

// 무통장입금: the account to pay into, the amount, the deadline and its countdown, in place of
// the methods (the hold's own countdown runs to the deadline).
function showDeposit(li, h, c) {
  const v = h.virtualAccount;
  for (const sel of [".methods", ".wallets", ".pay-note", ".actions"]) li.querySelector(sel).hidden = true;
  const box = document.createElement("div");
  box.className = "deposit";
  box.innerHTML = `<h4></h4><p class="account"><strong></strong>
    <button type="button" class="secondary copy"></button></p>
    <p class="holder"></p><p class="amount"></p><p class="deadline"></p><p class="hint exact"></p>`;
  box.querySelector("h4").textContent = T("deposit.title");
  box.querySelector(".account strong").textContent = T("deposit.account", { bank: v.bank, account: v.accountNumber });
  const copy = box.querySelector(".copy");
  copy.textContent = T("deposit.copy");
  copy.addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(v.accountNumber.replaceAll("-", "")); say(T("deposit.copied")); }
    catch { say(v.accountNumber); }  // no clipboard (plain http): the number, to copy by hand
  });
  box.querySelector(".holder").textContent = T("deposit.holder", { holder: v.holder });
  box.querySelector(".amount").textContent = T("deposit.amount", { amount: money(v.amount) });
  box.querySelector(".deadline").textContent = T("deposit.deadline", { deadline: I18N.time(v.depositDeadline, zoneOf(c)) });
  box.querySelector(".exact").textContent = T("deposit.exact");
  li.querySelector(".left-label").textContent = T("deposit.left");
  li.append(box);
}

// m:ss, or h:mm:ss from an hour up (a deposit's deadline may be a day away).
function clockText(seconds) {
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = String(seconds % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

// The countdown of each hold, once a second; the bar at the bottom shows the soonest.
function tick() {
  const now = Date.now();
  let soonest = null;
  for (const li of $("holds").querySelectorAll("li[data-reservation]")) {
    const h = state.holds.find((x) => String(x.id) === li.dataset.reservation);
    if (!h) continue;
    const left = Math.max(0, Math.floor((Date.parse(h.expiresAt) - now) / 1000));
    const c = li.querySelector(".countdown");
    c.textContent = clockText(left);
    c.classList.toggle("soon", left < 60);
    if (soonest === null || left < soonest) soonest = left;
    if (left === 0 && !expiredHolds.has(h.id)) {
      expiredHolds.add(h.id);
      updateBarPay();
      li.querySelector(".pay").disabled = true;
      say(T("holds.expired"), "warn");
      setTimeout(loadHolds, 1500);
    }
  }
  const bar = $("bar-countdown");
  if (bar) {
    bar.hidden = soonest === null;
    if (soonest !== null) bar.textContent = `${T("holds.timeLeft")} ${clockText(soonest)}`;
  }
}

// ---- my tickets ------------------------------------------------------------------------------

const concertCache = new Map();
async function concertInfo(id) {
  if (!concertCache.has(id)) {
    const { res, data } = await api("GET", `/api/concerts/${id}`);
    concertCache.set(id, res.ok ? data : null);
  }
  return concertCache.get(id);
}

let ticketsShown = 0;  // the newest showTickets wins; an older one's cards are dropped
async function showTickets() {
  const generation = ++ticketsShown;
  if (state.concert) closeConcert();
  $("concerts-view").hidden = true;
  $("concert-view").hidden = true;
  $("tickets-view").hidden = false;
  const list = $("ticket-list");
  list.replaceChildren();
  $("offers-box").hidden = true;
  if (!state.auth) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = T("tickets.login");
    list.append(li);
    return;
  }
  const [{ res, data }, offers] = await Promise.all([api("GET", "/api/users/me/tickets"),
                                                     api("GET", "/api/users/me/transfers")]);
  if (!res.ok) return say(explain(res, data, "action.loadTickets"), "error");
  const cards = [];
  for (const t of data.tickets) cards.push(await ticketCard(t));
  if (generation !== ticketsShown) return;
  renderOffers(offers.res.ok ? offers.data.offers : []);
  if (!cards.length) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = T("tickets.none");
    cards.push(li);
  }
  list.replaceChildren(...cards);
}

function seatText(seat) {
  return seat ? `${seat.grade} · ` + T("seat.short", { section: seat.section, row: seat.row, number: seat.number }) : "";
}

async function ticketCard(t) {
  const c = await concertInfo(t.concertId);
  const zone = zoneOf(c);
  const li = document.createElement("li");
  li.dataset.ticket = t.id;
  li.className = "ticket " + t.status.toLowerCase();
  li.innerHTML = `<div class="ticket-body"><strong class="title"></strong><div class="when"></div>
    <div class="where"></div><div class="ticket-seat"></div><div class="ticket-meta"></div><div class="ticket-status"></div>
    <div class="offer" hidden></div><div class="actions"></div></div>`;
  li.querySelector(".title").textContent = t.concertTitle;
  li.querySelector(".when").textContent = T("tickets.when", { when: I18N.time(t.startsAt, zone) });
  li.querySelector(".where").textContent = c ? c.venue.name : "";
  li.querySelector(".ticket-seat").textContent = seatText(t.seat);
  // The booking number people quote to support, what the seat cost, and until when it can be
  // cancelled for a refund.
  const meta = [T("tickets.bookingNumber", { id: t.reservationId })];
  if (t.seat && t.seat.price !== undefined) meta.push(money(t.seat.price));
  const deadline = c && c.refundPolicy ? c.refundPolicy.refundableUntil : null;
  if (t.status === "VALID" && deadline && Date.parse(deadline) > Date.now())
    meta.push(T("tickets.cancelUntil", { when: I18N.time(deadline, zone) }));
  li.querySelector(".ticket-meta").textContent = meta.join(" · ");
  const doors = I18N.time(t.doorsOpenAt, zone);
  li.querySelector(".ticket-status").textContent =
    t.status === "CHECKED_IN" ? T("tickets.used", { gate: t.gate, when: I18N.clock(t.checkedInAt, zone) })
    : t.status === "REVOKED" ? T("tickets.revoked") : doors ? T("tickets.doors", { when: doors }) : "";
  if (t.qr) {
    const svg = await fetch(t.qr, { headers: { Authorization: `Bearer ${state.auth.accessToken}` } });
    if (svg.ok) {
      const img = document.createElement("img");
      img.className = "qr";
      img.alt = T("tickets.qrAlt", { seat: seatText(t.seat) });
      const text = await svg.text();
      img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
      // Whole CSS pixels per module: modules drawn a pixel wider and narrower by turns (a
      // fractional scale) are what door scanners (ZXing's detector) misread.
      const units = Number((/viewBox="0 0 (\d+) /.exec(text) || [])[1]);
      if (units > 0) img.style.width = `${Math.max(2, Math.floor(224 / units)) * units + 16}px`;
      li.prepend(img);
    }
  }
  const actions = li.querySelector(".actions");
  if (t.offer) {
    const offer = li.querySelector(".offer");
    offer.hidden = false;
    offer.textContent = T("tickets.offeredTo", { to: t.offer.to });
    actions.append(button(T("tickets.withdraw"), "secondary withdraw", () => endOffer(t.id, "tickets.withdrawn")));
  }
  if (t.status === "VALID") {
    const form = document.createElement("form");
    form.className = "transfer-form";
    form.hidden = true;
    form.innerHTML = `<input type="email" required autocomplete="off"><button type="submit"></button>`;
    form.querySelector("input").placeholder = T("tickets.transferEmail");
    form.querySelector("input").setAttribute("aria-label", T("tickets.transferEmail"));
    form.querySelector("button").textContent = T("tickets.transferSend");
    form.addEventListener("submit", (ev) => { ev.preventDefault(); transfer(t.id, form.querySelector("input").value.trim()); });
    actions.append(button(T("tickets.transfer"), "secondary transfer", () => {
      form.hidden = !form.hidden;
      if (!form.hidden) form.querySelector("input").focus();
    }));
    actions.append(button(T("tickets.cancel"), "secondary cancel-booking", () => cancelBooking(t, c)));
    li.querySelector(".ticket-body").append(form);
  }
  return li;
}

function button(text, cls, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = cls;
  b.textContent = text;
  b.addEventListener("click", onClick);
  return b;
}

function renderOffers(offers) {
  const ul = $("offer-list");
  ul.replaceChildren();
  $("offers-box").hidden = offers.length === 0;
  for (const o of offers) {
    const li = document.createElement("li");
    li.dataset.ticket = o.ticketId;
    li.innerHTML = `<strong></strong><div class="ticket-seat"></div><div class="from"></div><div class="actions"></div>`;
    li.querySelector("strong").textContent = `${o.concertTitle} · ${I18N.time(o.startsAt)}`;  // (Seoul)
    li.querySelector(".ticket-seat").textContent = seatText(o.seat);
    li.querySelector(".from").textContent = T("tickets.offerFrom", { from: o.from, acceptBy: I18N.time(o.acceptBy) });
    li.querySelector(".actions").append(
      button(T("tickets.accept"), "accept", () => acceptOffer(o.ticketId)),
      button(T("tickets.decline"), "secondary decline", () => endOffer(o.ticketId, "tickets.declined")));
    ul.append(li);
  }
}

async function transfer(id, email) {
  const { res, data } = await api("POST", `/api/tickets/${id}/transfer`, { email });
  if (res.status !== 202) return say(explain(res, data, "action.transfer"), "error");
  say(T("tickets.transferSent", { to: data.to }));
  showTickets();
}

async function acceptOffer(id) {
  const { res, data } = await api("POST", `/api/tickets/${id}/transfer/accept`);
  if (!res.ok) return say(explain(res, data, "action.accept"), "error");
  say(T("tickets.accepted"));
  showTickets();
}

async function endOffer(id, doneKey) {
  const { res, data } = await api("POST", `/api/tickets/${id}/transfer/cancel`);
  if (!res.ok) return say(explain(res, data, "action.cancel"), "error");
  say(T(doneKey));
  showTickets();
}

// Cancelling is per booking: the refund and the fee are shown before the fan confirms.
async function cancelBooking(t, c) {
  const r = await api("GET", `/api/reservations/${t.reservationId}`);
  if (!r.res.ok) return say(explain(r.res, r.data, "action.cancel"), "error");
  const paid = r.data.amount;
  const fee = c && c.refundPolicy ? Math.floor(paid * c.refundPolicy.feePercent / 100) : 0;
  const text = T("tickets.cancelConfirm", { seats: r.data.seats.length, paid: money(paid), fee: money(fee),
                                            refund: money(paid - fee) });
  if (!window.confirm(text)) return;
  const { res, data } = await api("POST", `/api/reservations/${t.reservationId}/cancel`, undefined, false,
                                  { "Idempotency-Key": `cancel-reservation-${t.reservationId}` });
  if (!res.ok) return say(explain(res, data, "action.cancel"), "error");
  say(T("tickets.cancelDone"));
  showTickets();
}

// ---- wiring ----------------------------------------------------------------------------------

function route() {
  if (location.hash === "#tickets") return showTickets();
  $("tickets-view").hidden = true;
  const m = location.hash.match(/^#concert\/(\d+)$/);
  if (m) openConcert(Number(m[1]));
  else closeConcert();
}

// Switching the language redraws what the page drew from data; typed input stays.
function relabel() {
  I18N.apply();
  Pow.setLanguage(I18N.lang);
  if ($("live-state").dataset.key) setLive($("live-state").dataset.key, $("live-state").className === "live");
  if (state.concert) {
    renderConcertHead();
    if (hallReady()) {
      renderLegend();
      renderHall();
      updatePicker();
      if (state.plans.has(state.section)) renderSection(false);
      updateSelection();
    }
    renderHolds();
    renderQueue();
  } else if (location.hash === "#tickets") showTickets();
  else loadConcerts();
}

// The concert again when its sale's turn passes: once, whoever asks (the live delta, the phase
// timer), and at a moment drawn within 3 s, so a crowd's pages do not all ask at one instant.
let concertReload = null;
function reloadConcertSoon() {
  if (concertReload || !state.concert) return;
  const id = state.concert.id;
  concertReload = setTimeout(() => {
    concertReload = null;
    if (state.concert && state.concert.id === id) openConcert(id);
  }, Math.random() * 3000);
}
// The phase banner and member entry (phases.js).
const phases = Phases.setup(reloadConcertSoon);
$("lang-switch").addEventListener("click", () => { I18N.setLang(I18N.lang === "ko" ? "en" : "ko"); relabel(); });
$("login-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  login($("email").value.trim(), $("password").value);
});
$("signup-button").addEventListener("click", () => {
  if ($("login-form").reportValidity()) signup();
});
$("logout-button").addEventListener("click", logout);
$("message").addEventListener("click", () => { $("message").hidden = true; });
$("seat-map").addEventListener("click", onSeatClick);
$("seat-map").addEventListener("keydown", onGridKey);
$("section-picker").addEventListener("click", onPickSection);
$("hall").addEventListener("click", onPickHall);
$("queue-join").addEventListener("click", joinQueue);
$("fair-check").addEventListener("click", checkDraw);
$("queue-leave").addEventListener("click", leaveQueue);
$("hold-selected").addEventListener("click", () => hold({ seatIds: [...state.selected] }));
$("best-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const body = { count: Number($("best-count").value) };
  if ($("best-grade").value) body.grade = $("best-grade").value;
  if ($("best-accessible").checked) body.accessible = true;
  hold(body);
});
$("home-link").addEventListener("click", (ev) => { ev.preventDefault(); location.hash = ""; });
window.addEventListener("hashchange", route);
setInterval(tick, 1000);
if (matchMedia("(pointer: coarse)").matches) $("map-hint").dataset.i18n = "map.hintTouch";
I18N.apply();
setLive("concert.offline", false);
setAuth(state.auth);
connect();
route();
