// The console's support side (loaded after admin.js, whose call, say, T and $ it uses): people
// (customers by email, their page, confirm, refund and revoke with a reason, disabling an
// account, staff accounts), a reservation by id or email, a seat's history, and backups.
"use strict";

let customer = null;  // the customer page shown: GET /api/admin/users/{id}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.append(td);
  return td;
}

function button(text, onClick, kind = "secondary") {
  const b = document.createElement("button");
  b.type = "button";
  b.className = kind;
  b.textContent = text;
  b.addEventListener("click", onClick);
  return b;
}

const seatName = (s) => T("seat.short", { section: s.section, row: s.row, number: s.number });
const when = (iso) => new Date(iso).toLocaleString(I18N.lang === "ko" ? "ko-KR" : "en-GB", { timeZone: "Asia/Seoul" });
const reason = () => $("action-reason").value.trim();

async function startSupport() {
  await loadBackups();
}

// ---- people ------------------------------------------------------------------------------------

async function searchPeople(ev) {
  ev.preventDefault();
  const q = new URLSearchParams({ email: $("people-email").value.trim(), limit: "20" });
  if ($("people-staff").checked) q.set("staff", "true");
  const { res, data } = await call("GET", `/api/admin/users?${q}`);
  if (!res.ok) return;
  const list = $("people-results");
  list.replaceChildren();
  if (!data.items.length) {
    const none = document.createElement("li");
    none.textContent = T("admin.noneFound");
    list.append(none);
  }
  if (data.next) {
    const more = document.createElement("li");
    more.textContent = T("admin.moreFound");
    list.append(more);
  }
  for (const u of data.items) {
    const item = document.createElement("li");
    const open = button(`${u.email} · ${u.name || "-"} · ${T("role." + u.role)}${u.disabled ? " · " + T("admin.disabled") : ""}`,
                        () => openCustomer(u.id), "link");
    open.dataset.user = u.id;
    item.append(open);
    list.append(item);
  }
}

async function openCustomer(id) {
  const { res, data } = await call("GET", `/api/admin/users/${id}`);
  if (!res.ok) return;
  showCustomer(data);
  $("customer").scrollIntoView({ block: "start" });
}

function showCustomer(data) {
  customer = data;
  const u = data.user;
  $("customer").hidden = false;
  $("customer-title").textContent = `${u.name || u.email} (#${u.id})`;
  $("customer-status").textContent = T("admin.customerStatus", { email: u.email, role: T("role." + u.role),
                                                                  state: T(u.disabled ? "admin.disabled" : "admin.active") });
  $("customer-toggle").textContent = T(u.disabled ? "admin.enable" : "admin.disable");
  const reservations = $("customer-reservations").tBodies[0];
  reservations.replaceChildren();
  for (const { reservation: r, payment: p } of data.reservations) {
    const row = document.createElement("tr");
    row.dataset.reservation = r.id;
    cell(row, `#${r.id}`);
    cell(row, r.concertTitle || `#${r.concertId}`);
    cell(row, r.seats.map(seatName).join(", "));
    cell(row, T("resv." + r.status));
    cell(row, p ? `${T("pay." + p.status)} · ${Number(p.amount).toLocaleString(I18N.lang)}₩` : "-");
    const actions = cell(row, "");
    if (r.status === "HELD") actions.append(button(T("admin.confirm"), () => settleFor(r.id, "confirm"), "primary"));
    if (r.status === "CONFIRMED") actions.append(button(T("admin.refund"), () => settleFor(r.id, "refund")));
    reservations.append(row);
  }
  const tickets = $("customer-tickets").tBodies[0];
  tickets.replaceChildren();
  for (const t of data.tickets) {
    const row = document.createElement("tr");
    row.dataset.ticket = t.id;
    cell(row, `#${t.id}`);
    cell(row, t.concertTitle || `#${t.concertId}`);
    cell(row, t.seat ? seatName(t.seat) : "-");
    cell(row, T("ticket." + t.status) + (t.revokedByAdmin ? ` (${T("admin.byAdmin")})` : ""));
    const actions = cell(row, "");
    if (t.status === "VALID") actions.append(button(T("admin.revoke"), () => revokeTicket(t.id)));
    tickets.append(row);
  }
}

// A refund or a revocation needs a reason: it is journaled, and the seat's history shows it.
function needReason() {
  if (reason()) return false;
  say(T("admin.reasonNeeded"), "error");
  $("action-reason").focus();
  return true;
}

async function settleFor(id, what) {
  if (what === "refund" && needReason()) return;
  const { res, data } = await call("POST", `/api/admin/reservations/${id}/${what}`,
                                   what === "refund" ? { reason: reason() } : undefined);
  if (!res.ok) return;
  say(T("admin.reservationIs", { id, status: T("resv." + data.status) }));
  await openCustomer(customer.user.id);
}

async function revokeTicket(id) {
  if (needReason()) return;
  const { res } = await call("POST", `/api/admin/tickets/${id}/revoke`, { reason: reason() });
  if (!res.ok) return;
  say(T("admin.ticketRevoked", { id }));
  await openCustomer(customer.user.id);
}

async function toggleAccount() {
  const u = customer.user;
  const { res, data } = await call("POST", `/api/admin/users/${u.id}/${u.disabled ? "enable" : "disable"}`,
                                   { reason: reason() });
  if (!res.ok) return;
  showCustomer(data);
  say(T(data.user.disabled ? "admin.accountDisabled" : "admin.accountEnabled", { email: u.email }));
}

// A number is a reservation's id; anything with an "@" a customer's email.
async function searchReservations(ev) {
  ev.preventDefault();
  const q = $("reservation-query").value.trim();
  const param = /^\d+$/.test(q) ? `id=${q}` : `email=${encodeURIComponent(q)}`;
  const { res, data } = await call("GET", `/api/admin/reservations?${param}`);
  if (!res.ok) return;
  const list = $("reservation-results");
  list.replaceChildren();
  if (!data.reservations.length) {
    const none = document.createElement("li");
    none.textContent = T("admin.noneFound");
    list.append(none);
  }
  for (const { reservation: r } of data.reservations) {
    const item = document.createElement("li");
    item.append(button(`#${r.id} · ${r.concertTitle || "#" + r.concertId} · ${r.seats.map(seatName).join(", ")} · ${T("resv." + r.status)}`,
                       () => openCustomer(r.userId), "link"));
    list.append(item);
  }
}

async function createStaff(ev) {
  ev.preventDefault();
  const body = { email: $("staff-email").value.trim(), name: $("staff-name").value.trim(),
                 password: $("staff-password").value, role: $("staff-role").value };
  const { res, data } = await call("POST", "/api/admin/users", body);
  if (!res.ok) return;
  $("staff-form").reset();
  say(T("admin.staffCreated", { email: data.email, role: T("role." + data.role) }));
}

// ---- a seat's history --------------------------------------------------------------------------

// The seat named by section, row and number, found in the concert's plan, then its history.
async function showHistory(ev) {
  ev.preventDefault();
  const concert = $("history-concert").value;
  const section = $("history-section").value.trim(), row = $("history-row").value.trim();
  const number = Number($("history-number").value);
  const plan = await call("GET", `/api/concerts/${concert}/layout?section=${encodeURIComponent(section)}`);
  if (!plan.res.ok) return;
  const seat = plan.data.rows.find((r) => r.label === row)?.seats.find((s) => s[1] === number);
  if (!seat) return say(T("admin.noSuchSeat", { section, row, number }), "error");
  const { res, data } = await call("GET", `/api/admin/concerts/${concert}/seats/${seat[0]}/history?limit=1000`);
  if (!res.ok) return;
  const table = $("history-table");
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const e of data.entries) {
    const tr = document.createElement("tr");
    tr.dataset.kind = e.kind;
    cell(tr, when(e.at));
    cell(tr, T("history." + e.kind) + (e.reservationId ? ` · #${e.reservationId}` : ""));
    cell(tr, e.user ? e.user.email || `#${e.user.id}` : "-");
    cell(tr, e.by ? e.by.email || `#${e.by.id}` : "-");
    cell(tr, e.reason || e.gate || "");
    body.append(tr);
  }
  if (!data.entries.length) {
    const tr = document.createElement("tr");
    cell(tr, T("admin.noHistory")).colSpan = 5;
    body.append(tr);
  }
  // The oldest 1,000 events, and a line saying when there are more, or when the history starts
  // after the journal's beginning (retention had moved the first events away).
  const notes = [];
  if (data.next) notes.push(T("admin.historyMore"));
  if (data.startsAtSeq > 1) notes.push(T("admin.historyFrom", { seq: data.startsAtSeq }));
  for (const note of notes) {
    const tr = document.createElement("tr");
    cell(tr, note).colSpan = 5;
    body.append(tr);
  }
  table.hidden = false;
}

// ---- backups -----------------------------------------------------------------------------------

async function loadBackups() {
  const { res, data } = await call("GET", "/api/admin/backups");
  const body = $("backup-table").tBodies[0];
  body.replaceChildren();
  if (!res.ok) return;
  for (const b of data.items) {
    const tr = document.createElement("tr");
    cell(tr, String(b.seq));
    cell(tr, when(b.createdAt));
    cell(tr, `${(b.bytes / 1048576).toFixed(1)} MB`);
    cell(tr, b.directory);
    body.append(tr);
  }
  const newest = data.items[data.items.length - 1];
  // On the server's machine, from its data directory's parent (./data by default).
  $("restore-command").textContent = newest
    ? `concertmania restore --from ./data/${newest.directory} --data ./data-restored --keys-from /secrets/cm-keys\n` +
      "concertmania serve --data ./data-restored"
    : T("admin.noBackups");
}

async function createBackup() {
  $("backup-create").disabled = true;
  $("backup-status").textContent = T("admin.backupRunning");
  const { res, data } = await call("POST", "/api/admin/backups");
  $("backup-create").disabled = false;
  $("backup-status").textContent = res.ok ? T("admin.backupDone", { seq: data.seq }) : "";
  await loadBackups();
}

$("people-search").addEventListener("submit", searchPeople);
$("customer-toggle").addEventListener("click", toggleAccount);
$("reservation-search").addEventListener("submit", searchReservations);
$("staff-form").addEventListener("submit", createStaff);
$("history-form").addEventListener("submit", showHistory);
$("backup-create").addEventListener("click", createBackup);
