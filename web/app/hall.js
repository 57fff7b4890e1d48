// The hall on the booking page: an overview drawn from the venue's plan and per-section counts,
// then one section's seats at their places on the plan, loaded when it is opened, under pan and
// pinch zoom (@panzoom/panzoom).
//
// For a hall of any size the page keeps one status letter per seat (the WebSocket snapshot in
// its "letters" form, then deltas) and each seat's section and grade (from the plan's grade
// runs) in typed arrays: a 50,000-seat stadium costs 200 kB and no object per seat. Seat
// records, with rows, numbers and places, exist only for the sections opened.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const SEAT_PX = 28;        // a seat's box at the zoom a section opens at (WCAG 2.5.8: 24 or more)
const SEAT_PITCH_PX = 32;  // the least distance between two seats' centres at that zoom
const SEAT_MARGIN_PX = 36; // room around the seats for the row labels
const STATUS_LETTER = { 65: "A", 72: "H", 83: "S" };
// A hall up to this size opens its first section at once; a bigger one shows the overview alone
// until the fan picks a section, so it can be tapped sooner.
const OPEN_FIRST_SECTION_UP_TO = 5000;

// ---- the plan and the seats' letters ----------------------------------------------------------

// Fetches the hall's plan, then subscribes to its seats. The plan is fixed for the venue's life.
async function loadHall(concertId) {
  const { res, data } = await api("GET", `/api/concerts/${concertId}/layout`);
  if (!res.ok || !state.concert || state.concert.id !== concertId) return;
  const seats = data.sections.reduce((n, s) => n + s.seats, 0);
  state.sectionOf = new Uint16Array(seats);
  state.gradeOf = new Uint8Array(seats);
  data.sections.forEach((section, k) => {
    let id = section.firstSeat;
    state.sectionOf.fill(k, id, id + section.seats);
    for (const [grade, count] of section.gradeRuns) {
      state.gradeOf.fill(grade, id, id + count);
      id += count;
    }
  });
  state.layout = data;
  subscribeConcert(null);
}

const minMax = HallPlan.minMax;

// Seats still free in section k, all grades.
function freeIn(k) {
  return (state.gradeFree[k] || []).reduce((sum, n) => sum + n, 0);
}

function hallReady() {
  return !!(state.layout && state.letters);
}

function seatStatus(id) {
  return STATUS_LETTER[state.letters[id]] || "S";
}

// A snapshot: every seat's letter. Counts are made again from it; the open section repaints.
function applyLetters(letters) {
  const n = Math.min(letters.length, state.sectionOf.length);
  const codes = new Uint8Array(state.sectionOf.length);
  for (let i = 0; i < n; ++i) codes[i] = letters.charCodeAt(i);
  state.letters = codes;
  const grades = state.concert.grades.length;
  state.gradeFree = state.layout.sections.map(() => new Array(grades).fill(0));
  for (let i = 0; i < n; ++i)
    if (codes[i] === 65) ++state.gradeFree[state.sectionOf[i]][state.gradeOf[i]];
  for (const id of [...state.selected]) if (seatStatus(id) !== "A") state.selected.delete(id);
  renderOverview();
}

function renderOverview() {
  if (state.section < 0 || state.section >= state.layout.sections.length) state.section = 0;
  renderLegend();
  renderPicker();
  renderHall();
  updateSelection();
  if (state.plans.has(state.section)) return markMine();
  if (state.sectionLoading === state.section) return;  // the fan's pick is on its way
  if (state.letters.length <= OPEN_FIRST_SECTION_UP_TO) return openSection(state.section, false);
  state.section = -1;
  updatePicker();
  $("seat-map").textContent = T("map.pickSection");
}

function setSeatStatus(id, status) {
  if (!state.letters || id >= state.letters.length) return;
  const was = seatStatus(id);
  if (was === status) return;
  const k = state.sectionOf[id], g = state.gradeOf[id];
  const delta = status === "A" ? 1 : was === "A" ? -1 : 0;
  state.gradeFree[k][g] += delta;
  state.letters[id] = status.charCodeAt(0);
  if (status !== "A" && state.selected.delete(id)) updateSelection();
  paintSeat(id);
}

// ---- the overview ------------------------------------------------------------------------------

function renderLegend() {
  const legend = $("legend");
  legend.replaceChildren();
  state.concert.grades.forEach((g, i) => {
    const s = document.createElement("span");
    s.style.setProperty("--swatch", GRADE_COLOURS[i % GRADE_COLOURS.length]);
    s.textContent = `${g.name} ${money(g.price)}`;
    legend.append(s);
  });
  const marks = state.concert.accessibleSeats && state.concert.accessibleSeats.wheelchairSpaces
    ? [["legend.wheelchair", "wheelchair"], ["legend.companion", "companion"]] : [];
  for (const [key, cls] of [["legend.held", "held"], ["legend.sold", "sold"], ...marks]) {
    const s = document.createElement("span");
    s.className = cls;
    s.textContent = T(key);
    legend.append(s);
  }
}

// Each section as a chip with what is still free in it.
function renderPicker() {
  const picker = $("section-picker");
  picker.replaceChildren();
  state.layout.sections.forEach((section, k) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "section-chip";
    b.dataset.section = k;
    picker.append(b);
  });
  updatePicker();
}

function updatePicker() {
  for (const b of $("section-picker").children) {
    const k = Number(b.dataset.section);
    const free = freeIn(k);
    b.textContent = T("map.sectionFree", { section: state.layout.sections[k].name, free });
    b.classList.toggle("full", free === 0);
    b.setAttribute("aria-pressed", String(k === state.section));
  }
  updateHall();
}

// The plan: the stage and every section where it stands, filled with the colour of the best
// grade still free in it (paler as it fills up); tapping one opens its seats.
function renderHall() {
  const box = $("hall");
  const L = state.layout;
  if (!L) return box.replaceChildren();
  box.replaceChildren(HallPlan.draw(L, { stageLabel: T("map.stage"), hallLabel: T("map.hall") }));
  updateHall();
}

// Recolours from the counts kept as seats change: a live delta costs the sections, not the seats.
function updateHall() {
  const svg = $("hall").firstChild;
  if (!svg || !state.letters) return;
  for (const g of svg.querySelectorAll(".hall-section")) {
    const k = Number(g.dataset.section);
    const best = (state.gradeFree[k] || []).findIndex((n) => n > 0);  // grades are best first
    const shape = g.firstChild;
    const total = state.layout.sections[k].seats || 1;
    shape.style.fill = best >= 0 ? GRADE_COLOURS[best % GRADE_COLOURS.length] : "#2a2d3c";
    shape.style.fillOpacity = best >= 0 ? String(0.35 + 0.65 * (freeIn(k) / total)) : "1";
    if (shape.tagName === "polyline") shape.style.stroke = shape.style.fill;  // a row alone: a thick line
    g.classList.toggle("current", k === state.section);
  }
}

function onPickHall(ev) {
  const g = ev.target.closest(".hall-section");
  if (!g || !hallReady()) return;
  openSection(Number(g.dataset.section));
  $("section-picker").querySelector(`[data-section="${state.section}"]`)?.scrollIntoView({ block: "nearest", inline: "center" });
}

function onPickSection(ev) {
  const b = ev.target.closest(".section-chip");
  if (!b || !hallReady()) return;
  openSection(Number(b.dataset.section));
}

// ---- one section's seats -----------------------------------------------------------------------

// Opens section k: its seats come from the plan (once per section), their states from the letters.
async function openSection(k, focus = true) {
  state.section = k;
  state.focusSeat = null;
  updatePicker();
  if (!state.plans.has(k)) {
    $("seat-map").textContent = T("concert.loading");
    const concert = state.concert;
    const name = encodeURIComponent(state.layout.sections[k].name);
    state.sectionLoading = k;
    const { res, data } = await api("GET", `/api/concerts/${concert.id}/layout?section=${name}`);
    if (state.sectionLoading === k) state.sectionLoading = null;
    if (state.concert !== concert) return;
    if (!res.ok) {
      if (state.section === k) $("seat-map").textContent = T("map.sectionFailed");
      return say(explain(res, data, "action.openConcert"), "error");
    }
    state.plans.set(k, planOf(k, data));
    if (state.section !== k) return;  // another section was opened meanwhile
  }
  renderSection(focus);
  if (focus) $("seat-map").scrollIntoView({ block: "nearest" });  // the fan picked it: show its seats
}

// A section's seats: records for the page, and their boxes' places at the opening zoom.
function planOf(k, data) {
  const seats = data.rows.flatMap((r) => r.seats);
  const [minX, maxX] = minMax(seats.map((s) => s[3])), [minY, maxY] = minMax(seats.map((s) => s[4]));
  // The scale that keeps the closest two seats (along a row, or between rows) a pitch apart.
  let closest = Infinity;
  const dist = (a, b) => Math.hypot(a[3] - b[3], a[4] - b[4]) || Infinity;
  data.rows.forEach((row, r) => {
    for (let i = 1; i < row.seats.length; ++i) closest = Math.min(closest, dist(row.seats[i - 1], row.seats[i]));
    const next = data.rows[r + 1];
    if (next) for (const s of [row.seats[0], row.seats[row.seats.length >> 1]])
      for (const t of next.seats) closest = Math.min(closest, dist(s, t));
  });
  const scale = SEAT_PITCH_PX / (Number.isFinite(closest) ? closest : 1);
  const rows = data.rows.map((row) => {
    const ids = [];
    for (const [id, number, grade, x, y, attributes] of row.seats) {
      ids.push(id);
      state.seats.set(id, { section: k, row: row.label, number, grade, price: state.concert.grades[grade].price,
                            attributes: attributes || [],
                            left: SEAT_MARGIN_PX + (x - minX) * scale, top: SEAT_MARGIN_PX + (y - minY) * scale, el: null });
    }
    return { label: row.label, ids };
  });
  return { rows, width: 2 * SEAT_MARGIN_PX + (maxX - minX) * scale,
           height: 2 * SEAT_MARGIN_PX + (maxY - minY) * scale };
}

function seatLabel(seat) {
  return T("seat.short", { section: state.layout.sections[seat.section].name, row: seat.row, number: seat.number });
}

function seatState(id) {
  if (state.selected.has(id)) return T("seat.selected");
  if (isMine(id)) return T("seat.mine");
  return T("seat." + seatStatus(id));
}

function announce(id) {
  const seat = state.seats.get(id);
  const said = T("seat.announce", { grade: state.concert.grades[seat.grade].name,
                                    section: state.layout.sections[seat.section].name, row: seat.row,
                                    number: seat.number, price: money(seat.price), state: seatState(id) });
  // What the seat is, said first where it matters to who picks it (휠체어석, 동반석, ...).
  return seat.attributes.length ? seat.attributes.map((a) => T("seat.attr." + a)).join(", ") + ", " + said : said;
}

function paintSeat(id) {
  const seat = state.seats.get(id);
  if (!seat || !seat.el) return;
  const b = seat.el, status = seatStatus(id);
  b.dataset.status = status;
  b.classList.toggle("selected", state.selected.has(id));
  b.classList.toggle("mine", isMine(id));
  b.setAttribute("aria-pressed", String(state.selected.has(id)));
  b.setAttribute("aria-disabled", String(status !== "A"));
  b.setAttribute("aria-label", announce(id));
}

// The seats at their places, in a canvas that pans and zooms inside #seat-map. The grid is one
// tab stop (roving tabindex); arrow keys move along and between rows. Only the seats in and
// around the view are buttons (drawVisibleSeats): a stadium's section has thousands.
function renderSection(focus = true) {
  const hadFocus = focus && $("seat-map").contains(document.activeElement);
  const plan = state.plans.get(state.section);
  for (const seat of state.seats.values()) seat.el = null;
  if (state.panzoom) state.panzoom.destroy();
  const canvas = document.createElement("div");
  canvas.className = "seat-canvas";
  canvas.style.width = `${plan.width}px`;
  canvas.style.height = `${plan.height}px`;
  const grid = document.createElement("div");
  grid.className = "seat-grid";
  grid.setAttribute("role", "group");
  grid.setAttribute("aria-label", T("map.label", { section: state.layout.sections[state.section].name }));
  let first = null;
  plan.rows.forEach((row, r) => {
    const label = document.createElement("span");
    label.className = "row-label";
    label.setAttribute("aria-hidden", "true");
    label.textContent = row.label;
    // Before the row's first seat, along the row.
    const a = state.seats.get(row.ids[0]), b = state.seats.get(row.ids[1]) || { left: a.left + 1, top: a.top };
    const len = Math.hypot(b.left - a.left, b.top - a.top) || 1;
    label.style.left = `${a.left - (b.left - a.left) / len * SEAT_PX}px`;
    label.style.top = `${a.top - (b.top - a.top) / len * SEAT_PX}px`;
    grid.append(label);
    if (first === null) first = row.ids[0];
  });
  canvas.append(grid);
  const view = document.createElement("div");
  view.className = "seat-view";
  view.style.height = `${Math.min(plan.height, Math.round(innerHeight * 0.6))}px`;
  view.append(canvas);
  $("seat-map").replaceChildren(zoomControls(), view);
  startPanzoom(view, canvas, plan);
  const keep = state.focusSeat !== null && state.seats.get(state.focusSeat)?.section === state.section
    ? state.focusSeat : first;
  state.focusSeat = keep;
  drawVisibleSeats();
  let pending = false;
  const follow = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; drawVisibleSeats(); });
  };
  canvas.addEventListener("panzoomchange", follow);
  view.addEventListener("scroll", follow);  // (without the library, the view scrolls)
  // After the library's own first pan (its timer), so a seat panned into view stays there.
  setTimeout(() => state.focusSeat === keep && setFocusSeat(keep, hadFocus), 0);
}

// The view's top-left corner in the canvas' coordinates. Panzoom scales about the canvas' centre
// c, so a canvas point p is shown at c + s * (p - c + pan) = s * (p - origin).
function viewOrigin(pz, plan) {
  const s = pz.getScale(), pan = pz.getPan();
  return { x: plan.width / 2 * (1 - 1 / s) - pan.x, y: plan.height / 2 * (1 - 1 / s) - pan.y };
}

function seatButton(id, r, c) {
  const seat = state.seats.get(id);
  const el = document.createElement("button");
  el.type = "button";
  el.className = "seat";
  el.dataset.seat = id;
  el.dataset.r = r;
  el.dataset.c = c;
  el.tabIndex = id === state.focusSeat ? 0 : -1;
  el.style.left = `${seat.left}px`;
  el.style.top = `${seat.top}px`;
  el.style.setProperty("--grade", GRADE_COLOURS[seat.grade % GRADE_COLOURS.length]);
  if (seat.attributes.length) el.dataset.attr = seat.attributes.join(" ");  // drawn by style.css
  seat.el = el;
  paintSeat(id);
  return el;
}

// Makes buttons of the seats in the view and as much again around it, and of the seat with the
// tab stop; drops the others.
function drawVisibleSeats() {
  const plan = state.plans.get(state.section);
  const grid = $("seat-map").querySelector(".seat-grid");
  const view = grid && grid.closest(".seat-view");
  if (!plan || !view) return;
  const pz = state.panzoom;
  const scale = pz ? pz.getScale() : 1;
  const from = pz ? viewOrigin(pz, plan) : { x: view.scrollLeft, y: view.scrollTop };
  const w = view.clientWidth / scale, h = view.clientHeight / scale;
  const x0 = from.x - w, x1 = from.x + 2 * w, y0 = from.y - h, y1 = from.y + 2 * h;
  const added = document.createDocumentFragment();
  plan.rows.forEach((row, r) => row.ids.forEach((id, c) => {
    const seat = state.seats.get(id);
    const wanted = id === state.focusSeat ||
      (seat.left >= x0 && seat.left <= x1 && seat.top >= y0 && seat.top <= y1);
    if (wanted && !seat.el) added.append(seatButton(id, r, c));
    else if (!wanted && seat.el) {
      seat.el.remove();
      seat.el = null;
    }
  }));
  grid.append(added);
}

// Pan and pinch through @panzoom/panzoom; buttons for those who cannot pinch. Opens with the
// section's width in view if its seats stay 24.5 px or more that way (else at 1:1, 28 px), its
// front row at the top; zooming out shows it whole.
const OPENING_SCALE_MIN = 24.5 / SEAT_PX;
function startPanzoom(view, canvas, plan) {
  state.panzoom = null;
  if (typeof Panzoom !== "function") return view.classList.add("scrolls");  // the library missing
  const width = view.clientWidth;
  const fit = Math.min(1, width / plan.width, view.clientHeight / plan.height);
  const scale = Math.max(OPENING_SCALE_MIN, Math.min(1, width / plan.width));
  view.style.height = `${Math.ceil(Math.min(plan.height * scale, innerHeight * 0.6))}px`;
  // Centred across, the front row at the top (see viewOrigin for the transform).
  const start = { x: (width / 2 - plan.width / 2) / scale, y: plan.height / 2 * (1 - 1 / scale) };
  state.panzoom = Panzoom(canvas, { minScale: Math.min(scale, Math.max(0.1, fit)), maxScale: 3, step: 0.25,
                                    cursor: "grab", startScale: scale, startX: start.x, startY: start.y,
                                    handleStartEvent: (e) => { state.panFrom = [e.clientX, e.clientY]; } });
  // Now rather than on the library's timer, so the seats drawn first are those in view.
  state.panzoom.pan(start.x, start.y, { force: true, animate: false, silent: true });
  view.addEventListener("wheel", (e) => { e.preventDefault(); state.panzoom.zoomWithWheel(e); }, { passive: false });
}

function zoomControls() {
  const box = document.createElement("div");
  box.className = "zoom-controls";
  for (const [key, act] of [["map.zoomIn", (p) => p.zoomIn()], ["map.zoomOut", (p) => p.zoomOut()],
                            ["map.zoomReset", (p) => p.reset()]]) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "secondary";
    b.textContent = T(key + "Short");
    b.setAttribute("aria-label", T(key));
    b.addEventListener("click", () => state.panzoom && act(state.panzoom));
    box.append(b);
  }
  return box;
}

// Keeps a seat reached by the keyboard in view (from the pan's own numbers: the library applies
// its transform a frame later).
function panTo(id) {
  const pz = state.panzoom, seat = state.seats.get(id), view = $("seat-map").querySelector(".seat-view");
  if (!seat || !view) return;
  if (!pz) return seat.el && seat.el.scrollIntoView({ block: "nearest", inline: "nearest" });
  const s = pz.getScale(), o = viewOrigin(pz, state.plans.get(state.section)), m = SEAT_PX * s;
  const into = (at, size) => (at < m ? m - at : at > size - m ? size - m - at : 0);
  const dx = into((seat.left - o.x) * s, view.clientWidth), dy = into((seat.top - o.y) * s, view.clientHeight);
  if (dx || dy) pz.pan(dx / s, dy / s, { relative: true, force: true });
}

function setFocusSeat(id, focus = true) {
  if (id === null || id === undefined) return;
  const prev = state.focusSeat !== null && state.seats.get(state.focusSeat)?.el;
  if (prev) prev.tabIndex = -1;
  state.focusSeat = id;
  if (!state.seats.get(id)?.el) drawVisibleSeats();  // the tab stop is always drawn
  const el = state.seats.get(id)?.el;
  if (!el) return;
  el.tabIndex = 0;
  if (focus) {
    panTo(id);
    el.focus({ preventScroll: true });
  }
}

function onGridKey(ev) {
  const b = ev.target.closest(".seat");
  if (!b) return;
  const rows = state.plans.get(state.section).rows;
  let r = Number(b.dataset.r), c = Number(b.dataset.c);
  const last = (i) => rows[i].ids.length - 1;
  switch (ev.key) {
    case "ArrowLeft": c = Math.max(0, c - 1); break;
    case "ArrowRight": c = Math.min(last(r), c + 1); break;
    case "ArrowUp": r = Math.max(0, r - 1); c = Math.min(c, last(r)); break;
    case "ArrowDown": r = Math.min(rows.length - 1, r + 1); c = Math.min(c, last(r)); break;
    case "Home": c = 0; break;
    case "End": c = last(r); break;
    default: return;
  }
  ev.preventDefault();
  setFocusSeat(rows[r].ids[c]);
}

function isMine(id) {
  return state.holds.some((h) => h.seats.some((s) => s.id === id));
}

function markMine() {
  if (!hallReady()) return;
  for (const [id, seat] of state.seats) if (seat.el) paintSeat(id);
}

function onSeatClick(ev) {
  const b = ev.target.closest(".seat");
  if (!b) return;
  // The end of a drag is not a tap.
  if (state.panFrom && Math.hypot(ev.clientX - state.panFrom[0], ev.clientY - state.panFrom[1]) > 10 &&
      ev.detail > 0) return;
  const id = Number(b.dataset.seat);
  const seat = state.seats.get(id);
  setFocusSeat(id, false);
  const status = seatStatus(id);
  if (status !== "A")
    return say(T("shop.notAvailable." + status, { seat: seatLabel(seat) }), "warn", 3000);
  if (state.selected.has(id)) state.selected.delete(id);
  else if (state.selected.size >= state.concert.maxSeatsPerUser)
    return say(T("shop.maxSeats", { max: state.concert.maxSeatsPerUser }), "warn", 3000);
  else state.selected.add(id);
  paintSeat(id);
  updateSelection();
}
