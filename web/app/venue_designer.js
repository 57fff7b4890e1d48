// The console's venue designer (loaded after admin.js, whose call, say, T, $ and GRADE_COLOURS it
// uses). An operator places the stage and sections on the hall by dragging and rotating them (or
// by typing their place, which the keyboard and tests use too), gives each section rows, straight
// or curved, and seats per row, paints grades over a region and marks wheelchair, companion and
// restricted-view seats with the same brush. A venue on record can be copied in and edited into a
// new one. What fans will see is the server's build of it drawn by the booking page's renderer
// (the preview under the canvas), and "Create venue" posts the detailed form of POST
// /api/admin/venues: every seat with its place, the stage's outline, the stage's centre the origin.
"use strict";

const Designer = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const PITCH = 100;  // between seats and rows, in the plan's units
  const ROW_LABELS = "ABCDEFGHJKLMNPQRSTUVWXYZ";  // no I or O: they read as 1 and 0
  const d = {
    name: "", grades: ["VIP", "R", "S"],
    stage: { x: 0, y: 0, w: 1600, h: 500, rot: 0 },
    sections: [],   // {name, x, y, rot, rows, perRow, radius, seats: [{row, number, lx, ly, grade, marks:Set}]}
    selected: -1,   // the section edited; -2: the stage
    mode: "move",
  };
  let drag = null, previewTimer = 0, previewAsked = 0;

  const node = (tag, attrs = {}) => {
    const n = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
    return n;
  };
  const rad = (deg) => (deg * Math.PI) / 180;
  const rowLabel = (r) => (r < ROW_LABELS.length ? ROW_LABELS[r] : ROW_LABELS[Math.floor(r / ROW_LABELS.length) - 1] + ROW_LABELS[r % ROW_LABELS.length]);

  // A section's seats where it stands: its own layout, turned by rot and moved to (x, y).
  function world(section, seat) {
    const c = Math.cos(rad(section.rot)), s = Math.sin(rad(section.rot));
    return [section.x + seat.lx * c - seat.ly * s, section.y + seat.lx * s + seat.ly * c];
  }

  // Rows from the front (nearest the stage, local y 0) back; a curved section bends its rows
  // around a point `radius` in front of its first row, so every seat faces the stage.
  function layOut(section, keep) {
    const seats = [];
    const old = new Map((keep || []).map((x) => [`${x.row}/${x.number}`, x]));
    const third = Math.max(1, Math.ceil(section.rows / d.grades.length));
    for (let r = 0; r < section.rows; ++r)
      for (let i = 0; i < section.perRow; ++i) {
        const offset = (i - (section.perRow - 1) / 2) * PITCH;
        let lx = offset, ly = r * PITCH;
        if (section.radius > 0) {
          const a = offset / section.radius, reach = section.radius + r * PITCH;
          lx = reach * Math.sin(a);
          ly = reach * Math.cos(a) - section.radius;
        }
        const was = old.get(`${r}/${i + 1}`);
        seats.push({ row: r, number: i + 1, lx, ly,
                     grade: was ? Math.min(was.grade, d.grades.length - 1) : Math.min(Math.floor(r / third), d.grades.length - 1),
                     marks: was ? was.marks : new Set() });
      }
    section.seats = seats;
  }

  function addSection(curved) {
    const k = d.sections.length;
    const section = { name: `S${k + 1}`, x: (k % 2 ? 1 : -1) * 900 * Math.ceil((k + 1) / 2) * (k ? 1 : 0),
                      y: 700 + 200 * Math.floor(k / 2), rot: 0, rows: 4, perRow: 8,
                      radius: curved ? 1800 : 0, seats: [] };
    if (k === 0) section.x = 0;
    layOut(section);
    d.sections.push(section);
    select(k);
    changed();
  }

  // ---- drawing -----------------------------------------------------------------------------

  function draw() {
    const svg = $("designer-canvas");
    svg.replaceChildren();
    const st = d.stage;
    const stage = node("rect", { x: -st.w / 2, y: -st.h / 2, width: st.w, height: st.h, rx: 40,
                                 class: "designer-stage" + (d.selected === -2 ? " selected" : ""),
                                 transform: `translate(${st.x} ${st.y}) rotate(${st.rot})` });
    stage.dataset.part = "stage";
    const label = node("text", { x: st.x, y: st.y, class: "designer-stage-text" });
    label.textContent = T("admin.stage");
    svg.append(stage, label);
    d.sections.forEach((section, k) => {
      const g = node("g", { class: "designer-section" + (k === d.selected ? " selected" : "") });
      g.dataset.part = String(k);
      for (const seat of section.seats) {
        const [x, y] = world(section, seat);
        const dot = node("circle", { cx: x, cy: y, r: PITCH * 0.38, fill: GRADE_COLOURS[seat.grade % GRADE_COLOURS.length],
                                     class: "designer-seat" });
        for (const m of seat.marks) dot.classList.add("seat-" + m);
        dot.dataset.seat = `${section.name}/${rowLabel(seat.row)}/${seat.number}`;
        g.append(dot);
      }
      const [cx, cy] = [section.x, section.y];
      const name = node("text", { x: cx, y: cy - PITCH, class: "designer-label" });
      name.textContent = section.name;
      g.append(name);
      svg.append(g);
    });
    if (drag && drag.box) {
      const b = drag.box;
      svg.append(node("rect", { x: Math.min(b.x0, b.x1), y: Math.min(b.y0, b.y1), width: Math.abs(b.x1 - b.x0),
                                height: Math.abs(b.y1 - b.y0), class: "designer-brush" }));
    }
    fitView(svg);
  }

  function fitView(svg) {
    const xs = [d.stage.x - d.stage.w / 2, d.stage.x + d.stage.w / 2], ys = [d.stage.y - d.stage.h / 2, d.stage.y + d.stage.h / 2];
    for (const s of d.sections)
      for (const seat of s.seats) {
        const [x, y] = world(s, seat);
        xs.push(x);
        ys.push(y);
      }
    const pad = 600;
    const minX = Math.min(...xs) - pad, minY = Math.min(...ys) - pad;
    const w = Math.max(...xs) + pad - minX, h = Math.max(...ys) + pad - minY;
    // The view only grows while dragging, so what is dragged does not run from the pointer.
    if (drag && svg.dataset.view) return;
    svg.setAttribute("viewBox", `${minX} ${minY} ${Math.max(w, 2000)} ${Math.max(h, 1500)}`);
    svg.dataset.view = "1";
  }

  function syncForm() {
    const s = d.sections[d.selected];
    $("designer-props").hidden = !s;
    if (!s) return;
    $("ds-name").value = s.name;
    $("ds-rows").value = s.rows;
    $("ds-per-row").value = s.perRow;
    $("ds-radius").value = s.radius;
    $("ds-x").value = Math.round(s.x);
    $("ds-y").value = Math.round(s.y);
    $("ds-rot").value = Math.round(s.rot);
  }

  function select(k) {
    d.selected = k;
    syncForm();
    draw();
  }

  // ---- pointer and keyboard ------------------------------------------------------------------

  function toPlan(ev) {
    const svg = $("designer-canvas");
    const p = svg.createSVGPoint();
    p.x = ev.clientX;
    p.y = ev.clientY;
    const m = svg.getScreenCTM();
    return m ? p.matrixTransform(m.inverse()) : { x: 0, y: 0 };
  }

  function onDown(ev) {
    const at = toPlan(ev);
    const part = ev.target.closest("[data-part]")?.dataset.part;
    $("designer-canvas").setPointerCapture?.(ev.pointerId);
    if (d.mode === "paint" || d.mode === "mark") {
      drag = { box: { x0: at.x, y0: at.y, x1: at.x, y1: at.y } };
      return;
    }
    if (part === undefined) return select(-1);
    const k = part === "stage" ? -2 : Number(part);
    select(k);
    const target = k === -2 ? d.stage : d.sections[k];
    drag = { target, from: at, x: target.x, y: target.y, rot: target.rot,
             angle: Math.atan2(at.y - target.y, at.x - target.x) };
  }

  function onMove(ev) {
    if (!drag) return;
    const at = toPlan(ev);
    if (drag.box) {
      drag.box.x1 = at.x;
      drag.box.y1 = at.y;
      return draw();
    }
    if (d.mode === "rotate") {
      const turn = Math.atan2(at.y - drag.target.y, at.x - drag.target.x) - drag.angle;
      drag.target.rot = Math.round(drag.rot + (turn * 180) / Math.PI);
    } else {
      drag.target.x = Math.round(drag.x + at.x - drag.from.x);
      drag.target.y = Math.round(drag.y + at.y - drag.from.y);
    }
    syncForm();
    draw();
  }

  function onUp() {
    if (!drag) return;
    if (drag.box) brush(drag.box);
    drag = null;
    draw();
    changed();
  }

  // Paint the chosen grade, or set or clear the chosen mark, on every seat inside the box.
  function brush(b) {
    const [x0, x1] = [Math.min(b.x0, b.x1), Math.max(b.x0, b.x1)], [y0, y1] = [Math.min(b.y0, b.y1), Math.max(b.y0, b.y1)];
    const grade = Number($("designer-grade").value), mark = $("designer-mark").value;
    for (const s of d.sections)
      for (const seat of s.seats) {
        const [x, y] = world(s, seat);
        if (x < x0 || x > x1 || y < y0 || y > y1) continue;
        if (d.mode === "paint") seat.grade = grade;
        else if (mark === "NONE") seat.marks.clear();
        else {
          seat.marks.add(mark);
          if (mark === "WHEELCHAIR") seat.marks.delete("COMPANION");
          if (mark === "COMPANION") seat.marks.delete("WHEELCHAIR");
        }
      }
  }

  // "1-3" or "2" or "": the numbers (or row indexes) it names; empty names them all.
  function range(text, names) {
    const t = text.trim();
    if (!t) return () => true;
    const parts = t.split(",").map((p) => p.trim().split("-").map((x) => names(x.trim())));
    return (v) => parts.some(([a, b = a]) => v >= Math.min(a, b) && v <= Math.max(a, b));
  }

  // The brush without a pointer: the selected section's rows (by label) and seats (by number)
  // get the chosen grade, or the chosen mark.
  function applyToRows(what) {
    const s = d.sections[d.selected];
    if (!s) return;
    const rowOk = range($("ds-brush-rows").value.toUpperCase(), (x) => {
      for (let r = 0; r < s.rows; ++r) if (rowLabel(r) === x) return r;
      return -1;
    });
    const seatOk = range($("ds-brush-seats").value, Number);
    const grade = Number($("designer-grade").value), mark = $("designer-mark").value;
    for (const seat of s.seats) {
      if (!rowOk(seat.row) || !seatOk(seat.number)) continue;
      if (what === "grade") seat.grade = grade;
      else if (mark === "NONE") seat.marks.clear();
      else {
        seat.marks.add(mark);
        if (mark === "WHEELCHAIR") seat.marks.delete("COMPANION");
        if (mark === "COMPANION") seat.marks.delete("WHEELCHAIR");
      }
    }
    draw();
    changed();
  }

  // Arrow keys move the selected part by a seat; [ and ] turn it by 5 degrees.
  function onKey(ev) {
    const target = d.selected === -2 ? d.stage : d.sections[d.selected];
    if (!target) return;
    const step = { ArrowLeft: [-PITCH, 0], ArrowRight: [PITCH, 0], ArrowUp: [0, -PITCH], ArrowDown: [0, PITCH] }[ev.key];
    if (step) {
      target.x += step[0];
      target.y += step[1];
    } else if (ev.key === "[" || ev.key === "]") {
      target.rot += ev.key === "[" ? -5 : 5;
    } else {
      return;
    }
    ev.preventDefault();
    syncForm();
    draw();
    changed();
  }

  function onProps() {
    const s = d.sections[d.selected];
    if (!s) return;
    const num = (id, lo, hi, fallback) => {
      const v = Number($(id).value);
      return Number.isFinite(v) ? Math.max(lo, Math.min(hi, v)) : fallback;
    };
    s.name = $("ds-name").value.trim() || s.name;
    const rows = num("ds-rows", 1, 60, s.rows), perRow = num("ds-per-row", 1, 120, s.perRow);
    const radius = num("ds-radius", 0, 100000, s.radius);
    const relayout = rows !== s.rows || perRow !== s.perRow || radius !== s.radius;
    Object.assign(s, { rows, perRow, radius, x: num("ds-x", -900000, 900000, s.x), y: num("ds-y", -900000, 900000, s.y),
                       rot: num("ds-rot", -360, 360, s.rot) });
    if (relayout) layOut(s, s.seats);
    draw();
    changed();
  }

  function onGrades() {
    const grades = $("designer-grades").value.split(",").map((g) => g.trim()).filter(Boolean);
    if (!grades.length) return;
    d.grades = grades;
    for (const s of d.sections) for (const seat of s.seats) seat.grade = Math.min(seat.grade, grades.length - 1);
    fillGradeChoice();
    draw();
    changed();
  }

  function fillGradeChoice() {
    const select = $("designer-grade");
    const keep = select.value;
    select.replaceChildren(...d.grades.map((g, i) => {
      const o = document.createElement("option");
      o.value = i;
      o.textContent = g;
      return o;
    }));
    if (keep && Number(keep) < d.grades.length) select.value = keep;
  }

  // ---- the venue it makes --------------------------------------------------------------------

  // POST /api/admin/venues's detailed form: the stage's centre is the origin.
  function spec() {
    const ox = d.stage.x, oy = d.stage.y;
    const c = Math.cos(rad(d.stage.rot)), s = Math.sin(rad(d.stage.rot));
    const corner = (x, y) => [Math.round(x * c - y * s), Math.round(x * s + y * c)];
    const w = d.stage.w / 2, h = d.stage.h / 2;
    return {
      name: $("designer-name").value.trim(),
      grades: d.grades,
      stage: [corner(-w, -h), corner(w, -h), corner(w, h), corner(-w, h)],
      sections: d.sections.map((section) => {
        const rows = [];
        for (const seat of section.seats) {
          if (!rows[seat.row]) rows[seat.row] = { label: rowLabel(seat.row), seats: [] };
          const [x, y] = world(section, seat);
          const out = { number: seat.number, grade: d.grades[seat.grade], x: Math.round(x - ox), y: Math.round(y - oy) };
          if (seat.marks.size) out.attributes = [...seat.marks];
          rows[seat.row].seats.push(out);
        }
        return { name: section.name, rows: rows.filter(Boolean) };
      }),
    };
  }

  function changed() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, 250);
  }

  async function preview() {
    const box = $("designer-preview");
    if (!d.sections.length) return box.replaceChildren();
    const body = spec();
    if (!body.name) body.name = "preview";
    const asked = ++previewAsked;
    const res = await fetch("/api/admin/venues/preview", {
      method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify(body) });
    const data = await res.json().catch(() => null);
    if (asked !== previewAsked) return;
    if (!res.ok) {
      const why = document.createElement("p");
      why.className = "preview-error";
      why.textContent = data ? `${I18N.problem(data.code) || data.code} (${data.detail})` : String(res.status);
      return box.replaceChildren(why);
    }
    const note = document.createElement("p");
    note.className = "preview-legend";
    note.textContent = T("admin.designerSeats", { total: data.seatCount, sections: data.layout.sections.length });
    box.replaceChildren(drawVenue(data.layout, data.sections, "designer-preview-svg"), note);
  }

  async function create(ev) {
    ev.preventDefault();
    if (!d.sections.length) return say(T("admin.designerEmpty"), "error");
    const { res, data } = await call("POST", "/api/admin/venues", spec());
    if (!res.ok) return;
    say(T("admin.venueCreated", { id: data.id }));
    await loadVenues(data.id);
  }

  // A venue on record into the designer: its sections as they stand (their seats kept where they
  // are), ready to be moved, turned, painted and marked, and saved under a new name.
  async function copy(id) {
    const { res, data } = await call("GET", `/api/admin/venues/${id}`);
    if (!res.ok) return;
    const v = data.spec;
    d.grades = v.grades;
    $("designer-grades").value = v.grades.join(", ");
    $("designer-name").value = T("admin.copyOf", { name: v.name });
    const xs = (v.stage || [[-800, -250], [800, 250]]).map((p) => p[0]), ys = (v.stage || [[-800, -250], [800, 250]]).map((p) => p[1]);
    d.stage = { x: 0, y: 0, w: Math.max(...xs) - Math.min(...xs), h: Math.max(...ys) - Math.min(...ys), rot: 0 };
    d.sections = v.sections.map((s) => {
      const all = s.rows.flatMap((r) => r.seats);
      const cx = all.reduce((a, x) => a + x.x, 0) / all.length, cy = all.reduce((a, x) => a + x.y, 0) / all.length;
      const seats = [];
      s.rows.forEach((row, r) => {
        for (const seat of row.seats)
          seats.push({ row: r, number: seat.number, lx: seat.x - cx, ly: seat.y - cy,
                       grade: Math.max(0, v.grades.indexOf(seat.grade)), marks: new Set(seat.attributes || []) });
      });
      return { name: s.name, x: cx, y: cy, rot: 0, rows: s.rows.length,
               perRow: Math.max(...s.rows.map((r) => r.seats.length)), radius: 0, seats, copied: true };
    });
    // Copied rows keep their labels' order; relabelled A, B, ... only if the rows are laid out anew.
    fillGradeChoice();
    select(d.sections.length ? 0 : -1);
    changed();
    $("designer").scrollIntoView({ block: "start" });
  }

  function setMode(mode) {
    d.mode = mode;
    for (const b of document.querySelectorAll("[data-mode]")) b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
    $("designer-canvas").dataset.mode = mode;
  }

  function init() {
    $("designer-grades").value = d.grades.join(", ");
    fillGradeChoice();
    const svg = $("designer-canvas");
    svg.addEventListener("pointerdown", onDown);
    svg.addEventListener("pointermove", onMove);
    svg.addEventListener("pointerup", onUp);
    svg.addEventListener("pointercancel", onUp);
    svg.addEventListener("keydown", onKey);
    $("designer-add").addEventListener("click", () => addSection(false));
    $("designer-add-curved").addEventListener("click", () => addSection(true));
    $("designer-remove").addEventListener("click", () => {
      if (d.selected < 0) return;
      d.sections.splice(d.selected, 1);
      select(-1);
      changed();
    });
    for (const b of document.querySelectorAll("[data-mode]")) b.addEventListener("click", () => setMode(b.dataset.mode));
    $("designer-props").addEventListener("change", onProps);
    $("designer-grades").addEventListener("change", onGrades);
    $("designer-form").addEventListener("submit", create);
    $("ds-apply-grade").addEventListener("click", () => applyToRows("grade"));
    $("ds-apply-mark").addEventListener("click", () => applyToRows("mark"));
    setMode("move");
    draw();
  }

  return { init, copy };
})();

Designer.init();
