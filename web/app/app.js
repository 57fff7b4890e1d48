// Concert Mania booking page: concert list, live seat map (WebSocket snapshot + deltas), holds
// with their countdown. Plain JS; talks only to the server that served it.
"use strict";

const GRADE_COLOURS = ["#ff4f7b", "#7c6cff", "#29b6f6", "#66bb6a", "#ffa726", "#ab47bc", "#26a69a", "#8d6e63"];
const STATUS_NAMES = { A: "available", H: "held", S: "sold" };

const state = {
  auth: JSON.parse(sessionStorage.getItem("cm.auth") || "null"), // {accessToken, refreshToken, email}
  concert: null,        // details of the open concert
  seatMap: null,
  seats: new Map(),     // seat id -> {el, status, grade, price, label}
  lastSeq: null,        // seq of the seat map we show
  selected: new Set(),
  holds: [],            // my HELD reservations for the open concert
  ws: null,
  wsRetry: 0,
  queue: null,          // my waiting-room ticket for the open concert (null: none)
  queueTimer: null,
};

const $ = (id) => document.getElementById(id);
const won = (n) => n.toLocaleString("en-US") + " KRW";

// ---- messages --------------------------------------------------------------------------------

let messageTimer = null;
function say(text, kind = "info", ms = 6000) {
  const box = $("message");
  box.textContent = text;
  box.className = kind;
  box.hidden = false;
  clearTimeout(messageTimer);
  if (ms) messageTimer = setTimeout(() => { box.hidden = true; }, ms);
}

// Turns an HTTP problem answer into words a ticket buyer understands.
function explain(res, body, action) {
  const detail = (body && body.detail) || res.statusText;
  switch (res.status) {
    case 409:
      if (body && body.code === "SEAT_COOLDOWN") {
        const wait = res.headers.get("Retry-After") || "a few";
        return `You let these seats go a moment ago, so they are open to everyone else for now. ` +
               `You can hold them again in ${wait} s, or pick other seats.`;
      }
      return `Sorry, ${action} failed: someone else got there first or a limit was reached (${detail}).`;
    case 429: {
      const wait = res.headers.get("Retry-After") || "a few";
      return `Too many requests. Please wait ${wait} s and try again.`;
    }
    case 401: return "Please log in first.";
    case 503: return "The box office is very busy right now. Please try again in a moment.";
    default: return `${action} failed: ${detail}`;
  }
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

async function refresh() {
  const res = await fetch("/api/users/refresh", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refreshToken: state.auth.refreshToken }),
  });
  if (!res.ok) { setAuth(null); say("Your session ended. Please log in again.", "warn"); return false; }
  const data = await res.json();
  setAuth({ ...state.auth, accessToken: data.accessToken, refreshToken: data.refreshToken });
  return true;
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
}

// ---- account ---------------------------------------------------------------------------------

async function login(email, password) {
  const { res, data } = await api("POST", "/api/users/login", { email, password });
  if (!res.ok) return say(explain(res, data, "Log in"), "error");
  setAuth({ accessToken: data.accessToken, refreshToken: data.refreshToken, email });
  say(`Welcome, ${email}.`);
  if (state.concert) loadHolds();
}

async function signup() {
  const email = $("email").value.trim(), password = $("password").value;
  const name = $("name").value.trim() || email.split("@")[0];
  const { res, data } = await api("POST", "/api/users/signup", { email, password, name });
  if (!res.ok) return say(explain(res, data, "Sign up"), "error");
  await login(email, password);
}

async function logout() {
  if (state.auth) await api("POST", "/api/users/logout", { refreshToken: state.auth.refreshToken });
  setAuth(null);
  state.holds = [];
  renderHolds();
}

// ---- concerts --------------------------------------------------------------------------------

async function loadConcerts() {
  const { res, data } = await api("GET", "/api/concerts?size=100");
  if (!res.ok) return say(explain(res, data, "Loading concerts"), "error");
  const list = $("concert-list");
  list.replaceChildren();
  for (const c of data.items) {
    const li = document.createElement("li");
    li.dataset.concert = c.id;
    const when = new Date(c.startsAt).toLocaleString();
    li.innerHTML = `<strong></strong><div></div><div class="status"></div>`;
    li.children[0].textContent = c.title;
    li.children[1].textContent = `${c.venue.name} · ${when}`;
    li.children[2].textContent = `${c.status.replace("_", " ").toLowerCase()} · ${c.seatsAvailable} of ` +
      `${c.seatsTotal} seats left · from ${won(c.minPrice)}`;
    li.addEventListener("click", () => { location.hash = "#concert/" + c.id; });
    list.append(li);
  }
  if (!data.items.length) list.innerHTML = "<li>No concerts yet.</li>";
}

async function openConcert(id) {
  const { res, data } = await api("GET", `/api/concerts/${id}`);
  if (!res.ok) { say(explain(res, data, "Opening the concert"), "error"); location.hash = ""; return; }
  if (state.concert && state.concert.id !== data.id && state.ws && state.ws.readyState === WebSocket.OPEN)
    state.ws.send(JSON.stringify({ type: "unsubscribe", concertId: state.concert.id }));
  state.concert = data;
  state.seatMap = null;
  state.lastSeq = null;
  state.selected.clear();
  $("concerts-view").hidden = true;
  $("concert-view").hidden = false;
  $("concert-title").textContent = data.title;
  $("concert-meta").textContent = `${data.venue.name} · ${new Date(data.startsAt).toLocaleString()} · ` +
    `sales ${data.status.replace("_", " ").toLowerCase()} · holds last ${Math.round(data.holdTtlSeconds / 60)} min · ` +
    `at most ${data.maxSeatsPerUser} seats per person`;
  $("seat-map").textContent = "Loading the seat map...";
  const grades = $("best-grade");
  grades.replaceChildren(new Option("any grade", ""));
  for (const g of data.grades) grades.append(new Option(`${g.name} (${won(g.price)})`, g.name));
  subscribeConcert();
  loadHolds();
  updateSelection();
  state.queue = null;
  refreshQueue();
}

function closeConcert() {
  if (state.concert && state.ws && state.ws.readyState === WebSocket.OPEN)
    state.ws.send(JSON.stringify({ type: "unsubscribe", concertId: state.concert.id }));
  state.concert = null;
  clearTimeout(state.queueTimer);
  $("concert-view").hidden = true;
  $("concerts-view").hidden = false;
  loadConcerts();
}

// ---- seat map --------------------------------------------------------------------------------

function renderSeatMap(map) {
  state.seatMap = map;
  state.seats.clear();
  const legend = $("legend");
  legend.replaceChildren();
  map.grades.forEach((g, i) => {
    const s = document.createElement("span");
    s.style.setProperty("--swatch", GRADE_COLOURS[i % GRADE_COLOURS.length]);
    s.textContent = `${g.name} ${won(g.price)}`;
    legend.append(s);
  });
  for (const [label, swatch] of [["held", "#555a70"], ["sold", "#2a2d3c"]]) {
    const s = document.createElement("span");
    s.style.setProperty("--swatch", swatch);
    s.textContent = label;
    legend.append(s);
  }
  const root = document.createElement("div");
  root.innerHTML = `<div class="stage">STAGE</div>`;
  for (const section of map.sections) {
    const sec = document.createElement("div");
    sec.className = "section";
    const h = document.createElement("h4");
    h.textContent = section.name;
    sec.append(h);
    for (const row of section.rows) {
      const r = document.createElement("div");
      r.className = "row";
      const l = document.createElement("span");
      l.className = "row-label";
      l.textContent = row.label;
      r.append(l);
      for (const [id, number, grade, price, status] of row.seats) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "seat";
        b.dataset.seat = id;
        b.style.setProperty("--grade", GRADE_COLOURS[grade % GRADE_COLOURS.length]);
        const seat = { el: b, status, grade, price, label: `${section.name} row ${row.label} seat ${number}` };
        state.seats.set(id, seat);
        setSeatStatus(id, status);
        r.append(b);
      }
      sec.append(r);
    }
    root.append(sec);
  }
  $("seat-map").replaceChildren(root);
  markMine();
}

function setSeatStatus(id, status) {
  const seat = state.seats.get(id);
  if (!seat) return;
  seat.status = status;
  seat.el.dataset.status = status;
  const grade = state.seatMap.grades[seat.grade];
  seat.el.title = `${seat.label} · ${grade.name} · ${won(seat.price)} · ${STATUS_NAMES[status]}`;
  if (status !== "A" && state.selected.delete(id)) {
    seat.el.classList.remove("selected");
    updateSelection();
  }
}

function markMine() {
  const mine = new Set(state.holds.flatMap((h) => h.seats.map((s) => s.id)));
  for (const [id, seat] of state.seats) seat.el.classList.toggle("mine", mine.has(id));
}

function onSeatClick(ev) {
  const b = ev.target.closest(".seat");
  if (!b) return;
  const id = Number(b.dataset.seat);
  const seat = state.seats.get(id);
  if (seat.status !== "A") return say(`${seat.label} is ${STATUS_NAMES[seat.status]}.`, "warn", 3000);
  if (state.selected.has(id)) state.selected.delete(id);
  else if (state.selected.size >= state.concert.maxSeatsPerUser)
    return say(`You can hold at most ${state.concert.maxSeatsPerUser} seats.`, "warn", 3000);
  else state.selected.add(id);
  b.classList.toggle("selected", state.selected.has(id));
  updateSelection();
}

function updateSelection() {
  const ids = [...state.selected];
  const total = ids.reduce((sum, id) => sum + state.seats.get(id).price, 0);
  $("selection").textContent = ids.length
    ? `${ids.length} seat(s): ${ids.map((id) => state.seats.get(id).label).join("; ")} · ${won(total)}`
    : "Click available seats to select them.";
  $("hold-selected").disabled = ids.length === 0;
}

// ---- live updates (WebSocket) -----------------------------------------------------------------

function connect() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  state.ws = ws;
  ws.onopen = () => {
    state.wsRetry = 0;
    $("live-state").textContent = "live";
    $("live-state").className = "live";
    subscribeConcert();
    subscribeNotifications();
  };
  ws.onmessage = (ev) => {
    const frame = JSON.parse(ev.data);
    for (const m of Array.isArray(frame) ? frame : [frame]) onLiveMessage(m);
  };
  ws.onclose = (ev) => {
    $("live-state").textContent = ev.code === 4001 ? "catching up..." : "reconnecting...";
    $("live-state").className = "";
    const delay = Math.min(10000, 500 * 2 ** state.wsRetry++);
    setTimeout(connect, delay);
  };
}

function subscribeConcert(fromSeq = state.lastSeq) {
  if (!state.concert || !state.ws || state.ws.readyState !== WebSocket.OPEN) return;
  const msg = { type: "subscribe", concertId: state.concert.id };
  if (fromSeq !== null && state.seatMap) msg.lastSeq = fromSeq;
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
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
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
  $("queue-leave").hidden = !live;
  let text;
  if (!state.auth) text = "Log in to join the waiting room for this concert.";
  else if (!t) text = `Sales go through a waiting room (${c.waitingRoom.waiting} waiting). Join to get your place.`;
  else if (t.status === "WAITING" && t.preQueued)
    text = `You are in the pre-queue with ${t.waiting - 1} others. Places are drawn at random as sales open; yours will show here.`;
  else if (t.status === "WAITING")
    text = `Your position: ${t.position} of ${t.waiting} · estimated wait ${duration(t.estimatedWaitSeconds)}.`;
  else if (admitted)
    text = `It's your turn: shop until ${new Date(t.admittedUntil).toLocaleTimeString()}.` +
           (t.holdingSeats ? " Seats you hold stay yours to pay until their own hold runs out." : "");
  else if (t.status === "COMPLETED") text = "Your purchase is complete.";
  else if (t.status === "EXPIRED")
    text = t.endReason === "ABANDONED" ? "Your place expired because this page stopped checking in. Join again for a new place."
                                       : "Your shopping time ran out. Join again for a new place.";
  else text = "You left the queue.";
  $("queue-status").textContent = text;
}

function onQueueUpdate(m) {
  if (!state.concert || m.concertId !== state.concert.id) return;
  const was = state.queue && state.queue.status;
  state.queue = m.ticket;
  if (m.ticket && m.ticket.status === "ADMITTED" && was !== "ADMITTED") say("It's your turn! Pick your seats.");
  renderQueue();
}

async function joinQueue() {
  if (!state.auth) return say("Please log in to join the waiting room.", "warn");
  const { res, data } = await api("POST", `/api/v1/concerts/${state.concert.id}/queue`);
  if (!res.ok) return say(explain(res, data, "Joining the queue"), "error");
  state.queue = data;
  renderQueue();
  watchQueue();
  refreshQueue();
}

async function leaveQueue() {
  const { res, data } = await api("DELETE", `/api/v1/concerts/${state.concert.id}/queue/me`);
  if (!res.ok && res.status !== 404) return say(explain(res, data, "Leaving the queue"), "error");
  state.queue = res.ok ? data : null;
  renderQueue();
}

function onLiveMessage(m) {
  switch (m.type) {
    case "snapshot":
      if (!state.concert || m.concertId !== state.concert.id) return;
      renderSeatMap(m.seatMap);
      state.lastSeq = m.seq;
      break;
    case "delta":
      if (!state.concert || m.concertId !== state.concert.id || state.lastSeq === null) return;
      if (m.seq <= state.lastSeq) return;              // the snapshot already has it
      if (m.prevSeq > state.lastSeq) return subscribeConcert(state.lastSeq);  // a gap: resync
      for (const [id, status] of m.changes) setSeatStatus(id, status);
      state.lastSeq = m.seq;
      break;
    case "notification":
      onNotification(m);
      break;
    case "queue":
      onQueueUpdate(m);
      break;
    case "error":
      if (m.code === "TOKEN_EXPIRED" && state.auth) refresh().then((ok) => ok && subscribeNotifications());
      else say(`Live updates: ${m.detail}`, "warn");
      break;
  }
}

function onNotification(n) {
  const texts = {
    HOLD_PLACED: "Seats held. Complete payment before the timer runs out.",
    HOLD_EXPIRING: "Your hold expires in under a minute.",
    HOLD_EXPIRED: "Your hold expired and the seats were released.",
    HOLD_RELEASED: "Your hold was released.",
    RESERVATION_CONFIRMED: "Payment received: your seats are confirmed. Your tickets are under My tickets.",
    TICKET_RECEIVED: "Someone gave you a ticket: see My tickets.",
    TICKET_TRANSFERRED: "Your ticket was transferred.",
    TICKET_OFFERED: "Someone offered you a ticket: accept it under My tickets.",
    TICKET_OFFER_DECLINED: "Your ticket offer was declined; the ticket is still yours.",
    HOLD_EXTENDED: "Your hold was extended.",
    RESERVATION_CANCELLED: "Your reservation was cancelled; the refund is on its way.",
    REFUND_ISSUED: "Your refund was issued.",
    PAYMENT_SUCCEEDED: "Payment succeeded.",
    PAYMENT_FAILED: "Payment failed after several tries; nothing was charged and the seats were released.",
    SEATS_RELEASED: "Your seats were released.",
  };
  const kind = n.kind === "HOLD_EXPIRED" || n.kind === "HOLD_EXPIRING" ? "warn" : "info";
  if (n.kind === "TICKET_ISSUED" || n.kind === "TICKET_CHECKED_IN") return;  // one note per purchase
  if (n.kind !== "HOLD_PLACED") say(texts[n.kind] || n.kind, kind);
  if (state.concert) loadHolds();
}

// ---- holds -----------------------------------------------------------------------------------

async function hold(body) {
  if (!state.auth) return say("Please log in to hold seats.", "warn");
  const { res, data } = await api("POST", `/api/v1/concerts/${state.concert.id}/reservations`, body);
  if (res.status === 403 && data && data.code === "QUEUE_ADMISSION_REQUIRED") {
    say("Your turn in the waiting room has not come yet (or has ended).", "warn");
    return refreshQueue();
  }
  if (res.status !== 201) return say(explain(res, data, "Holding seats"), res.status === 429 ? "warn" : "error");
  for (const id of state.selected) state.seats.get(id)?.el.classList.remove("selected");
  state.selected.clear();
  updateSelection();
  for (const s of data.seats) setSeatStatus(s.id, "H");  // ours; the live delta agrees shortly
  say(`Held ${data.seats.length} seat(s) until ${new Date(data.expiresAt).toLocaleTimeString()}.`);
  await loadHolds();
}

async function cancelHold(id) {
  const { res, data } = await api("DELETE", `/api/reservations/${id}`);
  if (!res.ok) return say(explain(res, data, "Cancelling"), "error");
  say("Hold cancelled; the seats are available again.");
  await loadHolds();
}

// Starts the payment saga; the key is the reservation's, so a double click pays once. The
// answer comes at once (202, PENDING); the outcome is polled (and also pushed as a notification).
async function pay(h) {
  const { res, data } = await api("POST", "/api/payments", { reservationId: h.id, method: "CARD" },
                                  false, { "Idempotency-Key": `pay-reservation-${h.id}` });
  if (res.status !== 202) return say(explain(res, data, "Paying"), "error");
  say(`Paying ${won(data.amount)}…`);
  await loadHolds();
  for (let i = 0; i < 180; ++i) {
    await new Promise((r) => setTimeout(r, 1000));
    const p = await api("GET", `/api/payments/${data.id}`);
    if (!p.res.ok || p.data.status === "PENDING") continue;
    if (p.data.status === "SUCCEEDED") say(`Paid ${won(p.data.amount)}: your seats are confirmed.`);
    else if (p.data.status === "FAILED") say("The payment did not go through; the seats were released.", "error");
    else say("The payment was refunded.", "warn");
    return loadHolds();
  }
}

async function loadHolds() {
  if (!state.auth || !state.concert) { state.holds = []; renderHolds(); return; }
  const { res, data } = await api("GET", "/api/users/me/reservations");
  if (!res.ok) return;
  const mine = data.items.filter((r) => r.concertId === state.concert.id &&
                                        (r.status === "HELD" || r.status === "PAYMENT_PENDING"));
  const full = await Promise.all(mine.map((r) => api("GET", `/api/reservations/${r.id}`)));
  state.holds = full.filter((x) => x.res.ok).map((x) => x.data);
  renderHolds();
}

function renderHolds() {
  const ul = $("holds");
  ul.replaceChildren();
  if (!state.holds.length) ul.innerHTML = `<li class="empty">No seats held.</li>`;
  for (const h of state.holds) {
    const li = document.createElement("li");
    li.dataset.reservation = h.id;
    li.innerHTML = `<div class="what"></div><div>Time left: <span class="countdown"></span></div>
      <div class="actions"><button type="button" class="pay">Pay ${won(h.amount)}</button>
      <button type="button" class="secondary cancel">Cancel</button></div>`;
    li.querySelector(".what").textContent = h.seats.map((s) => `${s.section} ${s.row}-${s.number} (${s.grade})`).join(", ");
    const payButton = li.querySelector(".pay");
    if (h.status === "PAYMENT_PENDING") {
      payButton.textContent = "Paying…";
      payButton.disabled = true;
      li.querySelector(".cancel").disabled = true;
    }
    payButton.addEventListener("click", () => { payButton.disabled = true; pay(h); });
    li.querySelector(".cancel").addEventListener("click", () => cancelHold(h.id));
    ul.append(li);
  }
  tick();
  markMine();
}

// The 10-minute countdown of each hold, once a second.
function tick() {
  const now = Date.now();
  for (const li of $("holds").querySelectorAll("li[data-reservation]")) {
    const h = state.holds.find((x) => String(x.id) === li.dataset.reservation);
    if (!h) continue;
    const left = Math.max(0, Math.floor((Date.parse(h.expiresAt) - now) / 1000));
    const c = li.querySelector(".countdown");
    c.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    c.classList.toggle("soon", left < 60);
    if (left === 0 && !h.expired) {
      h.expired = true;
      li.querySelector(".pay").disabled = true;
      say("Your hold expired and the seats were released.", "warn");
      setTimeout(loadHolds, 1500);
    }
  }
}

// ---- my tickets ------------------------------------------------------------------------------

// Each ticket with its QR code: the SVG is fetched with the token and shown as a data: URL.
async function showTickets() {
  closeConcert();
  $("concerts-view").hidden = true;
  $("tickets-view").hidden = false;
  const list = $("ticket-list");
  list.replaceChildren();
  if (!state.auth) {
    list.innerHTML = `<li class="empty">Log in to see your tickets.</li>`;
    return;
  }
  const { res, data } = await api("GET", "/api/users/me/tickets");
  if (!res.ok) return say(explain(res, data, "Loading tickets"), "error");
  if (!data.tickets.length) list.innerHTML = `<li class="empty">No tickets yet.</li>`;
  for (const t of data.tickets) {
    const li = document.createElement("li");
    li.dataset.ticket = t.id;
    li.innerHTML = `<strong class="title"></strong><div class="seat"></div>
      <div class="ticket-status"></div>`;
    li.querySelector(".title").textContent = t.concertTitle;
    li.querySelector(".seat").textContent = t.seat ? `${t.seat.section} ${t.seat.row}-${t.seat.number} (${t.seat.grade})` : "";
    li.querySelector(".ticket-status").textContent =
      t.status === "CHECKED_IN" ? `Used at ${t.gate}` : t.status === "REVOKED" ? "Revoked" : `Doors open ${new Date(t.doorsOpenAt).toLocaleString()}`;
    if (t.qr) {
      const svg = await fetch(t.qr, { headers: { Authorization: `Bearer ${state.auth.accessToken}` } });
      if (svg.ok) {
        const img = document.createElement("img");
        img.className = "qr";
        img.alt = `QR code of ticket ${t.id}`;
        img.src = "data:image/svg+xml;base64," + btoa(await svg.text());
        li.prepend(img);
      }
    }
    list.append(li);
  }
}

// ---- wiring ----------------------------------------------------------------------------------

function route() {
  if (location.hash === "#tickets") return showTickets();
  $("tickets-view").hidden = true;
  const m = location.hash.match(/^#concert\/(\d+)$/);
  if (m) openConcert(Number(m[1]));
  else closeConcert();
}

$("login-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  login($("email").value.trim(), $("password").value);
});
$("signup-button").addEventListener("click", () => {
  if ($("login-form").reportValidity()) signup();
});
$("logout-button").addEventListener("click", logout);
$("seat-map").addEventListener("click", onSeatClick);
$("queue-join").addEventListener("click", joinQueue);
$("queue-leave").addEventListener("click", leaveQueue);
$("hold-selected").addEventListener("click", () => hold({ seatIds: [...state.selected] }));
$("best-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const body = { count: Number($("best-count").value) };
  if ($("best-grade").value) body.grade = $("best-grade").value;
  hold(body);
});
$("home-link").addEventListener("click", (ev) => { ev.preventDefault(); location.hash = ""; });
window.addEventListener("hashchange", route);
setInterval(tick, 1000);
setAuth(state.auth);
connect();
route();
